"""The Help tab: search as you type (matched words in bold), topics to browse, and a way to ask us.

Search runs on the device, so this screen works offline exactly as online.
"""

from __future__ import annotations

import asyncio
import weakref
from typing import TYPE_CHECKING

import flet as ft

from app.state.faq import FaqState, article_route, conversation_route
from views import theme
from views.components.layout import EmptyState, ScreenBody
from views.components.offline_banner import OfflineBanner
from views.conversations import ConversationsEntry
from views.hooks import use_app, use_observable, use_translator

if TYPE_CHECKING:
    from app.i18n import Translator
    from app.text_search import Segment
    from services.faq import Article, Category, SearchHit

# One Help state per signed-in session: the query and the open topic survive a visit to an
# article and back, or a switch to another tab.
_states: weakref.WeakKeyDictionary[object, FaqState] = weakref.WeakKeyDictionary()


def _state_for(owner: object) -> FaqState:
    state = _states.get(owner)
    if state is None:
        state = _states[owner] = FaqState()
    return state


def category_icon(name: str) -> ft.IconData:
    icon: ft.IconData = getattr(ft.Icons, name.upper(), ft.Icons.HELP_OUTLINE)
    return icon


def rich(segments: tuple[Segment, ...] | list[Segment], style: ft.TextStyle | None = None, **kwargs: object
         ) -> ft.Text:
    """A text whose matched segments are bold (and tinted), for search results."""
    bold = ft.TextStyle(weight=ft.FontWeight.W_700, color=ft.Colors.PRIMARY)
    return ft.Text(spans=[ft.TextSpan(text, bold if matched else None) for text, matched in segments],
                   style=style, **kwargs)  # type: ignore[arg-type]


def _section(title: str) -> ft.Control:
    return ft.Semantics(header=True, content=ft.Text(title, theme_style=ft.TextThemeStyle.TITLE_SMALL,
                                                     color=ft.Colors.PRIMARY, weight=ft.FontWeight.W_600))


@ft.component
def ResultCard(hit: SearchHit, query: str, category: str) -> ft.Control:
    t = use_translator()
    return ft.Semantics(
        container=True,
        identifier=f"faq-result-{hit.article.slug}",
        button=True,
        label=hit.article.title,
        content=ft.Card(
            margin=0,
            content=ft.Container(
                padding=theme.M,
                on_click=lambda _: ft.context.page.navigate(article_route(hit.article.slug, query)),
                content=ft.Column(
                    [
                        ft.Text(category, size=12, color=ft.Colors.ON_SURFACE_VARIANT, weight=ft.FontWeight.W_500),
                        rich(hit.title, ft.TextStyle(size=16, weight=ft.FontWeight.W_600)),
                        rich(hit.snippet, ft.TextStyle(size=14, color=ft.Colors.ON_SURFACE_VARIANT), max_lines=3,
                             overflow=ft.TextOverflow.ELLIPSIS),
                        ft.Text(t._("Read the answer"), size=13, color=ft.Colors.PRIMARY, weight=ft.FontWeight.W_600),
                    ],
                    spacing=6,
                ),
            ),
        ),
    )


@ft.component
def CategoryCard(cat: Category, on_open: ft.ControlEventHandler[ft.Container]) -> ft.Control:
    t = use_translator()
    count = t.ngettext("{count} article", "{count} articles", cat.count).format(count=t.number(cat.count))
    return ft.Semantics(
        container=True,
        identifier=f"faq-category-{cat.slug}",
        button=True,
        label=f"{cat.title}, {count}",
        content=ft.Card(
            margin=0,
            content=ft.Container(
                padding=theme.M,
                on_click=on_open,
                content=ft.Row(
                    [
                        ft.Container(width=44, height=44, border_radius=12, bgcolor=ft.Colors.SECONDARY_CONTAINER,
                                     alignment=ft.Alignment.CENTER,
                                     content=ft.Icon(category_icon(cat.icon), color=ft.Colors.ON_SECONDARY_CONTAINER)),
                        ft.Column([ft.Text(cat.title, weight=ft.FontWeight.W_600, max_lines=2),
                                   ft.Text(count, size=12, color=ft.Colors.ON_SURFACE_VARIANT)],
                                  spacing=2, expand=True, tight=True),
                        ft.Icon(ft.Icons.CHEVRON_RIGHT, color=ft.Colors.ON_SURFACE_VARIANT),
                    ],
                    spacing=theme.M,
                ),
            ),
        ),
    )


def ArticleTile(article: Article) -> ft.Control:
    return ft.Semantics(
        container=True,
        identifier=f"faq-article-{article.slug}",
        content=ft.ListTile(
            title=ft.Text(article.title, weight=ft.FontWeight.W_500),
            trailing=ft.Icon(ft.Icons.CHEVRON_RIGHT),
            on_click=lambda _: ft.context.page.navigate(article_route(article.slug)),
        ),
    )


def AskUsCard(t: Translator, query: str = "") -> ft.Control:
    return ft.Container(
        padding=theme.M,
        border_radius=theme.CARD_RADIUS,
        bgcolor=ft.Colors.SURFACE_CONTAINER_LOW,
        content=ft.Row(
            [
                ft.Icon(ft.Icons.SUPPORT_AGENT, color=ft.Colors.PRIMARY),
                ft.Column([ft.Text(t._("Didn't find your answer?"), weight=ft.FontWeight.W_600),
                           ft.Text(t._("Write to us. Our assistant answers at once, a person when you ask."),
                                   size=13, color=ft.Colors.ON_SURFACE_VARIANT)],
                          spacing=2, expand=True, tight=True),
                ft.OutlinedButton(t._("Ask us"), icon=ft.Icons.CHAT_BUBBLE_OUTLINE,
                                  on_click=lambda _: ft.context.page.navigate(conversation_route(None, query))),
            ],
            spacing=theme.M,
            wrap=True,
            run_spacing=theme.S,
        ),
    )


def _results(state: FaqState, t: Translator) -> list[ft.Control]:
    if not state.results:
        if state.searched != state.query:
            return [ft.Container(ft.ProgressRing(width=24, height=24), alignment=ft.Alignment.CENTER, padding=32)]
        return [EmptyState(
            ft.Icons.SEARCH_OFF, t._("No answers for “{query}”").format(query=state.query.strip()),
            t._("Check the spelling or try other words. Or ask us: we're happy to help."),
            ft.Semantics(identifier="faq-ask-us", content=ft.FilledButton(
                t._("Ask us"), icon=ft.Icons.CHAT_BUBBLE_OUTLINE,
                on_click=lambda _: ft.context.page.navigate(conversation_route(None, state.query)))),
        )]
    titles = {c.slug: c.title for c in state.categories}
    count = len(state.results)
    controls: list[ft.Control] = [ft.Semantics(live_region=True, content=ft.Text(
        t.ngettext("{count} answer", "{count} answers", count).format(count=t.number(count)),
        size=13, color=ft.Colors.ON_SURFACE_VARIANT))]
    controls += [ResultCard(h, state.query, titles.get(h.article.category, ""), key=h.article.id)  # type: ignore[call-arg]
                 for h in state.results]
    controls.append(AskUsCard(t, state.query))
    return controls


def _browse(state: FaqState, t: Translator) -> list[ft.Control]:
    if state.category:
        return [
            ft.Row([ft.TextButton(t._("All topics"), icon=ft.Icons.ARROW_BACK, on_click=lambda _: state.close_category())]),
            ft.Semantics(header=True, content=ft.Text(state.category_title, theme_style=ft.TextThemeStyle.TITLE_LARGE,
                                                      weight=ft.FontWeight.W_600)),
            ft.Card(margin=0, content=ft.Column([ArticleTile(a) for a in state.category_articles], spacing=0)),
            AskUsCard(t),
        ]
    if not state.categories:
        return [EmptyState(ft.Icons.MENU_BOOK_OUTLINED, t._("Help articles are on their way"),
                           t._("They arrive with the next sync and then work offline too."))]

    def opener(slug: str) -> ft.ControlEventHandler[ft.Container]:
        async def open_(_: ft.Event[ft.Container]) -> None:
            await state.open_category(slug)
        return open_

    cards: list[ft.Control] = [ft.Container(CategoryCard(c, opener(c.slug), key=c.slug), col={"xs": 12, "sm": 6})  # type: ignore[call-arg]
             for c in state.categories]
    return [_section(t._("Browse by topic")), ft.ResponsiveRow(cards, spacing=12, run_spacing=12), AskUsCard(t)]


@ft.component
def SearchField(state: FaqState) -> ft.Control:
    """The search field, a component of its own: it re-renders only for its own text, never for
    results (a render sent while keys are still on their way would set the field back)."""
    t = use_translator()
    text, set_text = ft.use_state(state.query)

    def typed(e: ft.Event[ft.TextField]) -> None:
        value = e.control.value or ""
        set_text(value)
        ft.context.page.run_task(state.type, value)  # its own task: a slow search never holds a key back

    async def cleared(_: ft.Event[ft.IconButton]) -> None:
        set_text("")
        await state.clear()

    return ft.TextField(
        label=t._("Search help"),
        value=text,
        on_change=typed,
        prefix_icon=ft.Icons.SEARCH,
        suffix=ft.IconButton(ft.Icons.CLOSE, tooltip=t._("Clear search"), on_click=cleared,
                             icon_size=18) if text else None,
        border_radius=28,
        filled=True,
        autocorrect=False,
    )


# A search counts for proactive help once the shopper stops typing for this long: every
# keystroke is a search too, and "Rück", "Rücks", "Rücksen" are not three failed searches.
SEARCH_SETTLED_S = 1.5


@ft.component
def HelpBody(state: FaqState) -> ft.Control:
    """Results, topics or the state of the cache (re-renders as results arrive)."""
    t = use_translator()
    ctx = use_app()
    use_observable(state)

    async def note_settled_search() -> None:
        query = state.query
        if not query.strip():
            return
        await asyncio.sleep(SEARCH_SETTLED_S)
        if state.query == query:
            ctx.help_offers.note_search(query)

    ft.use_effect(note_settled_search, dependencies=[state.query])
    if state.error and not state.categories:
        return EmptyState(ft.Icons.ERROR_OUTLINE, t._("The help articles couldn't be opened"),
                          t._("Please try again. If it keeps happening, sign out and in again."))
    if not state.loaded:
        return ft.Container(ft.ProgressRing(), alignment=ft.Alignment.CENTER, padding=48)
    return ft.Column(_results(state, t) if state.searching else _browse(state, t), spacing=12,
                     horizontal_alignment=ft.CrossAxisAlignment.STRETCH)


@ft.component
def HelpScreen() -> ft.Control:
    ctx = use_app()
    session = use_observable(ctx.session)
    sync = use_observable(ctx.session.sync)
    state = _state_for(ctx.session)  # not observed here: only HelpBody follows the results

    async def mount() -> None:
        account = session.account
        if account is not None:
            state.bind(account.faq, account.sync, session.dispatcher, session.locale)
            await state.refresh()

    ft.use_effect(mount, dependencies=[session.locale], cleanup=state.unbind)

    controls: list[ft.Control] = [SearchField(state), ConversationsEntry()]  # issue 4: views.conversations
    if sync.active and sync.connectivity == "offline":
        controls.append(OfflineBanner())
    controls.append(HelpBody(state))
    return ScreenBody(controls, spacing=12)
