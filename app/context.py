"""Everything a view may reach, as one value per Flet session.

`AppContext` is built once per Flet session (by ``app.bootstrap``) and bound to the session by
``views.shell.mount``; views read it with ``views.hooks.use_app()`` and never construct services
or state themselves.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, cast, get_args

from app.i18n import Translator, normalize_locale
from app.state.dispatch import UiDispatcher
from app.state.proactive_help import ProactiveHelpState
from app.state.session import SessionState

if TYPE_CHECKING:
    from app.state.kiosk import KioskState
    from services.client import ClientCore

Mode = Literal["shopper", "kiosk", "staff", "agent"]
MODES: tuple[str, ...] = get_args(Mode)

TranslatorFactory = Callable[[str | None], Translator]


@dataclass(frozen=True, eq=False)
class AppContext:
    """One Flet session's wiring.

    Attributes:
        mode: which face of the app this process shows (shopper, kiosk, staff, agent).
        client: the session's client core (its device id belongs to this browser/device).
        translators: locale -> `Translator` (shared, cached; see `app.i18n.Translators`).
        session: sign-in, locale and the signed-in account's sync and orders state.
    """

    mode: Mode
    client: ClientCore
    translators: TranslatorFactory
    session: SessionState
    kiosk: KioskState | None = None  # the kiosk face's state (mode "kiosk" only; app.bootstrap)
    # Offers of help where the shopper seems stuck (issue 4); screens report signals to it.
    help_offers: ProactiveHelpState = field(default_factory=ProactiveHelpState)

    @classmethod
    def create(
        cls,
        mode: str,
        client: ClientCore,
        translators: TranslatorFactory,
        locale: str | None = None,
    ) -> AppContext:
        """Build the state of one session; call it inside the Flet session (in ``main``).

        Args:
            mode: one of `MODES`.
            client: a `ClientCore` made for this session's device id.
            translators: the process-wide translator factory.
            locale: initial UI language before anyone signs in (e.g. the browser's).
        """
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; expected one of {MODES}")
        session = SessionState(
            client=client,
            dispatcher=UiDispatcher.for_running_loop(),
            locale=normalize_locale(locale),
        )
        return cls(mode=cast(Mode, mode), client=client, translators=translators, session=session)

    def translator(self) -> Translator:
        """The translator for the session's current language."""
        return self.translators(self.session.locale)

    async def close(self) -> None:
        """The Flet session ended: stop background work and connections, keep the sign-in."""
        if self.kiosk is not None:
            await self.kiosk.close()  # never leave a shopper's visit behind
        await self.session.close()
        await asyncio.to_thread(self.client.close)

