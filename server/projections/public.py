"""The `public` scope: stores, FAQ categories and FAQ articles."""

from sqlalchemy.orm import Session

from app.protocol.entities import FaqArticlePublic, FaqCategoryPublic, StorePublic
from app.protocol.sync import Entity
from server.models import FaqArticle, FaqCategory, Store
from server.models.base import iso
from server.scopes import PUBLIC
from server.sync.log import stage


def publish_store(session: Session, store: Store) -> None:
    payload = StorePublic(id=store.id, name=store.name, city=store.city, address=store.address,
                          opening_hours=store.opening_hours, timezone=store.timezone).model_dump(mode="json")
    stage(session, [PUBLIC], Entity.STORE, store.id, payload)


def publish_faq_category(session: Session, cat: FaqCategory) -> None:
    payload = FaqCategoryPublic(id=cat.id, slug=cat.slug, locale=cat.locale, title=cat.title, icon=cat.icon,
                                position=cat.position).model_dump(mode="json")
    stage(session, [PUBLIC], Entity.FAQ_CATEGORY, cat.id, payload)


def publish_faq_article(session: Session, art: FaqArticle) -> None:
    payload = FaqArticlePublic(id=art.id, slug=art.slug, locale=art.locale, category=art.category,
                               title=art.title, body=art.body, tags=list(art.tags or []),
                               updated_at=iso(art.updated_at) or "").model_dump(mode="json")
    stage(session, [PUBLIC], Entity.FAQ_ARTICLE, art.id, payload)
