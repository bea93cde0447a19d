"""The wire contract shared by the client and the server ("nahtlos sync v1").

Pydantic models and enums only; this package imports no other project code, so the
server can depend on it without pulling in the client.
"""

SCHEMA_VERSION = 1
API_PREFIX = "/api/v1"
