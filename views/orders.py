"""Orders tab: the cached orders list, newest first, readable offline; filters, refresh, and a
tap on an order opens its detail (views.order_detail)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import flet as ft

from app.i18n import Translator
from app.protocol.entities import OrderStatus
from app.state.orders import (
    FILTER_ALL,
    FILTER_DELIVERED,
    FILTER_OPEN,
    FILTER_RETURNS,
    FILTERS,
)
from views import theme
from views.components.icon_action import IconAction
from views.components.layout import EmptyState, Pill, ScreenBody
from views.components.offline_banner import OfflineBanner
from views.hooks import use_app, use_observable, use_translator

if TYPE_CHECKING:
    from services.orders import OrderSummary

CANCEL_PENDING = "cancel_pending"


@dataclass(frozen=True)
class StatusStyle:
    label: str
    icon: ft.IconData
    fg: str
    bg: str


def status_style(status: str, t: Translator) -> StatusStyle:
    """Label and colour of an order status; each family of states has its own hue."""
    c = ft.Colors
    if status == OrderStatus.PLACED:
        return StatusStyle(t._("Ordered"), ft.Icons.RECEIPT_OUTLINED, c.BLUE_GREY_800, c.BLUE_GREY_50)
    if status == OrderStatus.PROCESSING:
        return StatusStyle(t._("Being prepared"), ft.Icons.INVENTORY_2_OUTLINED, c.BLUE_GREY_800, c.BLUE_GREY_50)
    if status == OrderStatus.SHIPPED:
        return StatusStyle(t._("On its way"), ft.Icons.LOCAL_SHIPPING_OUTLINED, c.BLUE_800, c.BLUE_50)
    if status == OrderStatus.PARTIALLY_DELIVERED:
        return StatusStyle(t._("Partly delivered"), ft.Icons.LOCAL_SHIPPING_OUTLINED, c.BLUE_800, c.BLUE_50)
    if status == OrderStatus.DELIVERED:
        return StatusStyle(t._("Delivered"), ft.Icons.CHECK_CIRCLE_OUTLINE, c.GREEN_800, c.GREEN_50)
    if status == OrderStatus.READY_FOR_PICKUP:
        return StatusStyle(t._("Ready for pickup"), ft.Icons.STOREFRONT_OUTLINED, c.AMBER_900, c.AMBER_50)
    if status == OrderStatus.COLLECTED:
        return StatusStyle(t._("Collected"), ft.Icons.CHECK_CIRCLE_OUTLINE, c.GREEN_800, c.GREEN_50)
    if status == OrderStatus.CANCELLED:
        return StatusStyle(t._("Cancelled"), ft.Icons.BLOCK, c.GREY_700, c.GREY_200)
    if status == CANCEL_PENDING:
        return StatusStyle(t._("Cancellation requested"), ft.Icons.HOURGLASS_TOP, c.DEEP_ORANGE_900, c.DEEP_ORANGE_50)
    return StatusStyle(t._("In progress"), ft.Icons.RECEIPT_OUTLINED, c.BLUE_GREY_800, c.BLUE_GREY_50)


def Thumbnail(order: OrderSummary) -> ft.Control:
    """Product image of the first item over a tinted bag icon.

    The icon sits underneath rather than in an error callback: a missing or slow image
    then still leaves a deliberate-looking tile instead of a blank square.
    """
    layers: list[ft.Control] = [
        ft.Container(
            alignment=ft.Alignment.CENTER,
            content=ft.Icon(ft.Icons.SHOPPING_BAG_OUTLINED, color=ft.Colors.ON_SECONDARY_CONTAINER, size=28),
        )
    ]
    if order.thumbnail:
        layers.append(
            ft.Image(src=order.thumbnail, fit=ft.BoxFit.COVER, width=64, height=64, error_content=ft.Container())
        )
    return ft.Semantics(
        exclude_semantics=True,
        content=ft.Container(
            width=64,
            height=64,
            border_radius=12,
            bgcolor=ft.Colors.SECONDARY_CONTAINER,
            clip_behavior=ft.ClipBehavior.ANTI_ALIAS,
            content=ft.Stack(layers, width=64, height=64),
        ),
    )


@ft.component
def OrderCard(order: OrderSummary) -> ft.Control:
    """One order: number and total, what was bought, when, and where it stands."""
    t = use_translator()
    style = status_style(order.status, t)
    badges: list[ft.Control] = [Pill(style.label, style.fg, style.bg, style.icon)]
    if order.attention == "problem":
        badges.append(Pill(t._("Parcel problem"), ft.Colors.ON_ERROR_CONTAINER, ft.Colors.ERROR_CONTAINER,
                           ft.Icons.REPORT_GMAILERRORRED))
    elif order.attention == "delayed":
        badges.append(Pill(t._("Delayed"), ft.Colors.BROWN_900, ft.Colors.AMBER_100, ft.Icons.SCHEDULE))
    if order.has_return:
        badges.append(Pill(t._("Return"), ft.Colors.ON_SECONDARY_CONTAINER, ft.Colors.SECONDARY_CONTAINER,
                           ft.Icons.ASSIGNMENT_RETURN_OUTLINED))
    if order.pending:
        badges.append(
            ft.Semantics(
                identifier=f"pending-{order.number}",
                label=t._("Change not yet synced"),
                content=Pill(
                    t._("Not yet synced"),
                    ft.Colors.ON_TERTIARY_CONTAINER,
                    ft.Colors.TERTIARY_CONTAINER,
                    ft.Icons.CLOUD_UPLOAD_OUTLINED,
                ),
            )
        )
    item_count = t.ngettext("{count} item", "{count} items", order.item_count).format(count=t.number(order.item_count))
    details = ft.Column(
        [
            ft.Row(
                [
                    ft.Text(order.number, theme_style=ft.TextThemeStyle.TITLE_MEDIUM, weight=ft.FontWeight.W_600),
                    ft.Text(
                        t.money(order.total, order.currency),
                        theme_style=ft.TextThemeStyle.TITLE_MEDIUM,
                        weight=ft.FontWeight.W_600,
                    ),
                ],
                alignment=ft.MainAxisAlignment.SPACE_BETWEEN,
            ),
            ft.Text(order.first_item_name, max_lines=2, overflow=ft.TextOverflow.ELLIPSIS),
            ft.Text(
                t._("{date} · {items}").format(date=t.date(order.placed_at), items=item_count),
                theme_style=ft.TextThemeStyle.BODY_SMALL,
                color=ft.Colors.ON_SURFACE_VARIANT,
            ),
            ft.Container(
                ft.Row(badges, spacing=theme.S, wrap=True, run_spacing=theme.XS), margin=ft.Margin.only(top=theme.XS)
            ),
        ],
        spacing=2,
        expand=True,
    )
    # One semantics node per order, so a screen reader reads (and skips) whole orders.
    def open_detail() -> None:
        ft.context.page.navigate(f"/orders/{order.id}")

    return ft.Semantics(
        container=True,
        identifier=f"order-{order.number}",
        content=ft.Card(
            clip_behavior=ft.ClipBehavior.ANTI_ALIAS,
            content=ft.Container(
                padding=theme.M,
                ink=True,
                on_click=open_detail,
                content=ft.Row(
                    [
                        Thumbnail(order),
                        details,
                        ft.Icon(ft.Icons.CHEVRON_RIGHT, color=ft.Colors.ON_SURFACE_VARIANT),
                    ],
                    spacing=theme.M,
                    vertical_alignment=ft.CrossAxisAlignment.CENTER,
                ),
            ),
        ),
    )


def filter_label(name: str, t: Translator) -> str:
    labels = {
        FILTER_ALL: t._("All"),
        FILTER_OPEN: t._("Open"),
        FILTER_DELIVERED: t._("Delivered"),
        FILTER_RETURNS: t._("Returns"),
    }
    return labels[name]


def empty_filter_text(name: str, t: Translator) -> tuple[str, str]:
    if name == FILTER_OPEN:
        return t._("Nothing on its way"), t._("All your orders have arrived or were collected.")
    if name == FILTER_DELIVERED:
        return t._("Nothing delivered yet"), t._("Orders show up here once they have arrived.")
    return t._("No returns"), t._("Orders you send something back from show up here.")


@ft.component
def FilterBar() -> ft.Control:
    ctx = use_app()
    t = use_translator()
    orders = use_observable(ctx.session.orders)
    chips: list[ft.Control] = []
    for name in FILTERS:
        label = t._("{filter} ({count})").format(filter=filter_label(name, t), count=t.number(orders.count(name)))

        def choose(_: object = None, name: str = name) -> None:
            orders.set_filter(name)

        chips.append(ft.Chip(label=ft.Text(label), selected=orders.filter == name, on_select=choose,
                             show_checkmark=False))
    # One line that scrolls sideways on narrow phones, instead of a second row of chips.
    return ft.Row(chips, spacing=theme.S, scroll=ft.ScrollMode.HIDDEN)


@ft.component
def OrdersScreen() -> ft.Control:
    """The list, its empty state, and a first-load spinner; never blocked on the network."""
    ctx = use_app()
    t = use_translator()
    orders = use_observable(ctx.session.orders)
    sync = use_observable(ctx.session.sync)

    async def retry() -> None:
        await orders.refresh()

    async def pull_to_refresh(_: object = None) -> None:
        await orders.pull_to_refresh()

    if orders.error and not orders.orders:
        return ScreenBody(
            [
                EmptyState(
                    ft.Icons.ERROR_OUTLINE,
                    t._("Your saved orders couldn't be opened"),
                    t._("Please try again. If it keeps happening, sign out and in again."),
                    ft.OutlinedButton(t._("Try again"), icon=ft.Icons.REFRESH, on_click=retry),
                )
            ]
        )
    if not orders.loaded:
        return ft.Container(
            expand=True,
            alignment=ft.Alignment.CENTER,
            content=ft.Column(
                [ft.ProgressRing(), ft.Text(t._("Loading your orders…"), color=ft.Colors.ON_SURFACE_VARIANT)],
                tight=True,
                spacing=theme.M,
                horizontal_alignment=ft.CrossAxisAlignment.CENTER,
            ),
        )
    # Offline is normal: the cached list stays, with a note on how fresh it is.
    banner: list[ft.Control] = [OfflineBanner()] if sync.active and sync.connectivity == "offline" else []
    if not orders.orders:
        body = t._("When you order online or in a store, your orders appear here, even when you're offline.")
        if sync.syncing or sync.connectivity == "connecting":
            body = t._("We're checking for your orders right now.")
        return ScreenBody([*banner, EmptyState(ft.Icons.RECEIPT_LONG_OUTLINED, t._("No orders yet"), body)])

    visible = orders.visible
    count = len(visible)
    refresh_icon: ft.Control = IconAction(ft.Icons.REFRESH, t._("Refresh orders"), pull_to_refresh,
                                          identifier="refresh-orders")
    if orders.refreshing:
        refresh_icon = ft.Container(ft.ProgressRing(width=20, height=20, stroke_width=2), padding=12)
    header = ft.Row(
        [
            ft.Text(
                t.ngettext("{count} order, newest first", "{count} orders, newest first", count).format(
                    count=t.number(count)),
                theme_style=ft.TextThemeStyle.LABEL_LARGE,
                color=ft.Colors.ON_SURFACE_VARIANT,
                expand=True,
            ),
            refresh_icon,
        ],
        vertical_alignment=ft.CrossAxisAlignment.CENTER,
    )
    notes: list[ft.Control] = []
    if orders.offline and not banner:
        notes.append(ft.Text(t._("Couldn't reach us just now. Showing what is saved on this device."),
                             size=13, color=ft.Colors.ON_SURFACE_VARIANT))
    if not visible:
        title, body_text = empty_filter_text(orders.filter, t)
        content: list[ft.Control] = [EmptyState(ft.Icons.FILTER_LIST_OFF, title, body_text,
                                                ft.TextButton(t._("Show all orders"),
                                                              on_click=lambda: orders.set_filter(FILTER_ALL)))]
    else:
        # `key` keeps each card's component state attached to its order when the list reorders.
        content = [OrderCard(order, key=order.id) for order in visible]  # type: ignore[call-arg]
    return ScreenBody([*banner, FilterBar(), header, *notes, *content], spacing=12)
