"""A parcel as the tracking screens show it: carrier, copyable tracking number, estimated
delivery, a delayed/problem notice with what happens next, and the checkpoint timeline
(newest first, in the shopper's time zone). Used signed in and by the guest lookup."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

import flet as ft

from app.i18n import Translator
from app.protocol.entities import ShipmentStatus
from views import theme
from views.components.icon_action import IconAction
from views.components.layout import Pill
from views.components.notice import Notice, show_snack
from views.hooks import use_translator

if TYPE_CHECKING:
    from services.tracking import Checkpoint, Parcel

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ParcelStyle:
    label: str
    icon: ft.IconData
    fg: str
    bg: str


def parcel_style(parcel: Parcel, t: Translator) -> ParcelStyle:
    c = ft.Colors
    if parcel.problem:
        if parcel.status == ShipmentStatus.RETURNED_TO_SENDER:
            return ParcelStyle(t._("Returned to us"), ft.Icons.UNDO, c.ON_ERROR_CONTAINER, c.ERROR_CONTAINER)
        return ParcelStyle(t._("Problem"), ft.Icons.REPORT_GMAILERRORRED, c.ON_ERROR_CONTAINER, c.ERROR_CONTAINER)
    if parcel.delivered:
        return ParcelStyle(t._("Delivered"), ft.Icons.CHECK_CIRCLE_OUTLINE, c.GREEN_800, c.GREEN_50)
    if parcel.delayed:
        return ParcelStyle(t._("Delayed"), ft.Icons.SCHEDULE, c.BROWN_900, c.AMBER_100)
    if parcel.status == ShipmentStatus.OUT_FOR_DELIVERY:
        return ParcelStyle(t._("Out for delivery"), ft.Icons.LOCAL_SHIPPING, c.BLUE_800, c.BLUE_50)
    if parcel.status == ShipmentStatus.LABEL_CREATED:
        return ParcelStyle(t._("Label created"), ft.Icons.INVENTORY_2_OUTLINED, c.BLUE_GREY_800, c.BLUE_GREY_50)
    return ParcelStyle(t._("In transit"), ft.Icons.LOCAL_SHIPPING_OUTLINED, c.BLUE_800, c.BLUE_50)


def delivery_line(parcel: Parcel, t: Translator) -> str | None:
    """When it arrived, or when it should: a date range from the carrier's estimate."""
    if parcel.delivered_at is not None:
        return t._("Delivered on {date}").format(date=t.moment(parcel.delivered_at))
    if parcel.estimated_from is not None and parcel.estimated_to is not None:
        return t._("Expected {dates}").format(dates=t.date_range(parcel.estimated_from, parcel.estimated_to))
    if parcel.estimated_to is not None:
        return t._("Expected by {date}").format(date=t.date(parcel.estimated_to, "full"))
    return None


def attention_notice(parcel: Parcel, t: Translator, can_report: bool) -> ft.Control | None:
    """The clear flag a late or troubled parcel needs, and what happens next."""
    if parcel.problem:
        body = t._("The carrier reported a problem with this parcel. We are checking it with them and will "
                   "contact you within one working day. You don't need to do anything.")
        if can_report:
            body = t._("The carrier reported a problem with this parcel. We are checking it with them and will "
                       "contact you within one working day. If you'd like to tell us more, report a problem below.")
        return Notice(t._("There is a problem with this parcel"), body, tone="error", identifier="parcel-problem")
    if parcel.delayed:
        if parcel.estimated_to is not None and parcel.estimated_from is not None:
            body = t._("The carrier now expects to deliver it {dates}. Nothing is lost: we keep an eye on it. "
                       "If it hasn't arrived two days after that, report it as not received and we'll send a "
                       "replacement or refund you.").format(dates=t.date_range(parcel.estimated_from,
                                                                                 parcel.estimated_to))
        else:
            body = t._("Nothing is lost: we keep an eye on it. If it hasn't arrived within five working days, "
                       "report it as not received and we'll send a replacement or refund you.")
        return Notice(t._("This parcel is delayed"), body, tone="warning", identifier="parcel-delayed")
    return None


def Timeline(events: tuple[Checkpoint, ...], t: Translator) -> ft.Control:
    """Checkpoints newest first: a dot per checkpoint on one continuous line."""
    rows: list[ft.Control] = []
    for n, event in enumerate(events):
        newest, last = n == 0, n == len(events) - 1
        meta = t.moment(event.at)
        if event.location:
            meta = t._("{place} · {when}").format(place=event.location, when=meta)
        texts = ft.Column(
            [
                ft.Text(event.text(t.locale), weight=ft.FontWeight.W_600 if newest else ft.FontWeight.W_400,
                        color=ft.Colors.ON_SURFACE if newest else ft.Colors.ON_SURFACE_VARIANT),
                ft.Text(meta, size=12, color=ft.Colors.ON_SURFACE_VARIANT),
            ],
            spacing=2,
            tight=True,
        )
        dot = ft.Container(
            width=14, height=14, border_radius=7, left=0, top=3,
            bgcolor=ft.Colors.PRIMARY if newest else ft.Colors.SURFACE_CONTAINER_LOWEST,
            border=ft.Border.all(2, ft.Colors.PRIMARY if newest else ft.Colors.OUTLINE),
        )
        body = ft.Container(
            texts,
            margin=ft.Margin.only(left=6),
            padding=ft.Padding.only(left=20, bottom=0 if last else theme.M),
            # The last checkpoint has no line below it, but keeps the border's width so texts align.
            border=ft.Border.only(left=ft.BorderSide(2, ft.Colors.TRANSPARENT if last else ft.Colors.OUTLINE_VARIANT)),
        )
        rows.append(ft.Semantics(container=True, content=ft.Stack([body, dot])))
    return ft.Column(rows, spacing=0, tight=True)


@ft.component
def ParcelCard(parcel: Parcel, position: int, count: int, can_report: bool = False) -> ft.Control:
    """One parcel in a card. ``position``/``count`` name it ("Parcel 1 of 2") when there are several."""
    t = use_translator()
    style = parcel_style(parcel, t)

    async def copy(_: object = None) -> None:
        try:
            await ft.Clipboard().set(parcel.tracking_number)
        except Exception:
            # Browsers may refuse the clipboard (no permission): say so instead of failing.
            logger.warning("copying the tracking number failed", exc_info=True)
            show_snack(t._("Copying didn't work. The tracking number is {number}.").format(
                number=parcel.tracking_number))
            return
        show_snack(t._("Tracking number copied"))

    title = parcel.carrier
    if count > 1:
        title = t._("Parcel {position} of {count} · {carrier}").format(
            position=t.number(position), count=t.number(count), carrier=parcel.carrier)
    header = ft.Row(
        [
            ft.Semantics(header=True, content=ft.Text(title, theme_style=ft.TextThemeStyle.TITLE_MEDIUM,
                                                      weight=ft.FontWeight.W_600)),
            Pill(style.label, style.fg, style.bg, style.icon),
        ],
        alignment=ft.MainAxisAlignment.SPACE_BETWEEN,
        wrap=True,
        run_spacing=theme.XS,
    )
    controls: list[ft.Control] = [header]
    when = delivery_line(parcel, t)
    if when:
        controls.append(ft.Text(when, theme_style=ft.TextThemeStyle.BODY_LARGE, weight=ft.FontWeight.W_500))
    if parcel.item_names:
        controls.append(ft.Text(", ".join(parcel.item_names), color=ft.Colors.ON_SURFACE_VARIANT, size=14))
    elif parcel.item_count:
        items = t.ngettext("{count} item", "{count} items", parcel.item_count).format(
            count=t.number(parcel.item_count))
        controls.append(ft.Text(items, color=ft.Colors.ON_SURFACE_VARIANT, size=14))
    notice = attention_notice(parcel, t, can_report)
    if notice is not None:
        controls.append(notice)
    controls.append(
        ft.Container(
            padding=ft.Padding.only(left=theme.M, right=theme.XS, top=theme.XS, bottom=theme.XS),
            border_radius=12,
            bgcolor=ft.Colors.SURFACE_CONTAINER,
            content=ft.Row(
                [
                    ft.Column(
                        [
                            ft.Text(t._("Tracking number"), size=12, color=ft.Colors.ON_SURFACE_VARIANT),
                            ft.Text(parcel.tracking_number, font_family="monospace", weight=ft.FontWeight.W_500),
                        ],
                        spacing=0,
                        expand=True,
                        tight=True,
                    ),
                    IconAction(ft.Icons.CONTENT_COPY, t._("Copy tracking number"), copy,
                               identifier=f"copy-{parcel.tracking_number}"),
                ],
                vertical_alignment=ft.CrossAxisAlignment.CENTER,
            ),
        )
    )
    if parcel.events:
        controls.append(ft.Container(Timeline(parcel.events, t), margin=ft.Margin.only(top=theme.S)))
    # Not one merged node: a screen reader steps through status, dates and each checkpoint.
    return ft.Card(
        semantic_container=False,
        content=ft.Container(padding=theme.M, content=ft.Column(controls, spacing=12, tight=True)),
    )
