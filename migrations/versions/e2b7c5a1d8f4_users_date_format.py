"""users.date_format: how each person reads dates on the pages (ISO by default)

Revision ID: e2b7c5a1d8f4
Revises: c7a4d2e9f1b3
Create Date: 2026-11-24 07:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e2b7c5a1d8f4'
down_revision = 'c7a4d2e9f1b3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('date_format', sa.String(length=8), server_default='iso', nullable=False))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('date_format')
