"""One order (route /orders/:id, a pushed screen with a back button): where it stands, its
parcels, what was bought and paid, and what the shopper can do about it (cancel, report a
problem, start a return).

Reads only the cache, so it opens offline; it follows the parcel live while it is open.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import flet as ft

from app.i18n import Translator
from app.protocol.entities import FulfilmentKind, OrderStatus
from app.protocol.errors import RejectionCode
from app.state.order_detail import (
    ACTION_FAILED,
    BLOCKED_PICKUP,
    CANCEL_PENDING,
    DESCRIPTION_TOO_LONG,
    PROBLEM_REPORTED,
    OrderDetailState,
)
from app.state.proactive_help import PARCEL_DELAYED
from views import theme
from views.components.detail_page import DetailView, MissingDetailView
from views.components.help_offer import HelpOfferCard
from views.components.layout import Pill
from views.components.notice import Notice, show_snack
from views.components.offline_banner import OfflineBanner
from views.components.tracking import ParcelCard
from views.hooks import use_app, use_instance, use_observable, use_translator
from views.order_problem import ReportProblemDialog
from views.orders import status_style
from views.pickup import PickupLink

if TYPE_CHECKING:
    from services.orders import OrderDetail, Refusal

RETURNABLE_STATUSES = {OrderStatus.DELIVERED, OrderStatus.PARTIALLY_DELIVERED, OrderStatus.COLLECTED}


def payment_label(method: str, t: Translator) -> str:
    labels = {
        "paypal": "PayPal",
        "apple_pay": "Apple Pay",
        "google_pay": "Google Pay",
        "credit_card": t._("Credit card"),
        "invoice": t._("Invoice"),
        "direct_debit": t._("Direct debit"),
        "gift_card": t._("Gift card"),
    }
    return labels.get(method, method.replace("_", " ").capitalize())


def section(title: str, content: ft.Control) -> ft.Control:
    return ft.Column(
        [
            ft.Semantics(header=True, content=ft.Text(title, theme_style=ft.TextThemeStyle.TITLE_SMALL,
                                                      color=ft.Colors.PRIMARY, weight=ft.FontWeight.W_600)),
            content,
        ],
        spacing=theme.S,
        horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
    )


def card(*controls: ft.Control, spacing: float = 12) -> ft.Control:
    return ft.Card(semantic_container=False, content=ft.Container(
        padding=theme.M, content=ft.Column(list(controls), spacing=spacing, tight=True)))


def amount_row(label: str, amount: str, strong: bool = False) -> ft.Control:
    weight = ft.FontWeight.W_700 if strong else ft.FontWeight.W_400
    color = ft.Colors.ON_SURFACE if strong else ft.Colors.ON_SURFACE_VARIANT
    return ft.Row([ft.Text(label, weight=weight, color=color), ft.Text(amount, weight=weight, color=color)],
                  alignment=ft.MainAxisAlignment.SPACE_BETWEEN)


def items_card(detail: OrderDetail, t: Translator) -> ft.Control:
    rows: list[ft.Control] = []
    for line in detail.lines:
        sub = t._("{quantity} × {price}").format(quantity=t.number(line.quantity),
                                                 price=t.money(line.unit_price, detail.currency))
        if line.variant:
            sub = t._("{variant} · {quantity_and_price}").format(variant=line.variant, quantity_and_price=sub)
        rows.append(ft.Row(
            [
                ft.Column([ft.Text(line.name, weight=ft.FontWeight.W_500),
                           ft.Text(sub, size=13, color=ft.Colors.ON_SURFACE_VARIANT)], spacing=2, expand=True),
                ft.Text(t.money(line.total, detail.currency), weight=ft.FontWeight.W_500),
            ],
            vertical_alignment=ft.CrossAxisAlignment.START,
        ))
    shipping = t.money(detail.shipping_fee, detail.currency) if detail.shipping_fee else t._("Free")
    return card(
        *rows,
        ft.Divider(height=1),
        amount_row(t._("Subtotal"), t.money(detail.subtotal, detail.currency)),
        amount_row(t._("Shipping"), shipping),
        amount_row(t._("Total"), t.money(detail.total, detail.currency), strong=True),
    )


def _labelled(icon: ft.IconData, label: str, lines: list[str]) -> ft.Control:
    return ft.Row(
        [
            ft.Icon(icon, color=ft.Colors.ON_SURFACE_VARIANT, size=22),
            ft.Column([ft.Text(label, size=12, color=ft.Colors.ON_SURFACE_VARIANT),
                       *[ft.Text(line) for line in lines]], spacing=1, expand=True, tight=True),
        ],
        spacing=12,
        vertical_alignment=ft.CrossAxisAlignment.START,
    )


def payment_and_delivery(detail: OrderDetail, t: Translator) -> ft.Control:
    blocks: list[ft.Control] = [_labelled(ft.Icons.CREDIT_CARD, t._("Payment method"),
                                          [payment_label(detail.payment_method, t)])]
    if detail.fulfilment == FulfilmentKind.PICKUP:
        store = detail.store or {}
        lines = [str(store.get("name") or detail.store_id or "")]
        if store.get("address"):
            lines.append(str(store["address"]))
        if store.get("opening_hours"):
            lines.append(t._("Opening hours: {hours}").format(hours=store["opening_hours"]))
        blocks.append(_labelled(ft.Icons.STOREFRONT_OUTLINED, t._("Pickup in store"), lines))
    elif detail.address:
        a = detail.address
        blocks.append(_labelled(ft.Icons.HOME_OUTLINED, t._("Delivery address"), [
            a.get("name", ""), a.get("street", ""),
            t._("{postal_code} {city}").format(postal_code=a.get("postal_code", ""), city=a.get("city", "")),
            t.country(a.get("country", "")),
        ]))
    return card(*blocks, spacing=theme.M)


def refusal_notice(refusal: Refusal, t: Translator) -> ft.Control:
    if refusal.name == "order.cancel":
        body = t._("It had already left our warehouse. You can return it once it arrives.")
        if refusal.code != RejectionCode.ORDER_NOT_CANCELLABLE:
            body = refusal.message or t._("Please try again or contact us.")
        return Notice(t._("We couldn't cancel this order"), body, tone="error", identifier="cancel-refused")
    body = t._("Damage or a wrong item can be reported once the parcel has arrived.")
    if refusal.code != RejectionCode.NOT_DELIVERED:
        body = refusal.message or t._("Please try again or contact us.")
    return Notice(t._("We couldn't send your report"), body, tone="error")


def state_notices(detail: OrderDetail, t: Translator) -> list[ft.Control]:
    """Where the order stands, when that needs more than the status chip."""
    notices: list[ft.Control] = [refusal_notice(r, t) for r in detail.refusals[:1]]
    if detail.status == CANCEL_PENDING:
        notices.append(Notice(
            t._("Cancellation requested"),
            t._("We'll confirm it as soon as your device is back in touch with us. You'll get a confirmation email."),
            tone="info", icon=ft.Icons.HOURGLASS_TOP, identifier="cancel-pending"))
    elif detail.status == OrderStatus.CANCELLED:
        when = t.date(detail.cancelled_at) if detail.cancelled_at else None
        title = t._("This order was cancelled on {date}").format(date=when) if when else t._("This order was cancelled")
        notices.append(Notice(
            title, t._("If you already paid, the money goes back to your {payment} within 3–5 working days.").format(
                payment=payment_label(detail.payment_method, t)),
            tone="neutral", icon=ft.Icons.BLOCK, identifier="cancelled"))
    elif detail.status == OrderStatus.READY_FOR_PICKUP:
        notices.append(Notice(t._("Ready for pickup"),
                              t._("Bring your pickup code or this screen to the store. Please bring ID for "
                                  "age-restricted items."), tone="success", icon=ft.Icons.STOREFRONT_OUTLINED))
    return notices


@ft.component
def CancelAction(detail: OrderDetail, state: OrderDetailState) -> ft.Control:
    """"Cancel order" with a confirmation, or why it is no longer possible."""
    t = use_translator()
    page = ft.context.page

    async def confirmed() -> None:
        page.pop_dialog()
        if await state.cancel():
            show_snack(t._("Cancellation requested for order {number}").format(number=detail.number))

    def ask() -> None:
        page.show_dialog(ft.AlertDialog(
            modal=True,
            title=ft.Text(t._("Cancel order {number}?").format(number=detail.number)),
            content=ft.Text(t._("Nothing will be sent. If you already paid, the money goes back to your {payment} "
                                "within 3–5 working days.").format(payment=payment_label(detail.payment_method, t))),
            actions=[
                ft.TextButton(t._("Keep order"), on_click=lambda: page.pop_dialog()),
                ft.FilledButton(t._("Yes, cancel order"), on_click=confirmed,
                                style=ft.ButtonStyle(bgcolor=ft.Colors.ERROR, color=ft.Colors.ON_ERROR)),
            ],
            actions_alignment=ft.MainAxisAlignment.END,
        ))

    if detail.can_cancel:
        return ft.Row([ft.OutlinedButton(
            t._("Cancel order"), icon=ft.Icons.CANCEL_OUTLINED, on_click=ask, disabled=state.busy, height=44,
            style=ft.ButtonStyle(color=ft.Colors.ERROR, side=ft.BorderSide(1, ft.Colors.ERROR)),
        )])
    reason = detail.cancel_blocked
    if reason is None:
        return ft.Container(height=0)
    text = t._("This order has shipped, so it can't be cancelled any more. Once it arrives, you can return it.")
    if reason == BLOCKED_PICKUP:
        text = t._("This order is waiting in the store, so it can't be cancelled here. If you don't collect it, "
                   "we cancel it for you and refund the payment.")
    return ft.Semantics(identifier="cancel-reason", content=ft.Row(
        [ft.Icon(ft.Icons.INFO_OUTLINE, size=18, color=ft.Colors.ON_SURFACE_VARIANT),
         ft.Text(text, size=13, color=ft.Colors.ON_SURFACE_VARIANT, expand=True)],
        spacing=theme.S, vertical_alignment=ft.CrossAxisAlignment.START,
    ))


def reports_card(detail: OrderDetail, t: Translator) -> ft.Control:
    rows: list[ft.Control] = []
    for report in detail.reports:
        opened = t.moment(report.opened_at) if report.opened_at else ""
        status = t._("Sending…") if report.pending else (
            t._("Closed") if report.status == "closed" else t._("Our team will reply"))
        rows.append(ft.Row(
            [
                ft.Icon(ft.Icons.CHAT_BUBBLE_OUTLINE, color=ft.Colors.PRIMARY),
                ft.Column([ft.Text(report.subject or t._("Problem report"), weight=ft.FontWeight.W_500),
                           ft.Text(t._("Opened {when} · {status}").format(when=opened, status=status), size=13,
                                   color=ft.Colors.ON_SURFACE_VARIANT)], spacing=2, expand=True),
            ],
            spacing=12,
        ))
    rows.append(ft.Text(t._("You'll find the conversation under Help."), size=13, color=ft.Colors.ON_SURFACE_VARIANT))
    return card(*rows)


@ft.component
def OrderDetailPage(order_id: str) -> ft.View:
    ctx = use_app()
    t = use_translator()
    session = use_observable(ctx.session)
    sync = use_observable(ctx.session.sync)
    offers = use_observable(ctx.help_offers)
    state = use_instance(lambda: OrderDetailState(order_id=order_id))
    reporting, set_reporting = ft.use_state(False)
    page = ft.context.page
    route = f"/orders/{order_id}"

    async def mount() -> None:
        account = session.account
        if account is not None:
            state.bind(account.orders, account.sync, session.dispatcher)
            await state.refresh()
            await offers.bind(account.proactive_help)

    ft.use_effect(mount, dependencies=[], cleanup=state.unbind)

    detail = state.detail
    if detail is None:
        return MissingDetailView(route, t._("Order"), "/orders", loaded=state.loaded,
                                 missing=t._("This order isn't on this device"),
                                 why=t._("It may belong to another account, or it hasn't synced yet."),
                                 back_label=t._("Back to orders"))

    style = status_style(detail.status, t)
    quantity = sum(line.quantity for line in detail.lines)
    items = t.ngettext("{count} item", "{count} items", quantity).format(count=t.number(quantity))
    header = ft.Column(
        [
            ft.Text(t._("Placed on {date}").format(date=t.date(detail.placed_at, "long")),
                    theme_style=ft.TextThemeStyle.TITLE_MEDIUM, weight=ft.FontWeight.W_500),
            ft.Text(t._("{items} · {total}").format(items=items, total=t.money(detail.total, detail.currency)),
                    color=ft.Colors.ON_SURFACE_VARIANT),
            ft.Container(Pill(style.label, style.fg, style.bg, style.icon), margin=ft.Margin.only(top=theme.XS)),
        ],
        spacing=2,
        tight=True,
    )
    body: list[ft.Control] = [header]
    if sync.active and sync.connectivity == "offline":
        body.append(OfflineBanner())
    if state.error in (ACTION_FAILED, DESCRIPTION_TOO_LONG):
        body.append(Notice(t._("That didn't work"), t._("The description is too long.") if state.error == DESCRIPTION_TOO_LONG
                           else t._("Please try again. If it keeps happening, sign out and in again."), tone="error"))
    if state.notice == PROBLEM_REPORTED:
        body.append(Notice(t._("We opened a conversation about this order"),
                           t._("Our team will get back to you there, usually within one working day."),
                           tone="success", identifier="problem-reported"))
    body.extend(state_notices(detail, t))
    # A parcel running late: offer help right here, before the shopper has to ask (issue 4).
    body.extend(HelpOfferCard(o, key=o.key) for o in offers.offers_for(PARCEL_DELAYED, detail.id))  # type: ignore[call-arg]
    if detail.fulfilment == FulfilmentKind.PICKUP:
        body.append(PickupLink(detail.id, key=f"pickup-{detail.status}"))  # type: ignore[call-arg]  # issue 5

    if detail.parcels:
        can_report = bool(detail.problem_kinds)
        parcels = [ParcelCard(p, n, len(detail.parcels), can_report, key=p.id or p.tracking_number)  # type: ignore[call-arg]
                   for n, p in enumerate(detail.parcels, start=1)]
        title = t.ngettext("{count} parcel", "{count} parcels", len(detail.parcels)).format(
            count=t.number(len(detail.parcels)))
        body.append(section(title, ft.Column(parcels, spacing=12, tight=True)))
    elif detail.status in (OrderStatus.PLACED, OrderStatus.PROCESSING):
        body.append(Notice(t._("We're preparing your order"),
                           t._("You'll see the parcel and its tracking here as soon as it ships."),
                           icon=ft.Icons.INVENTORY_2_OUTLINED))

    actions: list[ft.Control] = []
    if detail.status in RETURNABLE_STATUSES and any(line.returnable for line in detail.lines):
        actions.append(ft.FilledButton(
            t._("Start a return"), icon=ft.Icons.ASSIGNMENT_RETURN_OUTLINED, height=44,
            on_click=lambda: page.navigate(f"/returns/new?order={detail.id}")))
    if detail.problem_kinds:
        actions.append(ft.OutlinedButton(t._("Report a problem"), icon=ft.Icons.REPORT_PROBLEM_OUTLINED, height=44,
                                         on_click=lambda: set_reporting(True), disabled=state.busy))
    if actions:
        body.append(ft.Row(actions, spacing=theme.S, wrap=True, run_spacing=theme.S))
    body.append(CancelAction(detail, state))
    if detail.has_return:
        body.append(ft.Row([ft.Icon(ft.Icons.ASSIGNMENT_RETURN_OUTLINED, size=18, color=ft.Colors.PRIMARY),
                            ft.Text(t._("You have a return for this order."), expand=True),
                            ft.TextButton(t._("View returns"), on_click=lambda: page.navigate("/returns"))],
                           spacing=theme.S))
    if detail.reports:
        body.append(section(t._("Your reports"), reports_card(detail, t)))
    body.append(section(t._("Items"), items_card(detail, t)))
    body.append(section(t._("Payment and delivery"), payment_and_delivery(detail, t)))

    async def submit(kind: str, description: str) -> None:
        if await state.report_problem(kind, description):
            set_reporting(False)
            show_snack(t._("Thanks, we opened a conversation about this order."))

    body.append(ReportProblemDialog(open=reporting, kinds=detail.problem_kinds, busy=state.busy,
                                    on_submit=submit, on_dismiss=lambda: set_reporting(False)))
    return DetailView(route, t._("Order {number}").format(number=detail.number), "/orders", body)


@ft.component
def OrderDetailView() -> ft.View:
    """Route component: the order id comes from the URL; a new id gets a fresh screen state."""
    order_id = ft.use_route_params().get("id", "")
    return OrderDetailPage(order_id, key=order_id)  # type: ignore[call-arg]
