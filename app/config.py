"""Client settings (env prefix NAHTLOS_, overridden by command-line flags). No module-level instance."""

from pathlib import Path

import platformdirs
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("nahtlos", appauthor=False))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NAHTLOS_", extra="ignore")

    api_url: str | None = None  # None: start the embedded server with demo data
    data_dir: Path = Field(default_factory=default_data_dir)
    mode: str = "shopper"
    store: str | None = None
    web: bool = False
    host: str = "127.0.0.1"
    port: int = 8550
    locale: str | None = None
    # Kiosk mode (--mode kiosk): the store's kiosk device account (demo defaults), and how long a
    # shopper's visit may sit untouched before it ends and is wiped (the last `kiosk_warn_s` counted down).
    kiosk_email: str = "kiosk.ber@example.com"
    kiosk_password: str = "demo-kiosk"
    kiosk_idle_s: float = 60.0
    kiosk_warn_s: float = 10.0

    @property
    def locales_dir(self) -> Path:
        return Path(__file__).resolve().parent.parent / "locales"
