"""Server settings from the environment (prefix NAHTLOS_); built once by `create_app`, never at import."""

from pathlib import Path

import platformdirs
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_database_url() -> str:
    data = Path(platformdirs.user_data_dir("nahtlos", appauthor=False))
    data.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{data / 'server.sqlite'}"


class ServerSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NAHTLOS_", extra="ignore")

    database_url: str = ""
    # Signs access/refresh tokens (HS256) and, through an Ed25519 key derived from it with HKDF
    # (server.codes), every QR/short code. Changing it signs everyone out and voids issued codes.
    # The default is only for local demos: `python -m server` refuses PostgreSQL without a real secret.
    secret_key: str = "nahtlos-local-demo-secret-change-me-0000000000"
    access_token_ttl_s: int = 15 * 60
    refresh_token_ttl_s: int = 30 * 24 * 3600
    tombstone_retention_days: int = 90
    sse_heartbeat_s: float = 15.0
    max_attachment_bytes: int = 5 * 1024 * 1024
    auto_migrate: bool = True
    # How long after a push its follow-up work (the bot's answer) waits, so the push's poke and the
    # pulls it causes are served first (server.sync.follow_ups).
    follow_up_delay_s: float = 0.05
    # Shared secret carriers send as a bearer token to POST /carrier/events; empty = route off.
    carrier_webhook_token: str = ""

    def resolved_database_url(self) -> str:
        return self.database_url or default_database_url()
