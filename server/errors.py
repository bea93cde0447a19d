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
    ErrorCode.NOT_FOUND: ("Not found.", "Nicht gefunden."),
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
    RejectionCode.UNKNOWN_MUTATION: ("This app version sent an unknown change.",
                                     "Diese App-Version hat eine unbekannte Änderung gesendet."),
    RejectionCode.INVALID_ARGS: ("The change has missing or wrong fields.",
                                 "Der Änderung fehlen Felder oder sie sind falsch."),
    RejectionCode.NOT_FOUND: ("This no longer exists.", "Das gibt es nicht mehr."),
    RejectionCode.FORBIDDEN: ("You are not allowed to do this.", "Dazu sind Sie nicht berechtigt."),
    RejectionCode.CONFLICT: ("This was changed on another device. Please review.",
                             "Das wurde auf einem anderen Gerät geändert. Bitte prüfen Sie es."),
    RejectionCode.ORDER_NOT_CANCELLABLE: ("This order has already shipped and can no longer be cancelled.",
                                          "Diese Bestellung ist bereits versandt und kann nicht mehr storniert werden."),
    RejectionCode.ORDER_NOT_RETURNABLE: ("This order cannot be returned.", "Diese Bestellung kann nicht zurückgegeben werden."),
    RejectionCode.THREAD_CLOSED: ("This conversation is closed.", "Diese Unterhaltung ist geschlossen."),
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
