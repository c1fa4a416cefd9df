"""office_data_imports: an office's file history proposed for a matter; events.office_import_id

Revision ID: c7a4d2e9f1b3
Revises: b3f1e6a2c9d4
Create Date: 2026-11-24 07:10:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c7a4d2e9f1b3'
down_revision = 'b3f1e6a2c9d4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'office_data_imports',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('tenant_id', sa.Integer(), nullable=False),
        sa.Column('matter_id', sa.Integer(), nullable=False),
        sa.Column('source', sa.String(length=80), nullable=False),
        sa.Column('filename', sa.String(length=200), nullable=False),
        sa.Column('application_number', sa.String(length=40), nullable=True),
        sa.Column('entries', sa.JSON(), nullable=False),
        sa.Column('warnings', sa.JSON(), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
        sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['matter_id'], ['matters.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id']),
        sa.ForeignKeyConstraint(['decided_by_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('office_data_imports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_office_data_imports_matter_id'), ['matter_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_office_data_imports_tenant_id'), ['tenant_id'], unique=False)
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('office_import_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_events_office_import_id'), ['office_import_id'], unique=False)
        batch_op.create_foreign_key('fk_events_office_import_id', 'office_data_imports', ['office_import_id'],
                                    ['id'])


def downgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_constraint('fk_events_office_import_id', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_events_office_import_id'))
        batch_op.drop_column('office_import_id')
    with op.batch_alter_table('office_data_imports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_office_data_imports_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_office_data_imports_matter_id'))
    op.drop_table('office_data_imports')
