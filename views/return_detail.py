"""/returns/:id: where a return stands (timeline), its drop-off QR code, what it contains, the
withdrawal acknowledgement, and changes or cancelling while allowed; refusals are shown here."""

from __future__ import annotations

from typing import TYPE_CHECKING

import flet as ft

from app.i18n import Translator
from app.state.returns import ReturnsState, ReturnView, drop_off_code
from views import theme
from views.components.detail_page import DetailView
from views.components.layout import EmptyState, Pill
from views.components.offline_banner import OfflineBanner
from views.components.qr import QrCode
from views.components.receipt import WithdrawalReceipt
from views.components.returns_text import (
    kind_label,
    reason_label,
    refund_label,
    refusal_text,
    remedy_label,
    status_chip,
    step_label,
)
from views.hooks import (
    use_app,
    use_instance,
    use_observable,
    use_translator,
    use_viewport,
)

if TYPE_CHECKING:
    from services.returns import Step
    from services.storage.rejections import RejectionRecord

QR_STATUSES = ("approved", "qr_issued")


def _card(title: str, controls: list[ft.Control], identifier: str | None = None) -> ft.Control:
    return ft.Semantics(identifier=identifier, container=True, content=ft.Card(semantic_container=False, content=ft.Container(
        padding=theme.M,
        content=ft.Column([ft.Semantics(header=True, content=ft.Text(title, theme_style=ft.TextThemeStyle.TITLE_MEDIUM,
                                                                     weight=ft.FontWeight.W_600)), *controls],
                          spacing=12, horizontal_alignment=ft.CrossAxisAlignment.STRETCH))))


@ft.component
def DropOffCode(ret: ReturnView) -> ft.Control:
    t = use_translator()
    viewport = use_viewport()
    token = ret.qr_token or ""
    code = use_instance(lambda: drop_off_code(token))
    png, until = code
    size = 240 if viewport.is_phone else 300
    return _card(t._("Your drop-off code"), [
        ft.Text(t._("Show this code at one of our stores or at a parcel shop. No printer and no label needed.")),
        ft.Row([QrCode(png, size, t._("QR code of return for order {number}").format(number=ret.order_number),
                       identifier="return-qr")], alignment=ft.MainAxisAlignment.CENTER),
        ft.Text(t._("Valid until {date}").format(date=t.date(until, format="long")) if until else "",
                color=ft.Colors.ON_SURFACE_VARIANT, text_align=ft.TextAlign.CENTER, size=13),
    ], identifier="drop-off")


def _step_row(step: Step, ret: ReturnView, t: Translator, last: bool) -> ft.Control:
    done, current = step.state == "done", step.state == "current"
    bad = step.status in ("rejected", "cancelled", "cancel_pending")
    colour = (ft.Colors.ERROR if bad else ft.Colors.PRIMARY) if (done or current) else ft.Colors.OUTLINE
    icon = ft.Icons.CHECK_CIRCLE if done else (ft.Icons.RADIO_BUTTON_CHECKED if current else ft.Icons.CIRCLE_OUTLINED)
    if bad:
        icon = ft.Icons.CANCEL
    text = step_label(step.status, ret.kind, t)
    lines: list[ft.Control] = [ft.Text(text, weight=ft.FontWeight.W_600 if current else ft.FontWeight.W_500,
                                       color=None if (done or current) else ft.Colors.ON_SURFACE_VARIANT)]
    if step.at is not None:
        lines.append(ft.Text(t.datetime(step.at, format="medium"), size=12, color=ft.Colors.ON_SURFACE_VARIANT))
    if step.status == "refunded" and ret.refund_amount is not None and step.at is not None:
        lines.append(ft.Text(t._("{amount} refunded on {date}").format(amount=t.money(ret.refund_amount, ret.currency),
                                                                       date=t.date(step.at, format="long")),
                             color=ft.Colors.PRIMARY, weight=ft.FontWeight.W_500))
    rail = ft.Column([ft.Icon(icon, color=colour, size=22),
                      ft.Container(width=2, height=18, bgcolor=ft.Colors.OUTLINE_VARIANT, visible=not last)],
                     spacing=2, horizontal_alignment=ft.CrossAxisAlignment.CENTER, tight=True)
    return ft.Row([rail, ft.Column(lines, spacing=0, expand=True)], vertical_alignment=ft.CrossAxisAlignment.START,
                  spacing=12)


def _line_text(ret: ReturnView, t: Translator) -> list[ft.Control]:
    out: list[ft.Control] = []
    for line in ret.lines:
        name = t._("{name} ({variant})").format(name=line.name, variant=line.variant) if line.variant else line.name
        rows: list[ft.Control] = [ft.Text(t._("{count} × {name}").format(count=t.number(line.quantity), name=name),
                                          weight=ft.FontWeight.W_500)]
        if line.reason:
            rows.append(ft.Text(reason_label(line.reason, t), size=13, color=ft.Colors.ON_SURFACE_VARIANT))
        if line.exchange_variant:
            rows.append(ft.Text(t._("Exchange for {variant}").format(variant=line.exchange_variant), size=13,
                                color=ft.Colors.PRIMARY))
        out.append(ft.Column(rows, spacing=0))
    return out


@ft.component
def Refusal(rejection: RejectionRecord, state: ReturnsState) -> ft.Control:
    t = use_translator()

    async def dismiss(_: ft.Event[ft.TextButton]) -> None:
        await state.dismiss([rejection.id])

    title = t._("Your change was not saved") if rejection.name == "return.update" else (
        t._("Your cancellation was not accepted") if rejection.name == "return.cancel" else t._("Not accepted"))
    return ft.Semantics(identifier="return-refusal", container=True, live_region=True, content=ft.Container(
        padding=theme.M, border_radius=theme.CARD_RADIUS, bgcolor=ft.Colors.ERROR_CONTAINER,
        content=ft.Column([
            ft.Row([ft.Icon(ft.Icons.ERROR_OUTLINE, color=ft.Colors.ON_ERROR_CONTAINER),
                    ft.Text(title, weight=ft.FontWeight.W_600, color=ft.Colors.ON_ERROR_CONTAINER, expand=True)],
                   spacing=theme.S),
            ft.Text(refusal_text(rejection.code, t, server_message=rejection.message),
                    color=ft.Colors.ON_ERROR_CONTAINER),
            ft.Row([ft.TextButton(t._("Dismiss"), on_click=dismiss)], alignment=ft.MainAxisAlignment.END),
        ], spacing=theme.XS)))


@ft.component
def Changes(ret: ReturnView, state: ReturnsState) -> ft.Control:
    t = use_translator()
    page = ft.context.page
    comment, set_comment = ft.use_state(ret.comment or "")

    async def save_comment(_: ft.Event[ft.OutlinedButton]) -> None:
        if await state.update(ret.id, comment=comment):
            page.show_dialog(ft.SnackBar(ft.Text(t._("Change saved. It is sent with the next sync."))))

    async def on_refund(e: ft.Event[ft.RadioGroup]) -> None:
        if e.control.value:
            await state.update(ret.id, refund_method=e.control.value)

    async def really_cancel(_: ft.Event[ft.Button]) -> None:
        page.pop_dialog()
        await state.cancel(ret.id)

    def ask_cancel(_: ft.Event[ft.OutlinedButton]) -> None:
        page.show_dialog(ft.AlertDialog(
            title=ft.Text(t._("Cancel this return?")),
            content=ft.Text(t._("Your items stay with you and the drop-off code stops working.")),
            actions=[ft.TextButton(t._("Keep return"), on_click=lambda _: page.pop_dialog()),
                     ft.FilledButton(t._("Cancel return"), on_click=really_cancel,
                                     style=ft.ButtonStyle(bgcolor=ft.Colors.ERROR, color=ft.Colors.ON_ERROR))],
        ))

    controls: list[ft.Control] = [
        ft.TextField(label=t._("Comment") if ret.kind != "warranty_claim" else t._("Describe the defect"),
                     value=comment, multiline=True, min_lines=2, max_lines=6, max_length=4000,
                     on_change=lambda e: set_comment(e.control.value or "")),
        ft.Row([ft.OutlinedButton(t._("Save comment"), icon=ft.Icons.SAVE_OUTLINED, on_click=save_comment,
                                  disabled=(comment.strip() or None) == ret.comment)]),
    ]
    if ret.kind in ("withdrawal", "return"):
        controls += [
            ft.Text(t._("Refund method"), size=13, color=ft.Colors.ON_SURFACE_VARIANT),
            ft.RadioGroup(value=ret.refund_method, on_change=on_refund, content=ft.Column([
                ft.Radio(value="original_payment", label=t._("Refund to the original payment method")),
                ft.Radio(value="store_credit", label=t._("Store credit")),
            ], spacing=0)),
        ]
    controls.append(ft.Divider())
    controls.append(ft.Row([ft.OutlinedButton(t._("Cancel return"), icon=ft.Icons.CLOSE, on_click=ask_cancel,
                                              style=ft.ButtonStyle(color=ft.Colors.ERROR))]))
    return _card(t._("Change or cancel"), controls, identifier="return-changes")


@ft.component
def ReturnDetailView() -> ft.View:
    ctx = use_app()
    t = use_translator()
    state = use_observable(ctx.session.returns)
    sync = use_observable(ctx.session.sync)
    return_id = ft.use_route_params().get("id", "")
    route = f"/returns/{return_id}"
    ret = state.find(return_id)
    refusals = [r for r in state.rejections if r.args.get("return_id") == return_id]

    if not state.loaded:
        return DetailView(route, t._("Return"), "/returns",
                          [ft.Container(ft.ProgressRing(), alignment=ft.Alignment.CENTER, padding=48)])
    if ret is None:
        controls: list[ft.Control] = [Refusal(r, state, key=f"refusal-{r.id}") for r in refusals]  # type: ignore[call-arg]
        if not refusals:
            controls.append(EmptyState(ft.Icons.SEARCH_OFF, t._("Return not found"),
                                       t._("It may have been cancelled or is not on this device.")))
        return DetailView(route, t._("Return"), "/returns", controls)

    chip = status_chip(ret.status, t, ret.pending)
    when = ret.declared_at or ret.created_at
    controls = [OfflineBanner()] if sync.active and sync.connectivity == "offline" else []
    controls.append(ft.Column([
        ft.Text(t._("{kind} · order {number}").format(kind=kind_label(ret.kind, t), number=ret.order_number),
                theme_style=ft.TextThemeStyle.TITLE_LARGE, weight=ft.FontWeight.W_600),
        ft.Text(t._("Started on {date}").format(date=t.datetime(when, format="medium")),
                color=ft.Colors.ON_SURFACE_VARIANT),
        ft.Container(Pill(chip.label, chip.fg, chip.bg, chip.icon), margin=ft.Margin.only(top=theme.XS)),
    ], spacing=2))
    controls += [Refusal(r, state, key=f"refusal-{r.id}") for r in refusals]  # type: ignore[call-arg]
    if ret.pending:
        controls.append(ft.Text(t._("Saved on this device. It is sent as soon as you're online; then you get your "
                                    "drop-off code here."), color=ft.Colors.TERTIARY))
    if ret.qr_token and ret.status in QR_STATUSES:
        controls.append(DropOffCode(ret, key=ret.qr_token))  # type: ignore[call-arg]
    if ret.kind == "withdrawal":
        controls.append(WithdrawalReceipt(ret, declared_at=ret.declared_at))
    if ret.kind == "warranty_claim" and ret.status == "requested" and not ret.pending:
        controls.append(ft.Text(t._("We're looking at your claim and will tell you here how we'll fix it."),
                                color=ft.Colors.ON_SURFACE_VARIANT))
    steps = list(ret.steps)
    controls.append(_card(t._("Progress"), [_step_row(s, ret, t, n == len(steps) - 1) for n, s in enumerate(steps)],
                          identifier="return-timeline"))
    details: list[ft.Control] = _line_text(ret, t)
    if ret.kind == "warranty_claim":
        details.append(ft.Text(t._("Requested: {remedy}").format(remedy=remedy_label(ret.remedy, t))))
        if ret.attachment_count:
            details.append(ft.Text(t.ngettext("{count} photo attached", "{count} photos attached",
                                              ret.attachment_count).format(count=t.number(ret.attachment_count)),
                                   color=ft.Colors.ON_SURFACE_VARIANT))
    elif ret.kind != "exchange":
        details.append(ft.Text(refund_label(ret.refund_method, t)))
    if ret.comment:
        details.append(ft.Text(t._("“{comment}”").format(comment=ret.comment), italic=True))
    controls.append(_card(t._("What you're sending back") if ret.kind != "warranty_claim" else t._("Your claim"),
                          details, identifier="return-items"))
    if ret.editable:
        controls.append(Changes(ret, state, key=f"changes-{ret.id}-{ret.comment}"))  # type: ignore[call-arg]
    return DetailView(route, kind_label(ret.kind, t), "/returns", controls)
