"""a redemption id is unique per loyalty account, not globally (issue 6 security)

Devices derive redemption ids from the card's account id, which anyone holding the card's QR
can read; a globally unique id let a stranger use up a shopper's next redemption id first.

Revision ID: 0009
Revises: 0008
"""

from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('loyalty_entry', schema=None) as batch_op:
        batch_op.drop_constraint('uq_loyalty_entry_redemption_id', type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_loyalty_entry_account_id'), ['account_id', 'redemption_id'])


def downgrade() -> None:
    with op.batch_alter_table('loyalty_entry', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_loyalty_entry_account_id'), type_='unique')
        batch_op.create_unique_constraint('uq_loyalty_entry_redemption_id', ['redemption_id'])
