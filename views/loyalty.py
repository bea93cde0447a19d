"""Loyalty tab: the card to scan (signed QR, renewed automatically), points, tier progress,
points over time, rewards with their one-time codes, and the history."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

import flet as ft

from app.i18n import Translator
from app.state.loyalty import CARD_OFFLINE, LoyaltyState
from views import theme
from views.components.icon_action import IconAction
from views.components.layout import EmptyState, Pill, ScreenBody
from views.components.offline_banner import OfflineBanner
from views.components.qr import QrCode
from views.components.returns_text import refusal_text, tier_label
from views.hooks import use_app, use_observable, use_translator, use_viewport

if TYPE_CHECKING:
    from services.loyalty import Entry, Offer

CARD_CHECK_S = 30  # how often an open card screen checks whether its token needs renewing
MONO = "monospace"


def _text(texts: dict[str, str], t: Translator) -> str:
    return texts.get(t.locale) or texts.get("en") or next(iter(texts.values()), "")


def _points(n: int, t: Translator) -> str:
    return t.ngettext("{count} point", "{count} points", abs(n)).format(count=t.number(n))


def _heading(text: str) -> ft.Control:
    return ft.Semantics(header=True, content=ft.Text(text, theme_style=ft.TextThemeStyle.TITLE_SMALL,
                                                     color=ft.Colors.PRIMARY, weight=ft.FontWeight.W_600))


@ft.component
def CardPanel(state: LoyaltyState, offline: bool) -> ft.Control:
    t = use_translator()
    viewport = use_viewport()
    account = state.account or {}
    number = (state.card.card_number if state.card else None) or account.get("card_number", "")
    now = datetime.now(UTC)

    async def refresh(_: object) -> None:
        await state.keep_card_fresh(force=True)

    if state.qr is not None and state.card_valid and state.card is not None:
        code: ft.Control = QrCode(state.qr, 232 if viewport.is_phone else 264,
                                  t._("Loyalty card QR code, card number {number}").format(number=number),
                                  identifier="loyalty-qr")
        if offline or state.card_error == CARD_OFFLINE:
            note = t._("Offline: this code works until {time}").format(
                time=t.datetime(state.card.expires_at, format="short"))
        else:
            note = t._("Renewed {when} · valid until {time}").format(
                when=t.relative(state.card.issued_at, now), time=t.datetime(state.card.expires_at, format="short"))
    else:
        code = ft.Container(
            width=232, height=232, border_radius=12, bgcolor=ft.Colors.WHITE, alignment=ft.Alignment.CENTER,
            padding=theme.M,
            content=ft.ProgressRing() if state.card_busy else ft.Column(
                [ft.Icon(ft.Icons.QR_CODE_2, size=56, color=ft.Colors.GREY_500),
                 ft.Text(t._("Connect to the internet to show your code. The card number below works anyway."),
                         color=ft.Colors.GREY_800, text_align=ft.TextAlign.CENTER, size=13)],
                horizontal_alignment=ft.CrossAxisAlignment.CENTER, tight=True, spacing=theme.S))
        note = t._("Your code has expired.") if state.card is not None else t._("No code on this device yet.")

    tier = tier_label(account.get("tier"), t)
    return ft.Semantics(identifier="loyalty-card", content=ft.Container(
        border_radius=24,
        padding=ft.Padding.symmetric(horizontal=theme.L, vertical=theme.L),
        gradient=ft.LinearGradient(begin=ft.Alignment.TOP_LEFT, end=ft.Alignment.BOTTOM_RIGHT,
                                   colors=["#0B6E5B", "#14A37F"]),
        content=ft.Column(
            [
                ft.Row([
                    ft.Text(t._("nahtlos card"), color=ft.Colors.WHITE, weight=ft.FontWeight.W_700, size=18,
                            expand=True),
                    Pill(tier, "#0B6E5B", ft.Colors.WHITE, ft.Icons.WORKSPACE_PREMIUM) if tier else ft.Container(),
                ]),
                ft.Row([code], alignment=ft.MainAxisAlignment.CENTER),
                ft.Text(number, size=24, weight=ft.FontWeight.W_700, color=ft.Colors.WHITE, font_family=MONO,
                        text_align=ft.TextAlign.CENTER, semantics_label=t._(
                            "Card number {number}").format(number=number)),
                ft.Row([
                    ft.Text(note, color=ft.Colors.WHITE, size=12, expand=True, text_align=ft.TextAlign.CENTER),
                    IconAction(ft.Icons.REFRESH, t._("Refresh card"), refresh, icon_color=ft.Colors.WHITE,
                               disabled=state.card_busy, identifier="refresh-card"),
                ], vertical_alignment=ft.CrossAxisAlignment.CENTER),
            ],
            spacing=theme.M,
            horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
        ),
    ))


def _balance(state: LoyaltyState, t: Translator) -> ft.Control:
    account = state.account or {}
    balance = int(account.get("balance", 0))
    tier = state.tier
    rows: list[ft.Control] = [
        ft.Row([
            ft.Column([ft.Text(t._("Your points"), color=ft.Colors.ON_SURFACE_VARIANT),
                       ft.Text(t.number(balance), size=40, weight=ft.FontWeight.W_700)], spacing=0, expand=True),
            Pill(t._("Not yet synced"), ft.Colors.ON_TERTIARY_CONTAINER, ft.Colors.TERTIARY_CONTAINER,
                 ft.Icons.CLOUD_UPLOAD_OUTLINED) if account.get("_pending") else ft.Container(),
        ], vertical_alignment=ft.CrossAxisAlignment.END),
    ]
    if tier is not None:
        if tier.next_tier:
            line = t._("{points} more to {tier}").format(points=_points(tier.to_go, t),
                                                       tier=tier_label(tier.next_tier, t))
        else:
            line = t._("You have reached the top tier.")
        rows += [
            ft.ProgressBar(value=tier.fraction, bar_height=10, border_radius=5,
                           semantics_label=t._("Progress to the next tier"),
                           bgcolor=ft.Colors.SURFACE_CONTAINER_HIGHEST),
            ft.Text(line, weight=ft.FontWeight.W_500),
            ft.Text(t._("{points} earned in the last 12 months").format(points=_points(tier.points_12m, t)),
                    size=12, color=ft.Colors.ON_SURFACE_VARIANT),
        ]
    return ft.Card(semantic_container=False,
                   content=ft.Container(padding=theme.M, content=ft.Column(rows, spacing=theme.S)))


def _chart(series: list[tuple[date, int]], t: Translator) -> ft.Control:
    """Balance at the end of each month as bars: readable at a glance, no chart library needed."""
    if not series:
        return ft.Container()
    top = max(max(v for _, v in series), 1)
    height = 120.0
    bars: list[ft.Control] = []
    for n, (month, value) in enumerate(series):
        last = n == len(series) - 1
        bars.append(ft.Column(
            [
                ft.Text(t.number(value) if last else "", size=11, weight=ft.FontWeight.W_600,
                        color=ft.Colors.PRIMARY),
                ft.Container(height=max(2.0, height * max(0, value) / top), border_radius=ft.BorderRadius.only(
                    top_left=4, top_right=4), bgcolor=ft.Colors.PRIMARY if last else ft.Colors.PRIMARY_CONTAINER,
                    tooltip=t._("{month}: {points}").format(month=t.date(month, format="MMMM y"),
                                                            points=_points(value, t))),
                ft.Text(t.date(month, format="MMM"), size=10, color=ft.Colors.ON_SURFACE_VARIANT, no_wrap=True),
            ],
            expand=True, spacing=2, alignment=ft.MainAxisAlignment.END,
            horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
        ))
    summary = t._("Points over the last 12 months: from {start} to {end}").format(
        start=t.number(series[0][1]), end=t.number(series[-1][1]))
    return ft.Card(content=ft.Container(padding=theme.M, content=ft.Column([
        ft.Text(t._("Points over time"), weight=ft.FontWeight.W_600),
        ft.Semantics(label=summary, exclude_semantics=True, content=ft.Container(
            height=height + 40, content=ft.Row(bars, spacing=6, vertical_alignment=ft.CrossAxisAlignment.END))),
    ], spacing=theme.S)))


@ft.component
def RewardCard(offer: Offer, state: LoyaltyState) -> ft.Control:
    t = use_translator()
    page = ft.context.page
    title = _text(offer.title, t)
    code, pending = state.code_for(offer.id)
    pending = pending or offer.pending

    async def redeem(_: ft.Event[ft.Button]) -> None:
        page.pop_dialog()
        await state.redeem(offer.id)

    def ask(_: ft.Event[ft.Button]) -> None:
        page.show_dialog(ft.AlertDialog(
            title=ft.Text(t._("Redeem {reward}?").format(reward=title)),
            content=ft.Text(t._("{points} will be taken from your balance. You get a one-time code.").format(
                points=_points(offer.cost, t))),
            actions=[ft.TextButton(t._("Not now"), on_click=lambda _: page.pop_dialog()),
                     ft.FilledButton(t._("Redeem now"), on_click=redeem)]))

    footer: list[ft.Control] = []
    if code:
        footer += [
            ft.Text(t._("Your one-time code"), size=12, color=ft.Colors.ON_SURFACE_VARIANT),
            ft.Semantics(identifier=f"code-{offer.id}", content=ft.Container(
                padding=ft.Padding.symmetric(horizontal=theme.M, vertical=theme.S), border_radius=8,
                bgcolor=ft.Colors.PRIMARY_CONTAINER,
                content=ft.Text(code, size=22, weight=ft.FontWeight.W_700, font_family=MONO,
                                color=ft.Colors.ON_PRIMARY_CONTAINER))),
            ft.Text(t._("Show it at the checkout or enter it when you order online."), size=12,
                    color=ft.Colors.ON_SURFACE_VARIANT),
        ]
    elif pending:
        footer.append(ft.Row([ft.Icon(ft.Icons.CLOUD_UPLOAD_OUTLINED, size=18, color=ft.Colors.TERTIARY),
                              ft.Text(t._("Redeemed on this device. Your code appears once we have confirmed it."),
                                      color=ft.Colors.TERTIARY, size=13, expand=True)], spacing=theme.S))
    action: ft.Control
    if pending:
        action = ft.FilledTonalButton(t._("Redeem"), disabled=True)
    elif offer.affordable:
        action = ft.FilledTonalButton(t._("Redeem"), icon=ft.Icons.REDEEM, on_click=ask)
    else:
        action = ft.Text(t._("{points} more needed").format(
            points=_points(offer.cost - int((state.account or {}).get("balance", 0)), t)),
            size=12, color=ft.Colors.ON_SURFACE_VARIANT)
    return ft.Semantics(identifier=f"reward-{offer.id}", container=True, content=ft.Card(
        semantic_container=False, content=ft.Container(
        padding=theme.M,
        content=ft.Column([
            ft.Row([
                ft.Column([ft.Text(title, weight=ft.FontWeight.W_600),
                           ft.Text(_text(offer.description, t), size=13, color=ft.Colors.ON_SURFACE_VARIANT)],
                          spacing=2, expand=True),
                ft.Text(_points(offer.cost, t), weight=ft.FontWeight.W_600, color=ft.Colors.PRIMARY),
            ], vertical_alignment=ft.CrossAxisAlignment.START),
            ft.Row([action], alignment=ft.MainAxisAlignment.END),
            *footer,
        ], spacing=theme.S))))


def _history_row(entry: Entry, t: Translator) -> ft.Control:
    positive = entry.points >= 0
    icon = {"earned": ft.Icons.ADD_CIRCLE_OUTLINE, "redeemed": ft.Icons.REDEEM,
            "expired": ft.Icons.HOURGLASS_BOTTOM}.get(entry.kind, ft.Icons.TUNE)
    sub = t.date(entry.at, format="medium")
    if entry.pending:
        sub = t._("{date} · not yet synced").format(date=sub)
    elif entry.code:
        sub = t._("{date} · code {code}").format(date=sub, code=entry.code)
    return ft.ListTile(
        leading=ft.Icon(icon, color=ft.Colors.PRIMARY if positive else ft.Colors.ON_SURFACE_VARIANT),
        title=ft.Text(_text(entry.description, t)),
        subtitle=ft.Text(sub, size=12),
        trailing=ft.Text(("+" if positive else "−") + t.number(abs(entry.points)), weight=ft.FontWeight.W_600, size=15,
                         color=ft.Colors.PRIMARY if positive else ft.Colors.ON_SURFACE_VARIANT),
        content_padding=ft.Padding.symmetric(horizontal=theme.S),
    )


@ft.component
def LoyaltyScreen() -> ft.Control:
    ctx = use_app()
    t = use_translator()
    state = use_observable(ctx.session.loyalty)
    sync = use_observable(ctx.session.sync)

    async def keep_fresh() -> None:
        # Renew the card while it is on screen: at once, then whenever the token gets old.
        while True:
            await state.keep_card_fresh()
            await asyncio.sleep(CARD_CHECK_S)

    ft.use_effect(keep_fresh, dependencies=[], cleanup=lambda: None)

    if not state.loaded:
        return ft.Container(expand=True, alignment=ft.Alignment.CENTER, content=ft.Column(
            [ft.ProgressRing(), ft.Text(t._("Loading your loyalty card…"), color=ft.Colors.ON_SURFACE_VARIANT)],
            tight=True, spacing=theme.M, horizontal_alignment=ft.CrossAxisAlignment.CENTER))
    if state.account is None:
        body = t._("We're checking for your card right now.") if sync.syncing or sync.connectivity == "connecting" \
            else t._("Your loyalty card appears here once it is set up.")
        return ScreenBody([EmptyState(ft.Icons.LOYALTY_OUTLINED, t._("No loyalty card yet"), body)])

    controls: list[ft.Control] = [OfflineBanner()] if sync.active and sync.connectivity == "offline" else []
    for refusal in state.rejections:
        async def dismiss(_: ft.Event[ft.TextButton], rid: int = refusal.id) -> None:
            await state.dismiss([rid])

        controls.append(ft.Semantics(live_region=True, identifier="loyalty-refusal", content=ft.Container(
            padding=theme.M, border_radius=theme.CARD_RADIUS, bgcolor=ft.Colors.ERROR_CONTAINER,
            content=ft.Column([
                ft.Text(t._("A redemption was not possible"), weight=ft.FontWeight.W_600,
                        color=ft.Colors.ON_ERROR_CONTAINER),
                ft.Text(refusal_text(refusal.code, t, server_message=refusal.message),
                        color=ft.Colors.ON_ERROR_CONTAINER),
                ft.Row([ft.TextButton(t._("Dismiss"), on_click=dismiss)], alignment=ft.MainAxisAlignment.END),
            ], spacing=theme.XS))))
    offline = sync.active and sync.connectivity == "offline"
    controls += [CardPanel(state, offline), _balance(state, t), _chart(state.series, t), _heading(t._("Rewards"))]
    controls += [RewardCard(o, state, key=o.id) for o in state.offers]  # type: ignore[call-arg]
    controls.append(_heading(t._("History")))
    if state.history:
        controls.append(ft.Card(semantic_container=False, content=ft.Container(
            padding=ft.Padding.symmetric(vertical=theme.XS),
            content=ft.Column([_history_row(e, t) for e in state.history], spacing=0))))
    else:
        controls.append(ft.Text(t._("No points yet."), color=ft.Colors.ON_SURFACE_VARIANT))
    return ScreenBody(controls, spacing=theme.M)
