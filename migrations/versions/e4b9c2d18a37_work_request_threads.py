"""search sessions and checklists remember the work request they answer

Revision ID: e4b9c2d18a37
Revises: d7e3a91c5b20
Create Date: 2026-11-23 21:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e4b9c2d18a37'
down_revision = 'd7e3a91c5b20'
branch_labels = None
depends_on = None

TABLES = ('search_sessions', 'checklists')


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('work_request_id', sa.Integer(), nullable=True))
            batch_op.create_index(batch_op.f(f'ix_{table}_work_request_id'), ['work_request_id'], unique=False)
            batch_op.create_foreign_key(batch_op.f(f'fk_{table}_work_request_id_work_requests'), 'work_requests',
                                        ['work_request_id'], ['id'], ondelete='SET NULL')


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f'fk_{table}_work_request_id_work_requests'), type_='foreignkey')
            batch_op.drop_index(batch_op.f(f'ix_{table}_work_request_id'))
            batch_op.drop_column('work_request_id')
