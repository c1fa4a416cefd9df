"""index: a firm's deadlines by last change (the reminder sweep skips firms where nothing changed)

Revision ID: e5b8c2d41f07
Revises: d7e3a91c5b20
Create Date: 2026-11-23 21:30:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e5b8c2d41f07'
down_revision = 'd7e3a91c5b20'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('deadlines', schema=None) as batch_op:
        batch_op.create_index('ix_deadlines_tenant_updated', ['tenant_id', 'updated_at'], unique=False)


def downgrade():
    with op.batch_alter_table('deadlines', schema=None) as batch_op:
        batch_op.drop_index('ix_deadlines_tenant_updated')
