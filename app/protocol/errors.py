"""Stable error and rejection codes. Clients translate them; never rename one."""

from enum import StrEnum

from pydantic import BaseModel


class ErrorCode(StrEnum):
    """Codes of failed HTTP requests (the body is an `ErrorBody`)."""

    INVALID_CREDENTIALS = "invalid_credentials"
    TOKEN_EXPIRED = "token_expired"
    TOKEN_INVALID = "token_invalid"
    NOT_AUTHENTICATED = "not_authenticated"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    MALFORMED_JSON = "malformed_json"
    INVALID_REQUEST = "invalid_request"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    TOO_MANY_MUTATIONS = "too_many_mutations"
    RESET = "reset"
    SCOPE_EXPIRED = "scope_expired"
    MUTATION_GAP = "mutation_gap"
    CLIENT_STATE_MISMATCH = "client_state_mismatch"
    CLIENT_ID_TAKEN = "client_id_taken"
    SCHEMA_UNSUPPORTED = "schema_unsupported"
    RATE_LIMITED = "rate_limited"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    IMAGE_TOO_LARGE = "image_too_large"  # an upload whose pixel dimensions are too large (image bomb)
    SERVER_BUSY = "server_busy"
    # Scanned codes (kiosk sign-in, handoff); one code per CodeFailure, never a session.
    CODE_FORGED = "code_forged"
    CODE_EXPIRED = "code_expired"
    CODE_WRONG_KIND = "code_wrong_kind"
    CODE_OTHER_STORE = "code_other_store"
    CODE_ALREADY_USED = "code_already_used"
    KIOSK_SESSION_LIMITED = "kiosk_session_limited"  # a kiosk session asked for more than it may
    INTERNAL_ERROR = "internal_error"


class RejectionCode(StrEnum):
    """Codes of mutations the server refused. A rejection never blocks the outbox."""

    UNKNOWN_MUTATION = "unknown_mutation"
    INVALID_ARGS = "invalid_args"
    NOT_FOUND = "not_found"
    FORBIDDEN = "forbidden"
    CONFLICT = "conflict"
    ORDER_NOT_CANCELLABLE = "order_not_cancellable"
    ORDER_NOT_RETURNABLE = "order_not_returnable"
    WITHDRAWAL_PERIOD_EXPIRED = "withdrawal_period_expired"
    RETURN_PERIOD_EXPIRED = "return_period_expired"
    WARRANTY_EXPIRED = "warranty_expired"
    ITEM_NOT_RETURNABLE = "item_not_returnable"
    DUPLICATE_RETURN = "duplicate_return"
    RETURN_LOCKED = "return_locked"
    REASON_REQUIRED = "reason_required"
    VARIANT_UNAVAILABLE = "variant_unavailable"
    QUANTITY_EXCEEDED = "quantity_exceeded"
    ATTACHMENT_INVALID = "attachment_invalid"
    DESCRIPTION_REQUIRED = "description_required"
    NOT_DELIVERED = "not_delivered"
    REWARD_UNAVAILABLE = "reward_unavailable"
    INSUFFICIENT_POINTS = "insufficient_points"
    THREAD_CLOSED = "thread_closed"
    THREAD_NOT_CLOSED = "thread_not_closed"  # thread.rate before the conversation was closed
    THREAD_TAKEN = "thread_taken"  # another agent already took the conversation
    ALREADY_HANDED_OVER = "already_handed_over"
    PICKUP_NOT_READY = "pickup_not_ready"
    AGE_CHECK_REQUIRED = "age_check_required"
    RETURN_NOT_DROPPABLE = "return_not_droppable"  # return.drop_off for a return not waiting for it
    KIOSK_SESSION_LIMITED = "kiosk_session_limited"  # same string and message as the ErrorCode
    PICKUP_CODE_INVALID = "pickup_code_invalid"
    RECIPIENT_NOT_ALLOWED = "recipient_not_allowed"


class ErrorBody(BaseModel):
    """Body of every 4xx/5xx answer."""

    code: str
    message: str
    detail: dict[str, object] | None = None
