"""merge the feature branches of the schema

Revision ID: 5a657c132d7b
Revises: 195f3bd1f352, 2c3b647fa948, 316ef6c96732, 36d3362733c3, 6979633e6ea3, b0d7108b79cd, faf92d347108
Create Date: 2026-11-23 13:04:46.350026

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '5a657c132d7b'
down_revision = ('195f3bd1f352', '2c3b647fa948', '316ef6c96732', '36d3362733c3', '6979633e6ea3', 'b0d7108b79cd', 'faf92d347108')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
