"""Everything a view may reach, handed down the component tree as one context value.

`AppContext` is built once per Flet session (by ``app.bootstrap``) and provided at the
root component with ``AppContextKey(ctx, render)``; views read it with
``ft.use_context(AppContextKey)`` and never construct services or state themselves.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, cast, get_args

import flet as ft

from app.i18n import Translator, normalize_locale
from app.state.dispatch import UiDispatcher
from app.state.session import SessionState

if TYPE_CHECKING:
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
        await self.session.close()
        await asyncio.to_thread(self.client.close)


AppContextKey: ft.ContextProvider[AppContext | None] = ft.create_context(None)
