"""rate limits and scale-out (issue 6)

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa  # noqa: F401 - used once this revision has operations
from alembic import op  # noqa: F401

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
