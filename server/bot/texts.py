"""Everything the bot and the conversation system say, in English and German (formal "Sie").

Server-side texts like `server.errors.MESSAGES`: the shopper's profile language picks one.
Placeholders are named; `say()` fills them after choosing the language.
"""

TEXTS: dict[str, tuple[str, str]] = {
    # key: (English, German)
    "bot_name": ("nahtlos assistant", "nahtlos Assistent"),
    "articles_intro": ("This is what I found in our help centre:",
                       "Das habe ich in unserer Hilfe gefunden:"),
    "more_articles_intro": ("These articles may also help:", "Diese Artikel helfen vielleicht auch:"),
    "article_line": ("• {title}: {link}", "• {title}: {link}"),
    "articles_outro": ("Did that answer your question? If not, tap “Talk to a person” and our team will take over.",
                       ("Hat das Ihre Frage beantwortet? Wenn nicht, tippen Sie auf „Mit einem Menschen sprechen“, "
                       "dann übernimmt unser Team.")),
    "dont_know": (("I'm sorry, I don't have a reliable answer to that. Tap “Talk to a person” and a colleague from "
                  "our team will help you here."),
                  ("Darauf habe ich leider keine verlässliche Antwort. Tippen Sie auf „Mit einem Menschen sprechen“, "
                  "dann hilft Ihnen hier eine Kollegin oder ein Kollege aus unserem Team.")),
    "no_orders": (("I can't find any orders in your account. If you ordered as a guest, you can track the order "
                  "with its number and your email address."),
                  ("Ich finde in Ihrem Konto keine Bestellungen. Wenn Sie als Gast bestellt haben, können Sie die "
                  "Bestellung mit Bestellnummer und E-Mail-Adresse verfolgen.")),
    "order_unknown_number": ("I can't find order {number} in your account.",
                             "Die Bestellung {number} finde ich in Ihrem Konto nicht."),
    "order_heading": ("Your order {number} (placed on {date}):", "Ihre Bestellung {number} (bestellt am {date}):"),
    "parcel_event": ("• Parcel {carrier} {tracking}: “{event}” – {date} at {time}{place}.",
                     "• Sendung {carrier} {tracking}: „{event}“ – {date} um {time} Uhr{place}."),
    "parcel_place": (" in {location}", " in {location}"),
    "parcel_eta": ("  Expected delivery: {window}", "  Voraussichtliche Zustellung: {window}"),
    "parcel_delayed": (("  This parcel is running late. Sorry about that! If it hasn't arrived in two working days, "
                       "I'll gladly pass you on to our team."),
                       ("  Diese Sendung ist leider verspätet. Falls sie in zwei Werktagen nicht da ist, verbinde ich "
                       "Sie gern mit unserem Team.")),
    "order_status_placed": ("We have received it and are preparing it for shipping.",
                            "Wir haben sie erhalten und bereiten den Versand vor."),
    "order_status_processing": ("We are packing it right now; you'll get the tracking number as soon as it ships.",
                                "Wir packen sie gerade; die Sendungsnummer erhalten Sie, sobald sie verschickt ist."),
    "order_status_ready_for_pickup": ("It is ready for pickup in the store. Please bring your pickup code.",
                                      ("Sie liegt zur Abholung in der Filiale bereit. Bitte bringen Sie Ihren "
                                      "Abholcode mit.")),
    "order_status_collected": ("You collected it in the store.", "Sie haben sie in der Filiale abgeholt."),
    "order_status_cancelled": ("It was cancelled.", "Sie wurde storniert."),
    "order_status_delivered": ("It has been delivered.", "Sie wurde zugestellt."),
    "order_status_other": ("It is on its way.", "Sie ist unterwegs."),
    "order_link": ("Details: {link}", "Details: {link}"),
    # System messages in the thread (shown centred, not as a speech bubble).
    "handover": (("I've passed your conversation to our team. A colleague will reply here; you can close the app "
                 "in the meantime."),
                 ("Ich habe Ihre Unterhaltung an unser Team übergeben. Eine Kollegin oder ein Kollege antwortet "
                 "Ihnen hier; Sie können die App solange schließen.")),
    "agent_joined": ("{agent} from our team has joined the conversation.",
                     "{agent} aus unserem Team ist der Unterhaltung beigetreten."),
    "agent_closed": ("{agent} has closed the conversation. You can rate it below.",
                     "{agent} hat die Unterhaltung geschlossen. Sie können sie unten bewerten."),
}


def say(key: str, locale: str, **values: object) -> str:
    en, de = TEXTS[key]
    return (de if locale.startswith("de") else en).format(**values)
