"""FAQ (from demo_data/faq.json) and loyalty rewards."""

import json
from pathlib import Path

from sqlalchemy.orm import Session

from server.models import FaqArticle, FaqCategory, Reward
from server.projections.loyalty import publish_reward
from server.projections.public import publish_faq_article, publish_faq_category
from server.seed.ids import days_ago, demo_id

FAQ_FILE = Path(__file__).parent.parent / "demo_data" / "faq.json"
LOCALES = ("de", "en")

REWARDS = [
    ("voucher-5", 250, {"de": "5 € Einkaufsgutschein", "en": "€5 shopping voucher"},
     {"de": "Einlösbar online und in allen Filialen ab 25 € Einkaufswert.",
      "en": "Redeemable online and in every store on purchases from €25."}),
    ("free-express", 400, {"de": "Kostenloser Expressversand", "en": "Free express delivery"},
     {"de": "Für Ihre nächste Bestellung: Lieferung am nächsten Werktag.",
      "en": "For your next order: delivery on the next working day."}),
    ("voucher-15", 700, {"de": "15 € Einkaufsgutschein", "en": "€15 shopping voucher"},
     {"de": "Einlösbar online und in allen Filialen ab 50 € Einkaufswert.",
      "en": "Redeemable online and in every store on purchases from €50."}),
    ("tote-bag", 900, {"de": "Canvas-Tasche aus Bio-Baumwolle", "en": "Organic cotton tote bag"},
     {"de": "Abholung in Ihrer Filiale, solange der Vorrat reicht.",
      "en": "Collect it in your store while stocks last."}),
]


def seed_content(session: Session) -> None:
    data = json.loads(FAQ_FILE.read_text(encoding="utf-8"))
    for cat in data["categories"]:
        for locale in LOCALES:
            category = FaqCategory(id=demo_id("faq_category", f"{cat['slug']}:{locale}"), slug=cat["slug"],
                                   locale=locale, title=cat["title"][locale], icon=cat["icon"],
                                   position=cat["position"])
            session.add(category)
            session.flush()
            publish_faq_category(session, category)
    for art in data["articles"]:
        for locale in LOCALES:
            article = FaqArticle(id=demo_id("faq_article", f"{art['slug']}:{locale}"), slug=art["slug"],
                                 locale=locale, category=art["category"], title=art["title"][locale],
                                 body=art["body"][locale], tags=art.get("tags", {}).get(locale, []),
                                 updated_at=days_ago(30))
            session.add(article)
            session.flush()
            publish_faq_article(session, article)
    for slug, cost, title, description in REWARDS:
        reward = Reward(id=demo_id("reward", slug), title=title, description=description, cost=cost)
        session.add(reward)
        session.flush()
        publish_reward(session, reward)
