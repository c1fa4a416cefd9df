"""events.recorded_from: events recorded from the matter's own filing, priority and grant dates

Revision ID: b3f1e6a2c9d4
Revises: e5b8c2d41f07
Create Date: 2026-11-23 23:55:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b3f1e6a2c9d4'
down_revision = 'e5b8c2d41f07'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recorded_from', sa.String(length=20), nullable=True))


def downgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_column('recorded_from')
