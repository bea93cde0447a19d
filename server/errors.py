"""API errors: a stable code, an HTTP status and a message in the caller's language.

    ApiError                      raised by routes and services; rendered as ErrorBody
    Rejected                      raised by mutators; recorded as a rejection, never an HTTP error
Every other exception is caught by the app's handlers and rendered as `internal_error`
without a traceback; tests assert that never happens.
"""

from typing import Any

from app.protocol.errors import ErrorCode, RejectionCode

MESSAGES: dict[str, tuple[str, str]] = {
    # code: (English, German)
    ErrorCode.INVALID_CREDENTIALS: ("Email or password is wrong.", "E-Mail-Adresse oder Passwort ist falsch."),
    ErrorCode.TOKEN_EXPIRED: ("Your session has expired. Please sign in again.",
                              "Ihre Sitzung ist abgelaufen. Bitte melden Sie sich erneut an."),
    ErrorCode.TOKEN_INVALID: ("This sign-in is not valid.", "Diese Anmeldung ist ungültig."),
    ErrorCode.NOT_AUTHENTICATED: ("Please sign in first.", "Bitte melden Sie sich zuerst an."),
    ErrorCode.FORBIDDEN: ("You are not allowed to do this.", "Dazu sind Sie nicht berechtigt."),
    # One code string for HTTP errors and rejections alike, so one wording for both.
    ErrorCode.NOT_FOUND: ("Not found, or no longer there.", "Nicht gefunden oder nicht mehr vorhanden."),
    ErrorCode.MALFORMED_JSON: ("The request is not valid JSON.", "Die Anfrage ist kein gültiges JSON."),
    ErrorCode.INVALID_REQUEST: ("The request has missing or wrong fields.",
                                "In der Anfrage fehlen Felder oder sie sind falsch."),
    ErrorCode.PAYLOAD_TOO_LARGE: ("The request is too large.", "Die Anfrage ist zu groß."),
    ErrorCode.TOO_MANY_MUTATIONS: ("Too many changes in one request.", "Zu viele Änderungen in einer Anfrage."),
    ErrorCode.RESET: ("The server was reset; the app will reload its data.",
                      "Der Server wurde zurückgesetzt; die App lädt ihre Daten neu."),
    ErrorCode.SCOPE_EXPIRED: ("Local data is too old; the app will reload it.",
                              "Die lokalen Daten sind zu alt; die App lädt sie neu."),
    ErrorCode.MUTATION_GAP: ("Changes arrived out of order; the app will resend them.",
                             "Änderungen kamen in falscher Reihenfolge an; die App sendet sie erneut."),
    ErrorCode.CLIENT_STATE_MISMATCH: ("A change was resent with different content.",
                                      "Eine Änderung wurde mit anderem Inhalt erneut gesendet."),
    ErrorCode.CLIENT_ID_TAKEN: ("This device id belongs to another account.",
                                "Diese Geräte-ID gehört zu einem anderen Konto."),
    ErrorCode.SCHEMA_UNSUPPORTED: ("Please update the app.", "Bitte aktualisieren Sie die App."),
    ErrorCode.RATE_LIMITED: ("Too many attempts. Please wait a moment.",
                             "Zu viele Versuche. Bitte warten Sie einen Moment."),
    ErrorCode.METHOD_NOT_ALLOWED: ("This method is not allowed here.", "Diese Methode ist hier nicht erlaubt."),
    ErrorCode.UNSUPPORTED_MEDIA_TYPE: ("This file type is not supported.", "Dieser Dateityp wird nicht unterstützt."),
    ErrorCode.SERVER_BUSY: ("The server is busy. Your changes are kept and sent again shortly.",
                            "Der Server ist ausgelastet. Ihre Änderungen bleiben gespeichert und werden gleich erneut gesendet."),
    ErrorCode.INTERNAL_ERROR: ("Something went wrong on our side. Please try again.",
                               "Bei uns ist etwas schiefgelaufen. Bitte versuchen Sie es erneut."),
    ErrorCode.CODE_FORGED: ("This code is not one of ours or is damaged. Please show the code from the app.",
                            ("Dieser Code stammt nicht von uns oder ist beschädigt. Bitte zeigen Sie den Code aus "
                            "der App.")),
    ErrorCode.CODE_EXPIRED: ("This code has expired. Please open a new one in the app.",
                             "Dieser Code ist abgelaufen. Bitte öffnen Sie in der App einen neuen."),
    ErrorCode.CODE_WRONG_KIND: (("This code cannot be used here. Please scan your loyalty card or a "
                                "\"continue here\" code from the app."),
                                ("Dieser Code kann hier nicht verwendet werden. Bitte scannen Sie Ihre Kundenkarte "
                                "oder einen „Hier weitermachen“-Code aus der App.")),
    ErrorCode.CODE_OTHER_STORE: ("This code belongs to another store.",
                                 "Dieser Code gehört zu einer anderen Filiale."),
    ErrorCode.CODE_ALREADY_USED: ("This code has already been used. Please open a new one in the app.",
                                  "Dieser Code wurde bereits verwendet. Bitte öffnen Sie in der App einen neuen."),
    ErrorCode.KIOSK_SESSION_LIMITED: ("This is not available at the kiosk. Please use the app.",
                                      "Das ist am Terminal nicht möglich. Bitte nutzen Sie die App."),
    RejectionCode.RETURN_NOT_DROPPABLE: ("This return is not waiting to be dropped off.",
                                         "Diese Rücksendung wartet nicht auf die Abgabe."),
    RejectionCode.UNKNOWN_MUTATION: ("This app version sent an unknown change.",
                                     "Diese App-Version hat eine unbekannte Änderung gesendet."),
    RejectionCode.INVALID_ARGS: ("The change has missing or wrong fields.",
                                 "Der Änderung fehlen Felder oder sie sind falsch."),
    RejectionCode.CONFLICT: ("This was changed on another device. Please review.",
                             "Das wurde auf einem anderen Gerät geändert. Bitte prüfen Sie es."),
    RejectionCode.ORDER_NOT_CANCELLABLE: ("This order has already shipped and can no longer be cancelled.",
                                          "Diese Bestellung ist bereits versandt und kann nicht mehr storniert werden."),
    RejectionCode.ORDER_NOT_RETURNABLE: ("This order cannot be returned.", "Diese Bestellung kann nicht zurückgegeben werden."),
    RejectionCode.THREAD_CLOSED: ("This conversation is closed.", "Diese Unterhaltung ist geschlossen."),
    RejectionCode.THREAD_NOT_CLOSED: ("A conversation can be rated once it is closed.",
                                      "Eine Unterhaltung kann bewertet werden, sobald sie geschlossen ist."),
    RejectionCode.THREAD_TAKEN: ("A colleague is already looking after this conversation.",
                                 "Eine Kollegin oder ein Kollege betreut diese Unterhaltung bereits."),
    ErrorCode.IMAGE_TOO_LARGE: ("This image has too many pixels. Please send a smaller photo.",
                                "Dieses Bild hat zu viele Pixel. Bitte senden Sie ein kleineres Foto."),
    RejectionCode.WITHDRAWAL_PERIOD_EXPIRED: (
        ("The 14-day withdrawal period for this item has ended. You may still be able to return it under our "
        "30-day return policy or make a warranty claim."),
        ("Die 14-tägige Widerrufsfrist für diesen Artikel ist abgelaufen. Sie können ihn aber eventuell noch "
        "innerhalb unserer 30-tägigen Rückgabefrist zurückgeben oder reklamieren.")),
    RejectionCode.RETURN_PERIOD_EXPIRED: (
        "The 30-day return period for this item has ended. If it is faulty, you can file a warranty claim.",
        ("Die 30-tägige Rückgabefrist für diesen Artikel ist abgelaufen. Ist er mangelhaft, können Sie ihn "
        "reklamieren.")),
    RejectionCode.WARRANTY_EXPIRED: ("The two-year warranty for this item has expired.",
                                     "Die zweijährige Gewährleistung für diesen Artikel ist abgelaufen."),
    RejectionCode.ITEM_NOT_RETURNABLE: (
        ("This item cannot be returned (for example for hygiene reasons or because it was personalised). "
        "You can still report a defect as a warranty claim."),
        ("Dieser Artikel ist vom Umtausch ausgeschlossen (zum Beispiel aus Hygienegründen oder weil er "
        "personalisiert wurde). Einen Mangel können Sie trotzdem reklamieren.")),
    RejectionCode.DUPLICATE_RETURN: ("There is already an open return for this item.",
                                     "Für diesen Artikel gibt es bereits eine offene Rücksendung."),
    RejectionCode.RETURN_LOCKED: ("This return can no longer be changed.",
                                  "Diese Rücksendung kann nicht mehr geändert werden."),
    RejectionCode.REASON_REQUIRED: ("Please choose a reason for the return.",
                                    "Bitte wählen Sie einen Grund für die Rücksendung."),
    RejectionCode.VARIANT_UNAVAILABLE: ("This size or colour is not available for an exchange.",
                                        "Diese Größe oder Farbe ist für einen Umtausch nicht verfügbar."),
    RejectionCode.QUANTITY_EXCEEDED: ("You cannot return more items than you ordered and have not yet returned.",
                                      ("Sie können nicht mehr Artikel zurücksenden, als Sie bestellt und noch nicht "
                                      "zurückgesendet haben.")),
    RejectionCode.ATTACHMENT_INVALID: ("One of the photos could not be used. Please upload it again.",
                                       "Eines der Fotos kann nicht verwendet werden. Bitte laden Sie es erneut hoch."),
    RejectionCode.DESCRIPTION_REQUIRED: ("Please describe the defect.", "Bitte beschreiben Sie den Mangel."),
    RejectionCode.NOT_DELIVERED: ("This item has not been delivered yet.",
                                  "Dieser Artikel wurde noch nicht zugestellt."),
    RejectionCode.REWARD_UNAVAILABLE: ("This reward is no longer available.",
                                       "Diese Prämie ist nicht mehr verfügbar."),
    RejectionCode.INSUFFICIENT_POINTS: ("You do not have enough points for this reward.",
                                        "Für diese Prämie haben Sie nicht genügend Punkte."),
    RejectionCode.ALREADY_HANDED_OVER: ("This order has already been handed over.",
                                        "Diese Bestellung wurde bereits ausgehändigt."),
    RejectionCode.PICKUP_NOT_READY: ("This order is not ready for pickup yet.",
                                     "Diese Bestellung ist noch nicht abholbereit."),
    RejectionCode.AGE_CHECK_REQUIRED: ("Please check the customer's ID before handing over this order.",
                                       "Bitte prüfen Sie vor der Übergabe den Ausweis der Kundin oder des Kunden."),
    RejectionCode.PICKUP_CODE_INVALID: ("This code does not belong to this pickup.",
                                        "Dieser Code gehört nicht zu dieser Abholung."),
    RejectionCode.RECIPIENT_NOT_ALLOWED: ("Only the customer or the person they named may collect this order.",
                                          ("Nur die Kundin oder der Kunde oder die von ihnen benannte Person darf "
                                          "diese Bestellung abholen.")),
}


def message_for(code: str, locale: str = "en") -> str:
    en, de = MESSAGES.get(code, MESSAGES[ErrorCode.INTERNAL_ERROR])
    return de if locale.startswith("de") else en


def locale_from_header(accept_language: str | None) -> str:
    """The first of de/en in Accept-Language; English otherwise."""
    for part in (accept_language or "").split(","):
        lang = part.split(";")[0].strip().lower()
        if lang.startswith("de"):
            return "de"
        if lang.startswith("en"):
            return "en"
    return "en"


class ApiError(Exception):
    def __init__(self, status: int, code: ErrorCode, detail: dict[str, Any] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.detail = detail
        self.headers = headers


class Rejected(Exception):
    """A mutator refused: business rule, bad reference or permission. The queue moves on."""

    def __init__(self, code: RejectionCode | str, detail: dict[str, Any] | None = None,
                 message: str | None = None) -> None:
        super().__init__(code)
        self.code = str(code)
        self.detail = detail
        self.message = message
