"""handover exceptions are followed up (issue 5)

Who resolved an exception, how (goods returned, paid at the till, written off) and a note.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('pickup_handover', schema=None) as batch_op:
        batch_op.add_column(sa.Column('resolved_by', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('resolution', sa.String(length=24), nullable=True))
        batch_op.add_column(sa.Column('resolution_note', sa.String(length=500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('pickup_handover', schema=None) as batch_op:
        batch_op.drop_column('resolution_note')
        batch_op.drop_column('resolution')
        batch_op.drop_column('resolved_by')
