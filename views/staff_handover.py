"""The handover steps on the staff tablet: items and who may collect -> ID check (age-restricted
items only) -> proof (recipient name, "items complete", optional signature) -> confirmation."""

from __future__ import annotations

from typing import Any

import flet as ft

from app.i18n import Translator
from app.state.staff import (
    ACTION_FAILED,
    ITEMS_NOT_CONFIRMED,
    NAME_REQUIRED,
    STEP_AGE,
    STEP_DONE,
    STEP_ITEMS,
    STEP_PROOF,
    HandoverDraft,
    StaffState,
)
from views import theme
from views.components.layout import Pill
from views.components.notice import Notice
from views.hooks import use_observable, use_translator
from views.staff_signature import SignaturePad


def draft_error(code: str | None, t: Translator) -> str | None:
    if code is None:
        return None
    texts = {
        "age_check_required": t._("Please confirm the ID check first."),
        ITEMS_NOT_CONFIRMED: t._("Please confirm that all items are complete."),
        NAME_REQUIRED: t._("Please enter the name of the person collecting."),
        "recipient_not_allowed": t._("Only the customer or the person they named may collect this order."),
        "already_handed_over": t._("This order has already been handed over."),
        ACTION_FAILED: t._("That didn't work. Please try again."),
    }
    return texts.get(code, t._("That didn't work. Please try again."))


def step_title(step: str, t: Translator) -> str:
    return {STEP_ITEMS: t._("Check the items"), STEP_AGE: t._("Check ID"),
            STEP_PROOF: t._("Record the handover")}.get(step, "")


def _items(draft: HandoverDraft, t: Translator) -> ft.Control:
    rows: list[ft.Control] = []
    for item in draft.pickup.get("items") or []:
        parts: list[ft.Control] = [
            ft.Text(t._("{quantity} ×").format(quantity=item["quantity"]), weight=ft.FontWeight.W_700, width=40),
            ft.Column([ft.Text(item["name"], weight=ft.FontWeight.W_500),
                       ft.Text(item.get("variant") or item.get("sku", ""), size=12,
                               color=ft.Colors.ON_SURFACE_VARIANT)], spacing=0, tight=True, expand=True),
        ]
        if item.get("age_restricted"):
            parts.append(Pill(t._("18+"), ft.Colors.ON_TERTIARY_CONTAINER, ft.Colors.TERTIARY_CONTAINER,
                              ft.Icons.BADGE_OUTLINED))
        rows.append(ft.Row(parts, spacing=theme.S))
    return ft.Column(rows, spacing=theme.M, tight=True)


def _who(draft: HandoverDraft, t: Translator) -> ft.Control:
    pickup = draft.pickup
    lines: list[ft.Control] = [ft.Text(t._("Who may collect"), size=12, color=ft.Colors.ON_SURFACE_VARIANT),
             ft.Text(t._("{name} (customer)").format(name=pickup.get("customer_name", "")),
                     weight=ft.FontWeight.W_600)]
    if draft.delegate_name:
        lines.append(ft.Text(t._("{name} (named by the customer)").format(name=draft.delegate_name),
                             weight=ft.FontWeight.W_600))
    return ft.Column(lines, spacing=2, tight=True)


@ft.component
def HandoverFlow(state: StaffState, draft: HandoverDraft) -> ft.Control:
    t = use_translator()
    use_observable(draft)
    pickup = draft.pickup
    header = ft.Row([
        ft.Column([ft.Text(t._("Handover {number}").format(number=pickup.get("order_number", "")),
                           theme_style=ft.TextThemeStyle.TITLE_LARGE, weight=ft.FontWeight.W_600),
                   ft.Text(step_title(draft.step, t) if draft.step != STEP_DONE else t._("Done"),
                           color=ft.Colors.ON_SURFACE_VARIANT)], spacing=2, tight=True, expand=True),
        ft.TextButton(t._("Cancel handover") if draft.step != STEP_DONE else t._("Back to the queue"),
                      height=48, on_click=lambda: state.cancel_handover()),
    ], vertical_alignment=ft.CrossAxisAlignment.START)
    body: list[ft.Control] = [header]
    if draft.step != STEP_DONE:
        steps = draft.steps
        body.append(ft.ProgressBar(value=(steps.index(draft.step) + 1) / len(steps), height=6, border_radius=3))
    error = draft_error(draft.error, t)
    if error:
        body.append(Notice(error, tone="error", identifier="handover-error"))

    if draft.step == STEP_ITEMS:
        body += [_card(_who(draft, t)), _card(_items(draft, t)),
                 ft.Row([ft.FilledButton(t._("Items are here, continue"), icon=ft.Icons.ARROW_FORWARD, height=52,
                                         on_click=lambda: draft.next())], alignment=ft.MainAxisAlignment.END)]
    elif draft.step == STEP_AGE:
        body += [
            Notice(t._("This order contains age-restricted items"),
                   t._("Check an official photo ID: the person collecting must be at least 18 years old."),
                   tone="warning", icon=ft.Icons.BADGE_OUTLINED),
            _card(ft.Checkbox(label=t._("I checked the ID: the person is 18 or older"), value=draft.age_check_done,
                              on_change=lambda e: draft.set_age_check(bool(e.control.value)))),
            ft.Row([ft.OutlinedButton(t._("Back"), height=52, on_click=lambda: draft.back()),
                    ft.FilledButton(t._("Continue"), icon=ft.Icons.ARROW_FORWARD, height=52,
                                    on_click=lambda: draft.next(), disabled=not draft.age_check_done)],
                   alignment=ft.MainAxisAlignment.END, spacing=theme.S),
        ]
    elif draft.step == STEP_PROOF:
        body += _proof(state, draft, t)
    else:
        body.append(_done(draft, t))
    return ft.Column(body, spacing=theme.M, tight=True)


def _card(content: ft.Control) -> ft.Control:
    return ft.Card(semantic_container=False, content=ft.Container(content, padding=theme.M))


def _proof(state: StaffState, draft: HandoverDraft, t: Translator) -> list[ft.Control]:
    choices: list[ft.Control] = [
        ft.Radio(value="customer", label=t._("The customer: {name}").format(name=draft.pickup.get("customer_name", "")))]
    if draft.delegate_name:
        choices.append(ft.Radio(value="delegate", label=t._("Their delegate: {name}").format(name=draft.delegate_name)))

    async def confirm(_: Any) -> None:
        await state.confirm_handover()

    return [
        _card(ft.Column([
            ft.Text(t._("Who is collecting?"), weight=ft.FontWeight.W_600),
            ft.RadioGroup(value="delegate" if draft.delegate else "customer",
                          on_change=lambda e: draft.choose_recipient(e.control.value == "delegate"),
                          content=ft.Column(choices, spacing=0, tight=True)),
            ft.TextField(label=t._("Recipient's name (as on the ID)"), value=draft.recipient_name, max_length=120,
                         on_change=lambda e: draft.set_recipient_name(e.control.value or "")),
            ft.Checkbox(label=t._("Items complete and handed over"), value=draft.items_complete,
                        on_change=lambda e: draft.set_items_complete(bool(e.control.value))),
        ], spacing=theme.S, tight=True, horizontal_alignment=ft.CrossAxisAlignment.STRETCH)),  # full-width name field
        _card(ft.Column([ft.Text(t._("Signature (optional)"), weight=ft.FontWeight.W_600),
                         SignaturePad(draft)], spacing=theme.S, tight=True)),
        ft.Row([ft.OutlinedButton(t._("Back"), height=52, on_click=lambda: draft.back()),
                ft.FilledButton(t._("Complete handover"), icon=ft.Icons.CHECK, height=52, on_click=confirm,
                                disabled=state.busy or not draft.items_complete)],
               alignment=ft.MainAxisAlignment.END, spacing=theme.S),
    ]


def _done(draft: HandoverDraft, t: Translator) -> ft.Control:
    return Notice(
        t._("Handed over to {name}").format(name=draft.recipient_name),
        t._("Order {number} is closed. If this tablet is offline, it is sent as soon as there is a connection.")
        .format(number=draft.pickup.get("order_number", "")),
        tone="success", icon=ft.Icons.CHECK_CIRCLE_OUTLINE, identifier="handover-done")
