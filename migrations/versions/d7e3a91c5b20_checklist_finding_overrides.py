"""checklist finding overrides: an attorney's written reason to sign off despite an error finding

Revision ID: d7e3a91c5b20
Revises: c1a2e0f4b812
Create Date: 2026-11-23 20:45:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd7e3a91c5b20'
down_revision = 'c1a2e0f4b812'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('checklist_finding_overrides',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('checklist_id', sa.Integer(), nullable=False),
    sa.Column('fingerprint', sa.String(length=32), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=True),
    sa.Column('by_name', sa.String(length=200), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['by_id'], ['users.id'], name=op.f('fk_checklist_finding_overrides_by_id_users')),
    sa.ForeignKeyConstraint(['checklist_id'], ['checklists.id'], name=op.f('fk_checklist_finding_overrides_checklist_id_checklists'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_checklist_finding_overrides_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checklist_finding_overrides')),
    sa.UniqueConstraint('checklist_id', 'fingerprint', name=op.f('uq_checklist_finding_overrides_checklist_id_fingerprint'))
    )
    with op.batch_alter_table('checklist_finding_overrides', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_checklist_finding_overrides_checklist_id'), ['checklist_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_checklist_finding_overrides_tenant_id'), ['tenant_id'], unique=False)


def downgrade():
    with op.batch_alter_table('checklist_finding_overrides', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_checklist_finding_overrides_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_checklist_finding_overrides_checklist_id'))
    op.drop_table('checklist_finding_overrides')
