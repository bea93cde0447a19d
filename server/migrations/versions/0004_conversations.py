"""conversations, bot and agent desk (issue 4, conversations part)

thread.agent_read_seq: read receipt of the bot/agent side (a message position).
thread.context: where the shopper started the conversation (article, query, topic).
message.position: 1, 2, ... within a thread; existing messages are numbered by sent_at, id.
ix_thread_queue: the agents' queue (status, human_requested_at).

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('thread', schema=None) as batch_op:
        batch_op.add_column(sa.Column('agent_read_seq', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('context', sa.JSON(), nullable=True))
        batch_op.create_index('ix_thread_queue', ['status', 'human_requested_at'], unique=False)

    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('position', sa.Integer(), server_default='0', nullable=False))

    # Number the messages that exist already, in the order they were sent (works on SQLite and PostgreSQL).
    op.execute(
        "UPDATE message SET position = (SELECT count(*) FROM message AS earlier "
        "WHERE earlier.thread_id = message.thread_id AND (earlier.sent_at < message.sent_at "
        "OR (earlier.sent_at = message.sent_at AND earlier.id <= message.id)))"
    )


def downgrade() -> None:
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_column('position')

    with op.batch_alter_table('thread', schema=None) as batch_op:
        batch_op.drop_index('ix_thread_queue')
        batch_op.drop_column('context')
        batch_op.drop_column('agent_read_seq')
