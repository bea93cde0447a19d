"""The acknowledgement of a withdrawal (CRD Art. 11a): what was withdrawn, its id, date and time,
on screen and as a text file the shopper can keep."""

from __future__ import annotations

import logging
from datetime import datetime

import flet as ft

from app.i18n import Translator
from app.state.returns import ReturnView
from views import theme
from views.components.returns_text import refund_label
from views.hooks import use_translator

logger = logging.getLogger(__name__)


def receipt_lines(ret: ReturnView, t: Translator, declared_at: datetime | None) -> list[tuple[str, str]]:
    """(label, value) pairs of the acknowledgement, shared by the screen and the saved file."""
    rows = [
        (t._("Withdrawal number"), ret.id),
        (t._("Order"), ret.order_number),
    ]
    for line in ret.lines:
        name = line.name if not line.variant else t._("{name} ({variant})").format(name=line.name, variant=line.variant)
        rows.append((t._("Item"), t._("{count} × {name}").format(count=t.number(line.quantity), name=name)))
    if declared_at is not None:
        rows.append((t._("Declared on this device"), t.datetime(declared_at, format="long")))
    if not ret.pending:
        rows.append((t._("Received by us"), t.datetime(ret.created_at, format="long")))
    rows.append((t._("Refund"), refund_label(ret.refund_method, t)))
    return rows


def receipt_text(ret: ReturnView, t: Translator, declared_at: datetime | None) -> str:
    title = t._("nahtlos: acknowledgement of your withdrawal")
    body = "\n".join(f"{label}: {value}" for label, value in receipt_lines(ret, t, declared_at))
    return f"{title}\n\n{body}\n"


@ft.component
def WithdrawalReceipt(ret: ReturnView, declared_at: datetime | None = None) -> ft.Control:
    """The acknowledgement card; while queued it says so, once received it shows our time."""
    t = use_translator()
    page = ft.context.page
    saved, set_saved = ft.use_state(False)

    async def save(_: ft.Event[ft.OutlinedButton]) -> None:
        data = receipt_text(ret, t, declared_at).encode("utf-8")
        try:
            await ft.FilePicker().save_file(file_name=f"widerruf-{ret.order_number or ret.id}.txt", src_bytes=data,
                                            dialog_title=t._("Save acknowledgement"))
        except Exception:
            logger.exception("saving the acknowledgement failed")
            page.show_dialog(ft.SnackBar(ft.Text(t._("The file could not be saved. Please take a screenshot."))))
            return
        set_saved(True)

    if ret.pending:
        icon, title = ft.Icons.CLOUD_UPLOAD_OUTLINED, t._("Withdrawal saved: it is sent as soon as you're online")
        tone, on_tone = ft.Colors.TERTIARY_CONTAINER, ft.Colors.ON_TERTIARY_CONTAINER
    else:
        icon, title = ft.Icons.VERIFIED_OUTLINED, t._("Withdrawal received")
        tone, on_tone = ft.Colors.PRIMARY_CONTAINER, ft.Colors.ON_PRIMARY_CONTAINER
    rows = [
        ft.Row(
            [ft.Text(label, color=ft.Colors.ON_SURFACE_VARIANT, width=170, size=13),
             ft.Text(value, expand=True, weight=ft.FontWeight.W_500)],
            vertical_alignment=ft.CrossAxisAlignment.START, wrap=False,
        )
        for label, value in receipt_lines(ret, t, declared_at)
    ]
    return ft.Semantics(
        identifier="withdrawal-receipt",
        content=ft.Card(
            semantic_container=False,
            content=ft.Column(
                [
                    ft.Container(
                        bgcolor=tone,
                        padding=theme.M,
                        border_radius=ft.BorderRadius.only(top_left=theme.CARD_RADIUS, top_right=theme.CARD_RADIUS),
                        content=ft.Row([ft.Icon(icon, color=on_tone),
                                        ft.Text(title, weight=ft.FontWeight.W_600, color=on_tone, expand=True)],
                                       spacing=theme.S),
                    ),
                    ft.Container(
                        padding=ft.Padding.only(left=theme.M, right=theme.M, bottom=theme.M),
                        content=ft.Column(
                            [
                                *rows,
                                ft.Text(t._("Keep this acknowledgement. We have also saved it with your return."),
                                        size=12, color=ft.Colors.ON_SURFACE_VARIANT),
                                ft.Row([ft.OutlinedButton(t._("Saved") if saved else t._("Save acknowledgement"),
                                                          icon=ft.Icons.DOWNLOAD_DONE if saved else ft.Icons.DOWNLOAD,
                                                          on_click=save)], wrap=True),
                            ],
                            spacing=theme.S,
                        ),
                    ),
                ],
                spacing=theme.M,
            ),
        ),
    )
