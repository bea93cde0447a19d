"""Returns tab: refusals to read, orders a return can be started for, and the shopper's returns."""

from __future__ import annotations

from typing import TYPE_CHECKING

import flet as ft

from app.i18n import Translator
from app.state.returns import ReturnView
from views import theme
from views.components.layout import EmptyState, Pill, ScreenBody
from views.components.offline_banner import OfflineBanner
from views.components.returns_text import (
    kind_icon,
    kind_label,
    refusal_text,
    status_chip,
)
from views.hooks import use_app, use_observable, use_translator

if TYPE_CHECKING:
    from services.returns_eligibility import OrderPreview


def _section(title: str) -> ft.Control:
    return ft.Semantics(
        header=True,
        content=ft.Text(title, theme_style=ft.TextThemeStyle.TITLE_SMALL, color=ft.Colors.PRIMARY,
                        weight=ft.FontWeight.W_600),
    )


def _offer_line(p: OrderPreview, t: Translator) -> str:
    """The best thing the order still allows, with its deadline."""
    withdrawal = p.summary("withdrawal")
    if withdrawal.allowed:
        if withdrawal.last_day is not None:
            return t._("Withdrawal possible until {date}").format(date=t.date(withdrawal.last_day, format="long"))
        return t._("Withdrawal possible")
    ret = p.summary("return")
    if ret.allowed and ret.last_day is not None:
        return t._("Return or exchange until {date}").format(date=t.date(ret.last_day, format="long"))
    warranty = p.summary("warranty_claim")
    if warranty.allowed and warranty.last_day is not None:
        return t._("Warranty claim until {date}").format(date=t.date(warranty.last_day, format="long"))
    return t._("Return possible")


@ft.component
def StartTile(p: OrderPreview) -> ft.Control:
    t = use_translator()
    names = ", ".join(i.name for i in p.items)
    return ft.Semantics(
        container=True,
        identifier=f"start-{p.number}",
        content=ft.Card(
            content=ft.ListTile(
                leading=ft.Icon(ft.Icons.ASSIGNMENT_RETURN_OUTLINED, color=ft.Colors.PRIMARY),
                title=ft.Text(t._("Order {number}").format(number=p.number), weight=ft.FontWeight.W_600),
                subtitle=ft.Column(
                    [ft.Text(names, max_lines=1, overflow=ft.TextOverflow.ELLIPSIS),
                     ft.Text(_offer_line(p, t), color=ft.Colors.PRIMARY, size=12, weight=ft.FontWeight.W_500)],
                    spacing=2, tight=True),
                trailing=ft.Icon(ft.Icons.CHEVRON_RIGHT),
                on_click=lambda _: ft.context.page.navigate(f"/returns/new?order={p.order_id}"),
            ),
        ),
    )


@ft.component
def ReturnCard(ret: ReturnView) -> ft.Control:
    t = use_translator()
    chip = status_chip(ret.status, t, ret.pending)
    count = sum(line.quantity for line in ret.lines)
    what = ", ".join(line.name for line in ret.lines)
    when = ret.declared_at or ret.created_at
    return ft.Semantics(
        container=True,
        identifier=f"return-{ret.id}",
        content=ft.Card(
            content=ft.Container(
                padding=theme.M,
                on_click=lambda _: ft.context.page.navigate(f"/returns/{ret.id}"),
                content=ft.Row(
                    [
                        ft.Container(
                            width=48, height=48, border_radius=12, bgcolor=ft.Colors.SECONDARY_CONTAINER,
                            alignment=ft.Alignment.CENTER,
                            content=ft.Icon(kind_icon(ret.kind), color=ft.Colors.ON_SECONDARY_CONTAINER),
                        ),
                        ft.Column(
                            [
                                ft.Text(t._("{kind} · order {number}").format(kind=kind_label(ret.kind, t),
                                                                             number=ret.order_number),
                                        theme_style=ft.TextThemeStyle.TITLE_MEDIUM, weight=ft.FontWeight.W_600),
                                ft.Text(what, max_lines=2, overflow=ft.TextOverflow.ELLIPSIS),
                                ft.Text(
                                    t._("{date} · {items}").format(
                                        date=t.date(when),
                                        items=t.ngettext("{count} item", "{count} items", count).format(
                                            count=t.number(count))),
                                    theme_style=ft.TextThemeStyle.BODY_SMALL, color=ft.Colors.ON_SURFACE_VARIANT),
                                ft.Container(Pill(chip.label, chip.fg, chip.bg, chip.icon),
                                             margin=ft.Margin.only(top=theme.XS)),
                            ],
                            spacing=2,
                            expand=True,
                        ),
                        ft.Icon(ft.Icons.CHEVRON_RIGHT, color=ft.Colors.ON_SURFACE_VARIANT),
                    ],
                    spacing=theme.M,
                    vertical_alignment=ft.CrossAxisAlignment.START,
                ),
            ),
        ),
    )


@ft.component
def RefusalBanner(kind: str, number: str, text: str, on_dismiss: ft.ControlEventHandler[ft.TextButton]) -> ft.Control:
    t = use_translator()
    return ft.Semantics(
        container=True,
        live_region=True,
        content=ft.Container(
            padding=theme.M,
            border_radius=theme.CARD_RADIUS,
            bgcolor=ft.Colors.ERROR_CONTAINER,
            content=ft.Column(
                [
                    ft.Row(
                        [ft.Icon(ft.Icons.ERROR_OUTLINE, color=ft.Colors.ON_ERROR_CONTAINER),
                         ft.Text(t._("{kind} for order {number} was not accepted").format(kind=kind_label(kind, t),
                                                                                          number=number),
                                 weight=ft.FontWeight.W_600, color=ft.Colors.ON_ERROR_CONTAINER, expand=True)],
                        spacing=theme.S,
                    ),
                    ft.Text(text, color=ft.Colors.ON_ERROR_CONTAINER),
                    ft.Row([ft.TextButton(t._("Dismiss"), on_click=on_dismiss)], alignment=ft.MainAxisAlignment.END),
                ],
                spacing=theme.XS,
            ),
        ),
    )


@ft.component
def ReturnsScreen() -> ft.Control:
    ctx = use_app()
    t = use_translator()
    state = use_observable(ctx.session.returns)
    sync = use_observable(ctx.session.sync)

    if state.error and not state.returns:
        async def retry() -> None:
            await state.refresh()

        return ScreenBody([EmptyState(ft.Icons.ERROR_OUTLINE, t._("Your saved returns couldn't be opened"),
                                      t._("Please try again. If it keeps happening, sign out and in again."),
                                      ft.OutlinedButton(t._("Try again"), icon=ft.Icons.REFRESH, on_click=retry))])
    if not state.loaded:
        return ft.Container(
            expand=True, alignment=ft.Alignment.CENTER,
            content=ft.Column([ft.ProgressRing(), ft.Text(t._("Loading your returns…"),
                                                          color=ft.Colors.ON_SURFACE_VARIANT)],
                              tight=True, spacing=theme.M, horizontal_alignment=ft.CrossAxisAlignment.CENTER))

    controls: list[ft.Control] = []
    if sync.active and sync.connectivity == "offline":
        controls.append(OfflineBanner())
    for refusal in state.rejections:
        if refusal.name != "return.create":
            continue  # edits are explained on the return itself
        order = state.orders.get(str(refusal.args.get("order_id")), {})

        async def dismiss(_: object, rid: int = refusal.id) -> None:
            await state.dismiss([rid])

        controls.append(RefusalBanner(str(refusal.args.get("kind", "return")), order.get("number", ""),
                                      refusal_text(refusal.code, t, server_message=refusal.message), dismiss,
                                      key=f"refusal-{refusal.id}"))  # type: ignore[call-arg]

    controls.append(_section(t._("Start a return")))
    if state.startable:
        controls.append(ft.Text(t._("Choose the order. You can withdraw, return, exchange or make a warranty claim."),
                                color=ft.Colors.ON_SURFACE_VARIANT))
        controls += [StartTile(p, key=p.order_id) for p in state.startable]  # type: ignore[call-arg]
    else:
        controls.append(ft.Text(t._("None of your orders can be returned right now."),
                                color=ft.Colors.ON_SURFACE_VARIANT))

    controls.append(ft.Container(height=theme.S))
    controls.append(_section(t._("Your returns")))
    if state.returns:
        controls += [ReturnCard(r, key=r.id) for r in state.returns]  # type: ignore[call-arg]
    else:
        controls.append(EmptyState(
            ft.Icons.ASSIGNMENT_RETURN_OUTLINED, t._("No returns yet"),
            t._("Returns you start appear here with a QR code for drop-off and every step until your refund.")))
    return ScreenBody(controls, spacing=12)
