"""Errors the client's services raise; library errors are translated at the edge.

    NahtlosError
    ├── Offline                 the server could not be reached (no network, timeout, 5xx busy)
    ├── AttachmentRefused       an image that cannot be uploaded (.code: unsupported_media_type |
    │                           payload_too_large | image_too_large), found locally or by the server
    └── ApiError                the server answered with an error body (.status, .code, .message)
        ├── InvalidCredentials  401 invalid_credentials at sign-in
        ├── AuthRequired        the session can no longer be refreshed: sign in again (outbox kept)
        ├── ResetRequired       409 reset: the server's epoch changed
        ├── ScopeExpired        410 scope_expired: resync that scope
        ├── MutationConflict    409 mutation_gap / client_state_mismatch
        └── PayloadTooLarge     413: send fewer mutations per request
"""

from typing import Any


class NahtlosError(Exception):
    """Base of every error raised by services."""


class Offline(NahtlosError):
    """No answer from the server. A normal state, not a failure: the app keeps working."""


class AttachmentRefused(NahtlosError):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class ApiError(NahtlosError):
    def __init__(self, status: int, code: str, message: str = "", detail: dict[str, Any] | None = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.detail = detail or {}


class InvalidCredentials(ApiError):
    pass


class AuthRequired(ApiError):
    pass


class ResetRequired(ApiError):
    pass


class ScopeExpired(ApiError):
    pass


class MutationConflict(ApiError):
    pass


class PayloadTooLarge(ApiError):
    pass
