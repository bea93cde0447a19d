"""`faq.feedback`: "Was this helpful?" on an FAQ article; idempotent by the client-made feedback id.

Anyone signed in may answer. A person (customer, staff, agent) has one answer per article row:
answering again replaces it and moves the article's yes/no counts, so tapping "no" after "yes"
never counts twice. A kiosk is shared by many shoppers: each of its answers counts once, stored
without a user and without the search query (what someone typed on a public screen is not kept).
"""

from typing import Any

from sqlalchemy import select

from app.protocol.auth import Role
from app.protocol.errors import RejectionCode
from app.protocol.mutations import FaqFeedback
from server.errors import Rejected
from server.models import FaqArticle, FaqFeedbackRecord
from server.mutators import MutationContext, mutator, require_row_ids


def _count(article: FaqArticle, helpful: bool, delta: int) -> None:
    if helpful:
        article.helpful_yes = (article.helpful_yes or 0) + delta
    else:
        article.helpful_no = (article.helpful_no or 0) + delta


def _answer(record: FaqFeedbackRecord) -> dict[str, Any]:
    return {"feedback_id": record.id, "article_id": record.article_id, "helpful": record.helpful}


@mutator("faq.feedback", roles={Role.CUSTOMER, Role.STAFF, Role.AGENT, Role.KIOSK})
def faq_feedback(ctx: MutationContext, args: FaqFeedback) -> dict[str, Any] | None:
    require_row_ids(feedback_id=args.feedback_id, article_id=args.article_id)
    anonymous = ctx.principal.role is Role.KIOSK
    user_id = None if anonymous else ctx.principal.user_id
    done = ctx.session.get(FaqFeedbackRecord, args.feedback_id)
    if done is not None:
        if done.article_id != args.article_id or done.user_id != user_id:
            raise Rejected(RejectionCode.CONFLICT, {"feedback_id": args.feedback_id})  # an id already taken
        return _answer(done)  # the same answer, sent again (another device replayed the queue)
    # Lock the article: two answers at once must not lose a count (PostgreSQL; SQLite serialises writers).
    article = ctx.session.scalars(select(FaqArticle).where(FaqArticle.id == args.article_id)
                                  .with_for_update()).one_or_none()
    if article is None:
        raise Rejected(RejectionCode.NOT_FOUND, {"article_id": args.article_id})
    query = None if anonymous else args.query
    earlier = None if anonymous else ctx.session.scalars(select(FaqFeedbackRecord).where(
        FaqFeedbackRecord.user_id == user_id, FaqFeedbackRecord.article_id == article.id)).one_or_none()
    if earlier is not None:
        if earlier.helpful != args.helpful:
            _count(article, earlier.helpful, -1)
            _count(article, args.helpful, +1)
        earlier.helpful, earlier.query, earlier.updated_at = args.helpful, query or earlier.query, ctx.now
        return _answer(earlier)
    record = FaqFeedbackRecord(id=args.feedback_id, article_id=article.id, user_id=user_id, helpful=args.helpful,
                               query=query, created_at=ctx.now, updated_at=ctx.now)
    ctx.session.add(record)
    _count(article, args.helpful, +1)
    return _answer(record)
