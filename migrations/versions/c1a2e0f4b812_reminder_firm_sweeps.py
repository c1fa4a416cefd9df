"""reminder sweeps recorded per firm in their own table (not on the audited policy)

Revision ID: c1a2e0f4b812
Revises: 6da3738bd310
Create Date: 2026-11-23 20:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c1a2e0f4b812'
down_revision = '6da3738bd310'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('reminder_firm_sweeps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('last_minute', sa.String(length=12), nullable=True),
    sa.Column('last_swept_on', sa.Date(), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(length=200), nullable=True),
    sa.Column('last_error_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('failures_in_a_row', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_reminder_firm_sweeps_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder_firm_sweeps')),
    sa.UniqueConstraint('tenant_id', name='uq_reminder_firm_sweeps_tenant_id')
    )
    with op.batch_alter_table('reminder_firm_sweeps', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reminder_firm_sweeps_tenant_id'), ['tenant_id'], unique=False)
    op.execute("INSERT INTO reminder_firm_sweeps (tenant_id, last_swept_on, failures_in_a_row) "
               "SELECT tenant_id, last_swept_on, 0 FROM reminder_policies")
    with op.batch_alter_table('reminder_policies', schema=None) as batch_op:
        batch_op.drop_column('last_swept_on')
    with op.batch_alter_table('reminder_sweep_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('firms_swept', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('firms_failed', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('reminder_sweep_runs', schema=None) as batch_op:
        batch_op.drop_column('firms_failed')
        batch_op.drop_column('firms_swept')
    with op.batch_alter_table('reminder_policies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_swept_on', sa.Date(), nullable=True))
    op.execute("UPDATE reminder_policies SET last_swept_on = (SELECT s.last_swept_on FROM reminder_firm_sweeps s "
               "WHERE s.tenant_id = reminder_policies.tenant_id)")
    with op.batch_alter_table('reminder_firm_sweeps', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reminder_firm_sweeps_tenant_id'))
    op.drop_table('reminder_firm_sweeps')
