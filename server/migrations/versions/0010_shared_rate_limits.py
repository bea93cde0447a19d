"""failure counts of the sign-in and lookup brakes shared by every server process (issue 6 scale-out)

rate_limit: one row per bucket ("login:account:<email>", ...) with the times of its recent
failures; on PostgreSQL every process charges and reads it with one atomic statement, so N
processes behind a load balancer brake at the same total as one. SQLite has the table too (one
schema) but leaves it empty: the embedded single-process server keeps its windows in memory.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import server.models.base

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('rate_limit',
    sa.Column('bucket', sa.String(length=300), nullable=False),
    sa.Column('hits', sa.JSON().with_variant(postgresql.ARRAY(sa.Float()), 'postgresql'), nullable=False),
    sa.Column('expires_at', server.models.base.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('bucket', name=op.f('pk_rate_limit'))
    )
    with op.batch_alter_table('rate_limit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rate_limit_expires_at'), ['expires_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('rate_limit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rate_limit_expires_at'))
    op.drop_table('rate_limit')
