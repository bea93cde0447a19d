"""Parts of the account tab about data: the delete-account confirmation and the "this device" panel."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import flet as ft

from app.i18n import Translator
from app.state.account import AccountState
from views import theme
from views.hooks import use_translator

if TYPE_CHECKING:
    from services.account import DeviceInfo, PendingChange


def entity_line(entity: str, count: int, t: Translator) -> str | None:
    """"7 orders": what a row count of an entity means to a shopper (None: not worth a line)."""
    n = t.number(count)
    if entity == "order":
        return t.ngettext("{count} order", "{count} orders", count).format(count=n)
    if entity == "shipment":
        return t.ngettext("{count} parcel", "{count} parcels", count).format(count=n)
    if entity == "return":
        return t.ngettext("{count} return", "{count} returns", count).format(count=n)
    if entity == "loyalty_entry":
        return t.ngettext("{count} points entry", "{count} points entries", count).format(count=n)
    if entity == "reward":
        return t.ngettext("{count} reward", "{count} rewards", count).format(count=n)
    if entity == "thread":
        return t.ngettext("{count} conversation", "{count} conversations", count).format(count=n)
    if entity == "message":
        return t.ngettext("{count} message", "{count} messages", count).format(count=n)
    if entity == "pickup":
        return t.ngettext("{count} pickup", "{count} pickups", count).format(count=n)
    if entity == "notification":
        return t.ngettext("{count} notification", "{count} notifications", count).format(count=n)
    if entity == "store":
        return t.ngettext("{count} store", "{count} stores", count).format(count=n)
    if entity == "faq_article":
        return t.ngettext("{count} help article", "{count} help articles", count).format(count=n)
    return None


def change_label(name: str, t: Translator) -> str:
    labels = {
        "profile.update": t._("Profile change"),
        "order.cancel": t._("Order cancellation"),
        "order.report_problem": t._("Problem report"),
        "return.create": t._("Return request"),
        "return.update": t._("Change to a return"),
        "return.cancel": t._("Return cancellation"),
        "thread.create": t._("New conversation"),
        "message.send": t._("Message"),
        "thread.mark_read": t._("Messages read"),
        "loyalty.redeem": t._("Reward redemption"),
        "faq.feedback": t._("Feedback on an article"),
        "pickup.check_in": t._("Pickup check-in"),
        "account.delete": t._("Account deletion"),
    }
    return labels.get(name, t._("Change"))


def pending_row(change: PendingChange, t: Translator) -> ft.Control:
    status = t._("Waiting for a connection")
    if change.status == "sent":
        status = t._("Sent, waiting for confirmation")
    elif change.status == "rejected":
        status = t._("Refused by the server")
    when = t.relative(change.created_at) if change.created_at else ""
    return ft.Row(
        [
            ft.Icon(ft.Icons.CLOUD_UPLOAD_OUTLINED, size=20, color=ft.Colors.TERTIARY),
            ft.Column([ft.Text(change_label(change.name, t), weight=ft.FontWeight.W_500),
                       ft.Text(t._("{status} · saved {when}").format(status=status, when=when), size=12,
                               color=ft.Colors.ON_SURFACE_VARIANT)], spacing=0, expand=True, tight=True),
        ],
        spacing=12,
    )


def _fact(icon: ft.IconData, label: str, value: str) -> ft.Control:
    return ft.Row(
        [
            ft.Icon(icon, size=20, color=ft.Colors.ON_SURFACE_VARIANT),
            ft.Text(label, color=ft.Colors.ON_SURFACE_VARIANT, expand=True),
            ft.Text(value, weight=ft.FontWeight.W_500, text_align=ft.TextAlign.RIGHT),
        ],
        spacing=12,
    )


def cached_summary(device: DeviceInfo, t: Translator) -> str:
    lines = [line for entity, count in device.rows.items()
             if (line := entity_line(entity, count, t)) is not None]
    if not lines:
        return t._("Nothing yet: it arrives with the next sync.")
    return ", ".join(lines)


@ft.component
def DevicePanel(state: AccountState, on_sign_out: Callable[..., Awaitable[None]], signing_out: bool) -> ft.Control:
    """What this device keeps, what it has not sent yet, and the two ways to forget it."""
    t = use_translator()
    page = ft.context.page
    device = state.device

    async def clear(_: object = None) -> None:
        page.pop_dialog()
        await state.clear_cache()

    def ask_clear() -> None:
        page.show_dialog(ft.AlertDialog(
            modal=True,
            title=ft.Text(t._("Clear local data?")),
            content=ft.Text(t._("Your orders and messages are removed from this device and downloaded again. "
                                "Changes that haven't been sent yet are kept.")),
            actions=[ft.TextButton(t._("Keep data"), on_click=lambda: page.pop_dialog()),
                     ft.FilledButton(t._("Clear data"), on_click=clear)],
            actions_alignment=ft.MainAxisAlignment.END,
        ))

    controls: list[ft.Control] = []
    if device is None:
        controls.append(ft.Row([ft.ProgressRing(width=18, height=18, stroke_width=2),
                                ft.Text(t._("Looking at this device…"), color=ft.Colors.ON_SURFACE_VARIANT)],
                               spacing=12))
    else:
        synced = t.relative(device.last_synced_at) if device.last_synced_at else t._("not yet")
        controls += [
            _fact(ft.Icons.SYNC, t._("Last synced"), synced),
            _fact(ft.Icons.SD_STORAGE_OUTLINED, t._("Storage used"), t.data_size(device.cache_bytes)),
            ft.Text(t._("Saved here: {things}").format(things=cached_summary(device, t)), size=13,
                    color=ft.Colors.ON_SURFACE_VARIANT),
            ft.Divider(height=1),
        ]
        if device.pending:
            count = len(device.pending)
            controls.append(ft.Text(
                t.ngettext("{count} change not yet synced", "{count} changes not yet synced", count).format(
                    count=t.number(count)), weight=ft.FontWeight.W_600))
            controls += [pending_row(change, t) for change in device.pending[:8]]
        else:
            controls.append(ft.Row([ft.Icon(ft.Icons.CLOUD_DONE_OUTLINED, size=20, color=ft.Colors.PRIMARY),
                                    ft.Text(t._("All your changes are synced."), expand=True)], spacing=12))
    clearing = state.busy == "clear"
    clear_content: ft.Control = ft.Text(t._("Clear local data"))
    if clearing:
        clear_content = ft.Row([ft.ProgressRing(width=16, height=16, stroke_width=2),
                                ft.Text(t._("Clearing…"))], spacing=theme.S, tight=True)
    controls += [
        ft.Divider(height=1),
        ft.Text(t._("Signing out removes your orders and unsent changes from this device."), size=13,
                color=ft.Colors.ON_SURFACE_VARIANT),
        ft.Row(
            [
                ft.OutlinedButton(content=clear_content, icon=None if clearing else ft.Icons.CLEANING_SERVICES_OUTLINED,
                                  on_click=ask_clear, disabled=state.busy is not None, height=44),
                ft.OutlinedButton(t._("Sign out"), icon=ft.Icons.LOGOUT, on_click=on_sign_out, disabled=signing_out,
                                  height=44, style=ft.ButtonStyle(color=ft.Colors.ERROR)),
            ],
            spacing=theme.S,
            wrap=True,
            run_spacing=theme.S,
        ),
    ]
    return ft.Card(semantic_container=False,
                   content=ft.Container(padding=theme.M, content=ft.Column(controls, spacing=12, tight=True)))


@ft.component
def DeleteAccountDialog(open: bool, busy: bool, online: bool, on_confirm: Callable[..., Awaitable[None]],
                        on_dismiss: Callable[[], None]) -> ft.Control:
    """The confirmation step: type a word, then delete. Renders nothing in place."""
    t = use_translator()
    typed, set_typed = ft.use_state("")
    word = t._("DELETE")
    matches = typed.strip().casefold() == word.casefold()

    def close() -> None:
        set_typed("")
        on_dismiss()

    button: ft.Control = ft.Text(t._("Delete account permanently"))
    if busy:
        button = ft.Row([ft.ProgressRing(width=16, height=16, stroke_width=2, color=ft.Colors.ON_ERROR),
                         ft.Text(t._("Deleting…"))], spacing=theme.S, tight=True)
    content: list[ft.Control] = [
        ft.Text(t._("This can't be undone. You'll be signed out on all your devices, your loyalty points are "
                    "lost, and your conversations are deleted.")),
        ft.TextField(label=t._("Type {word} to confirm").format(word=word), value=typed,
                     on_change=lambda e: set_typed(e.control.value or ""), border_radius=12, autocorrect=False),
    ]
    if not online:
        content.append(ft.Text(t._("You're offline. Deleting your account needs a connection."),
                               color=ft.Colors.ERROR, size=13))
    dialog = ft.AlertDialog(
        modal=True,
        title=ft.Text(t._("Delete your account?")),
        content=ft.Container(width=440, content=ft.Column(content, spacing=theme.M, tight=True)),
        actions=[
            ft.TextButton(t._("Keep my account"), on_click=lambda: close()),
            ft.FilledButton(content=button, on_click=on_confirm, disabled=busy or not matches or not online,
                            style=ft.ButtonStyle(bgcolor=ft.Colors.ERROR, color=ft.Colors.ON_ERROR)),
        ],
        actions_alignment=ft.MainAxisAlignment.END,
        on_dismiss=lambda: close(),
    )
    ft.use_dialog(dialog if open else None)
    return ft.Container(width=0, height=0)
