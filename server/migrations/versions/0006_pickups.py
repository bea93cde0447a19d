"""click and collect pickups and handover (issue 5)

pickup_handover: the proof of each handover (recipient, checks, optional signature strokes),
and handover exceptions (goods handed over for a pickup cancelled meanwhile) for follow-up.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

import server.models.base

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('pickup_handover',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('pickup_id', sa.String(length=40), nullable=False),
    sa.Column('store_id', sa.String(length=16), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('staff_name', sa.String(length=120), nullable=False),
    sa.Column('at', server.models.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('client_time', sa.String(length=64), nullable=True),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.String(length=16), nullable=True),
    sa.Column('recipient_name', sa.String(length=120), nullable=False),
    sa.Column('delegate', sa.Boolean(), nullable=False),
    sa.Column('items_complete', sa.Boolean(), nullable=False),
    sa.Column('age_check_done', sa.Boolean(), nullable=False),
    sa.Column('signature', sa.JSON(), nullable=True),
    sa.Column('resolved_at', server.models.base.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['pickup_id'], ['pickup.id'], name=op.f('fk_pickup_handover_pickup_id_pickup')),
    sa.ForeignKeyConstraint(['staff_id'], ['app_user.id'], name=op.f('fk_pickup_handover_staff_id_app_user')),
    sa.ForeignKeyConstraint(['store_id'], ['store.id'], name=op.f('fk_pickup_handover_store_id_store')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pickup_handover'))
    )
    with op.batch_alter_table('pickup_handover', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pickup_handover_pickup_id'), ['pickup_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('pickup_handover', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pickup_handover_pickup_id'))
    op.drop_table('pickup_handover')
