"""Small hooks every screen uses to reach the session's context, state and language."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, TypeVar

import flet as ft

from app.context import AppContext
from app.i18n import Translator
from views import theme

# Not bound to ft.Observable: `@ft.observable` classes are not known to type checkers as such.
ObservableT = TypeVar("ObservableT")
InstanceT = TypeVar("InstanceT")


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


@dataclass(frozen=True, eq=False)
class SessionBinding:
    """What every component of one Flet session reaches: its `AppContext` and its `Viewport`."""

    ctx: AppContext
    viewport: Viewport


# Why not `ft.create_context`: Flet finds a context value by walking up the parent components
# through weak references. A component that re-renders on its own (an observable it watches
# changed) after its parent was re-created can find that chain cut: `use_context` returns the
# default, the render raises, and the exception ends Flet's update scheduler task, so the whole
# session silently stops updating (seen on the loyalty card: no layout change after a resize).
# The page is reachable from every render, so one binding per Flet session, keyed by its id.
_BINDINGS: dict[str, SessionBinding] = {}


def bind_session(page: ft.Page, ctx: AppContext) -> SessionBinding:
    """Register the session's context and a viewport that follows the window width."""
    binding = SessionBinding(ctx, Viewport(size_class(page.width)))
    _BINDINGS[page.session.id] = binding

    def on_resize(e: ft.PageResizeEvent) -> None:
        binding.viewport.resize(e.width)

    page.on_resize = on_resize
    return binding


def unbind_session(page: ft.Page) -> None:
    _BINDINGS.pop(page.session.id, None)


def _binding() -> SessionBinding:
    binding = _BINDINGS.get(ft.context.page.session.id)
    if binding is None:
        raise RuntimeError("no AppContext for this Flet session: render views after views.shell.mount")
    return binding


def use_app() -> AppContext:
    """The session's `AppContext` (bound by `views.shell.mount`)."""
    return _binding().ctx


def use_observable(obj: ObservableT) -> ObservableT:
    """Re-render the calling component whenever ``obj`` changes; returns ``obj``."""
    ft.use_state(obj)
    return obj


def use_instance(factory: Callable[[], InstanceT]) -> InstanceT:
    """The object ``factory`` makes on the component's first render, the same one on every later render.

    ``ft.use_state(factory)[0]``, typed: mypy cannot solve ``use_state``'s ``StateT | Callable[[], StateT]``
    for a factory (it infers ``Never``), so the type is given through the assignment's context.
    """
    state: tuple[InstanceT, object] = ft.use_state(factory)
    return state[0]


def use_translator() -> Translator:
    """The translator of the session's current language (re-renders when it changes)."""
    ctx = use_app()
    session = use_observable(ctx.session)
    return ctx.translators(session.locale)


def use_viewport() -> Viewport:
    """The window size (re-renders the caller when it crosses into another size class)."""
    return use_observable(_binding().viewport)
