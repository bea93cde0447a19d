"""FAQ search and feedback (issue 4, FAQ part)

faq_feedback: one "Was this helpful?" answer per signed-in person and article row (kiosk
answers are anonymous), keyed by the client-made feedback id. The article's helpful_yes /
helpful_no counts already exist (0001). Search itself needs no server table: the bot ranks
the articles in memory (server/faq_search.py).

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

from server.models.base import UtcDateTime

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'faq_feedback',
        sa.Column('id', sa.String(length=40), nullable=False),
        sa.Column('article_id', sa.String(length=40), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('helpful', sa.Boolean(), nullable=False),
        sa.Column('query', sa.String(length=200), nullable=True),
        sa.Column('created_at', UtcDateTime(timezone=True), nullable=False),
        sa.Column('updated_at', UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['article_id'], ['faq_article.id'], name=op.f('fk_faq_feedback_article_id_faq_article'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_faq_feedback_user_id_app_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_faq_feedback')),
        sa.UniqueConstraint('user_id', 'article_id', name=op.f('uq_faq_feedback_user_id')),
    )
    with op.batch_alter_table('faq_feedback', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_faq_feedback_article_id'), ['article_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('faq_feedback', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_faq_feedback_article_id'))
    op.drop_table('faq_feedback')
