"""signed codes, kiosk sessions and handoff tokens (issue 5)

handoff_token: one row per "continue on another device" code; `used_at` makes it single-use.
Kiosk sessions need no table: they are `auth_session` rows with a short `expires_at`.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

import server.models.base

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'handoff_token',
        sa.Column('id', sa.String(length=40), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('route', sa.String(length=200), nullable=False),
        sa.Column('created_at', server.models.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column('expires_at', server.models.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column('used_at', server.models.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column('used_by', sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_handoff_token_user_id_app_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_handoff_token')),
    )
    with op.batch_alter_table('handoff_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_handoff_token_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('handoff_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_handoff_token_user_id'))
    op.drop_table('handoff_token')
