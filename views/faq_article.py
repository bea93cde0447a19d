"""/help/articles/<slug>?q=<search>: one answer, related articles and "Was this helpful?".

"No" offers a conversation with the article and the search attached (the conversation screens
are `views.conversation`; this screen only navigates there).
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import flet as ft

from app.state.faq import FaqArticleState, article_route
from views import theme
from views.components.detail_page import DetailView, MissingDetailView
from views.components.layout import Pill
from views.hooks import use_app, use_instance, use_observable, use_translator


def _query_param(route: str) -> str:
    return parse_qs(urlparse(route).query).get("q", [""])[0]


def _body(text: str) -> list[ft.Control]:
    """Paragraphs, and lines starting with "- " as a bullet list."""
    controls: list[ft.Control] = []
    for block in [b.strip() for b in text.split("\n\n") if b.strip()]:
        lines = [line.strip() for line in block.splitlines() if line.strip()]
        if all(line.startswith("- ") for line in lines):
            controls += [ft.Row([ft.Text("•", size=16, color=ft.Colors.PRIMARY), ft.Text(line[2:], size=16, expand=True)],
                                spacing=theme.S, vertical_alignment=ft.CrossAxisAlignment.START) for line in lines]
        else:
            controls.append(ft.Text(" ".join(lines), size=16))
    return controls


@ft.component
def FeedbackCard(state: FaqArticleState) -> ft.Control:
    t = use_translator()
    page = ft.context.page

    async def yes(_: ft.Event[ft.OutlinedButton]) -> None:
        await state.answer(True)

    async def no(_: ft.Event[ft.OutlinedButton]) -> None:
        await state.answer(False)

    if state.feedback is None:
        content: list[ft.Control] = [
            ft.Text(t._("Was this helpful?"), weight=ft.FontWeight.W_600, size=16),
            ft.Row([ft.OutlinedButton(t._("Yes"), icon=ft.Icons.THUMB_UP_OUTLINED, on_click=yes),
                    ft.OutlinedButton(t._("No"), icon=ft.Icons.THUMB_DOWN_OUTLINED, on_click=no)], spacing=theme.S),
        ]
    elif state.feedback:
        content = [ft.Row([ft.Icon(ft.Icons.CHECK_CIRCLE_OUTLINE, color=ft.Colors.PRIMARY),
                           ft.Text(t._("Thanks for your feedback!"), weight=ft.FontWeight.W_600, expand=True)],
                          spacing=theme.S)]
    else:
        content = [
            ft.Text(t._("Sorry this didn't help."), weight=ft.FontWeight.W_600, size=16),
            ft.Text(t._("Our team can help you directly. We attach this article and your search, so you don't "
                        "have to explain it again."), color=ft.Colors.ON_SURFACE_VARIANT),
            ft.Row([ft.FilledButton(t._("Start a conversation"), icon=ft.Icons.CHAT_BUBBLE_OUTLINE,
                                    on_click=lambda _: page.navigate(state.conversation_route))]),
        ]
    return ft.Semantics(container=True, identifier="faq-feedback", live_region=True, content=ft.Container(
        padding=theme.M, border_radius=theme.CARD_RADIUS, bgcolor=ft.Colors.SURFACE_CONTAINER_LOW,
        content=ft.Column(content, spacing=12)))


@ft.component
def FaqArticleView() -> ft.View:
    ctx = use_app()
    t = use_translator()
    session = use_observable(ctx.session)
    slug = ft.use_route_params().get("slug", "")
    query = _query_param(ft.context.page.route or "")
    state = use_instance(lambda: FaqArticleState(slug=slug, query=query))
    use_observable(state)
    route = f"/help/articles/{slug}"

    async def mount() -> None:
        account = session.account
        if account is not None:
            state.bind(account.faq, session.locale)
            await state.open(slug, query)
        ctx.help_offers.note_article_opened(slug)  # found something: the search streak ends

    # A related article is the same screen with another slug: read again when it changes.
    ft.use_effect(mount, dependencies=[slug, session.locale], cleanup=state.unbind)

    article = state.article
    if article is None:
        return MissingDetailView(route, t._("Help"), "/help", loaded=state.loaded,
                                 missing=t._("This article isn't on this device"),
                                 why=t._("It may have been removed, or it hasn't synced yet."),
                                 back_label=t._("Back to help"))

    controls: list[ft.Control] = [
        ft.Semantics(header=True, content=ft.Text(article.title, theme_style=ft.TextThemeStyle.HEADLINE_SMALL,
                                                  weight=ft.FontWeight.W_600)),
    ]
    if article.locale != session.locale:
        controls.append(Pill(t._("Only available in another language"), ft.Colors.ON_SECONDARY_CONTAINER,
                             ft.Colors.SECONDARY_CONTAINER, ft.Icons.TRANSLATE))
    controls.append(ft.Column(_body(article.body), spacing=12))
    controls.append(FeedbackCard(state))
    if state.related:
        controls.append(ft.Semantics(header=True, content=ft.Text(
            t._("Related articles"), theme_style=ft.TextThemeStyle.TITLE_SMALL, color=ft.Colors.PRIMARY,
            weight=ft.FontWeight.W_600)))
        controls.append(ft.Card(margin=0, content=ft.Column([
            ft.Semantics(container=True, identifier=f"faq-related-{a.slug}", content=ft.ListTile(
                leading=ft.Icon(ft.Icons.ARTICLE_OUTLINED, color=ft.Colors.PRIMARY),
                title=ft.Text(a.title), trailing=ft.Icon(ft.Icons.CHEVRON_RIGHT),
                on_click=lambda _, s=a.slug: ft.context.page.navigate(article_route(s, state.query))))
            for a in state.related], spacing=0)))
    return DetailView(route, t._("Help"), "/help", controls, spacing=20)
