"""Small hooks every screen uses to reach the session's context, state and language."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypeVar

import flet as ft

from app.context import AppContext, AppContextKey
from app.i18n import Translator
from views import theme

# Not bound to ft.Observable: `@ft.observable` classes are not known to type checkers as such.
ObservableT = TypeVar("ObservableT")


SizeClass = Literal["phone", "tablet", "desktop"]


def size_class(width: float | None) -> SizeClass:
    """Phone below 600 px, desktop from 1000 px, tablet between."""
    if width is None:
        return "desktop"
    if width < theme.PHONE_BREAKPOINT:
        return "phone"
    return "desktop" if width >= theme.DESKTOP_BREAKPOINT else "tablet"


@ft.observable
@dataclass(eq=False)
class Viewport:
    """Size class of the window. Only a change of class re-renders, not every resize pixel."""

    size: SizeClass = "desktop"

    def resize(self, width: float | None) -> None:
        self.size = size_class(width)

    @property
    def is_phone(self) -> bool:
        return self.size == "phone"

    @property
    def is_desktop(self) -> bool:
        return self.size == "desktop"


ViewportKey: ft.ContextProvider[Viewport] = ft.create_context(Viewport())


def use_app() -> AppContext:
    """The session's `AppContext` (provided by `views.shell.App`)."""
    ctx = ft.use_context(AppContextKey)
    if ctx is None:
        raise RuntimeError("AppContext missing: render views inside views.shell.App")
    return ctx


def use_observable(obj: ObservableT) -> ObservableT:
    """Re-render the calling component whenever ``obj`` changes; returns ``obj``."""
    ft.use_state(obj)
    return obj


def use_translator() -> Translator:
    """The translator of the session's current language (re-renders when it changes)."""
    ctx = use_app()
    session = use_observable(ctx.session)
    return ctx.translators(session.locale)


def use_viewport() -> Viewport:
    """The window size (re-renders the caller when it crosses into another size)."""
    return ft.use_context(ViewportKey)
