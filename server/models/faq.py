"""FAQ categories and articles: one row per slug and language; "Was this helpful?" answers."""

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base, Instant, StrId


class FaqCategory(Base):
    __tablename__ = "faq_category"
    __table_args__ = (UniqueConstraint("slug", "locale"),)

    id: Mapped[StrId]
    slug: Mapped[str] = mapped_column(String(60))
    locale: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(120))
    icon: Mapped[str] = mapped_column(String(40))
    position: Mapped[int]


class FaqArticle(Base):
    __tablename__ = "faq_article"
    __table_args__ = (UniqueConstraint("slug", "locale"),)

    id: Mapped[StrId]
    slug: Mapped[str] = mapped_column(String(80))
    locale: Mapped[str] = mapped_column(String(8))
    category: Mapped[str] = mapped_column(String(60))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    updated_at: Mapped[Instant]
    helpful_yes: Mapped[int] = mapped_column(default=0)
    helpful_no: Mapped[int] = mapped_column(default=0)


class FaqFeedbackRecord(Base):
    """One "Was this helpful?" answer (`faq.feedback`), keyed by the client-made feedback id.

    A signed-in person has one answer per article row: a later answer replaces the earlier one
    (and moves the article's counts). Kiosk answers are anonymous (no user, no query): many
    shoppers share that device, and what they typed there is not linked to anyone.
    """

    __tablename__ = "faq_feedback"
    __table_args__ = (UniqueConstraint("user_id", "article_id"),)

    id: Mapped[StrId]
    article_id: Mapped[str] = mapped_column(ForeignKey("faq_article.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    helpful: Mapped[bool]
    query: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[Instant]
    updated_at: Mapped[Instant]
