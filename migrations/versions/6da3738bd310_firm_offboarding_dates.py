"""firm offboarding dates

Revision ID: 6da3738bd310
Revises: ab6cc6d756f6
Create Date: 2026-11-23 18:16:26.537603

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '6da3738bd310'
down_revision = 'ab6cc6d756f6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('tenants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('offboarded_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('delete_after', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('tenants', schema=None) as batch_op:
        batch_op.drop_column('delete_after')
        batch_op.drop_column('offboarded_at')
