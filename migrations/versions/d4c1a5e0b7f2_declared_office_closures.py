"""declared office closures (provider-level, cited)

Revision ID: d4c1a5e0b7f2
Revises: e4b9c2d18a37
Create Date: 2026-11-23 21:10:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd4c1a5e0b7f2'
down_revision = 'e4b9c2d18a37'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('declared_closures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('calendar_id', sa.String(length=20), nullable=False),
    sa.Column('first_day', sa.Date(), nullable=False),
    sa.Column('last_day', sa.Date(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('citation', sa.String(length=300), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_declared_closures_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_declared_closures'))
    )


def downgrade():
    op.drop_table('declared_closures')
