"""FAQ categories and articles: one row per slug and language."""

from sqlalchemy import JSON, String, Text, UniqueConstraint
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
