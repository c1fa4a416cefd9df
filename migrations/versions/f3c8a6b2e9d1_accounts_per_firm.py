"""users: an address is unique within one firm (or the provider's staff), not across PatentDesk

Revision ID: f3c8a6b2e9d1
Revises: e2b7c5a1d8f4
Create Date: 2026-11-24 07:40:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'f3c8a6b2e9d1'
down_revision = 'e2b7c5a1d8f4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint('uq_users_email', type_='unique')
        batch_op.create_unique_constraint('uq_users_home_tenant_id_email', ['home_tenant_id', 'email'])
        batch_op.create_index('ix_users_email', ['email'], unique=False)
        batch_op.create_index('uq_users_provider_email', ['email'], unique=True,
                              postgresql_where=sa.text('home_tenant_id IS NULL'),
                              sqlite_where=sa.text('home_tenant_id IS NULL'))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index('uq_users_provider_email')
        batch_op.drop_index('ix_users_email')
        batch_op.drop_constraint('uq_users_home_tenant_id_email', type_='unique')
        batch_op.create_unique_constraint('uq_users_email', ['email'])
