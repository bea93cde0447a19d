"""The store's pickup queue on the staff tablet: checked in (highlighted, with waiting time) first,
then ready, to prepare, handed over today, and handovers that need follow-up."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import flet as ft

from app.i18n import Translator
from app.state.staff import StaffState
from services.pickups import QueueEntry, StaffQueue
from services.returns_eligibility import parse_instant
from views import theme
from views.components.layout import EmptyState, Pill


def waiting_text(waiting: timedelta, t: Translator) -> str:
    minutes = int(waiting.total_seconds() // 60)
    if minutes < 1:
        return t._("waiting for less than a minute")
    return t.ngettext("waiting for {count} minute", "waiting for {count} minutes", minutes).format(count=minutes)


def item_summary(pickup: dict[str, Any], t: Translator) -> str:
    count = sum(int(i.get("quantity", 1)) for i in pickup.get("items") or [])
    return t.ngettext("{count} item", "{count} items", count).format(count=count)


def EntryCard(entry: QueueEntry, now: datetime, t: Translator, *, highlight: bool = False,
              action: ft.Control | None = None) -> ft.Control:
    pickup = entry.pickup
    lines: list[ft.Control] = [
        ft.Row([ft.Text(pickup["order_number"], weight=ft.FontWeight.W_700, size=16),
                ft.Text(pickup.get("customer_name", ""), size=16)], spacing=theme.S, wrap=True),
    ]
    details = [item_summary(pickup, t)]
    if pickup.get("delegate_name"):
        details.append(t._("or {name}").format(name=pickup["delegate_name"]))
    lines.append(ft.Text(" · ".join(details), color=ft.Colors.ON_SURFACE_VARIANT, size=13))
    chips: list[ft.Control] = []
    if entry.waiting is not None:
        chips.append(Pill(waiting_text(entry.waiting, t), ft.Colors.ON_PRIMARY, ft.Colors.PRIMARY,
                          ft.Icons.WAVING_HAND_OUTLINED))
    if pickup.get("age_check_required"):
        chips.append(Pill(t._("ID check"), ft.Colors.ON_TERTIARY_CONTAINER, ft.Colors.TERTIARY_CONTAINER,
                          ft.Icons.BADGE_OUTLINED))
    if pickup.get("_pending"):
        chips.append(Pill(t._("Not synced yet"), ft.Colors.ON_SURFACE_VARIANT, ft.Colors.SURFACE_CONTAINER_HIGH,
                          ft.Icons.CLOUD_UPLOAD_OUTLINED))
    handed = parse_instant(pickup.get("handed_over_at"))
    if pickup["status"] == "handed_over" and handed is not None:
        by = pickup.get("handed_over_by")
        text = (t._("{time} by {name}").format(time=t.time(handed), name=by) if by
                else t._("at {time}").format(time=t.time(handed)))
        chips.append(Pill(text, ft.Colors.ON_SURFACE_VARIANT, ft.Colors.SURFACE_CONTAINER_HIGH, ft.Icons.CHECK))
    if chips:
        lines.append(ft.Row(chips, spacing=theme.XS, wrap=True, run_spacing=theme.XS))
    row: list[ft.Control] = [ft.Column(lines, spacing=4, tight=True, expand=True)]
    if action is not None:
        row.append(action)
    return ft.Container(
        padding=theme.M, border_radius=theme.CARD_RADIUS,
        bgcolor=ft.Colors.PRIMARY_CONTAINER if highlight else ft.Colors.SURFACE_CONTAINER_LOWEST,
        border=ft.Border.all(1, ft.Colors.PRIMARY if highlight else ft.Colors.OUTLINE_VARIANT),
        content=ft.Row(row, spacing=theme.S, vertical_alignment=ft.CrossAxisAlignment.CENTER),
    )


def resolution_label(resolution: str, t: Translator) -> str:
    return {"goods_returned": t._("Goods returned"), "paid_at_till": t._("Paid at the till"),
            "written_off": t._("Written off")}.get(resolution, resolution)


def FollowUpCard(entry: QueueEntry, state: StaffState, t: Translator) -> ft.Control:
    """A handover for a pickup that was cancelled meanwhile: what happened, and how it was settled."""
    pickup = entry.pickup
    lines: list[ft.Control] = [
        ft.Row([ft.Icon(ft.Icons.REPORT_OUTLINED, color=ft.Colors.ERROR, size=20),
                ft.Text(pickup["order_number"], weight=ft.FontWeight.W_700, size=16),
                ft.Text(pickup.get("customer_name", ""), size=16)], spacing=theme.S, wrap=True),
    ]
    for exception in pickup.get("exceptions") or []:
        at = parse_instant(exception.get("at"))
        lines.append(ft.Text(t._("Handed to {recipient} by {name} at {time}, although the order had been "
                                 "cancelled.").format(recipient=exception.get("recipient_name", ""),
                                                      name=exception.get("by", ""),
                                                      time=t.datetime(at) if at else "–"), size=14))
        chosen = exception.get("_resolution")
        if chosen:
            lines.append(ft.Row([
                Pill(resolution_label(chosen, t), ft.Colors.ON_SURFACE_VARIANT, ft.Colors.SURFACE_CONTAINER_HIGH,
                     ft.Icons.CHECK),
                Pill(t._("Not synced yet"), ft.Colors.ON_SURFACE_VARIANT, ft.Colors.SURFACE_CONTAINER_HIGH,
                     ft.Icons.CLOUD_UPLOAD_OUTLINED)], spacing=theme.XS, wrap=True))
            continue

        def resolve_with(resolution: str, handover_id: str = exception["id"]) -> Any:
            async def resolve(_: Any) -> None:
                await state.resolve_exception(handover_id, resolution)
            return resolve

        lines.append(ft.Text(t._("How was it settled?"), size=13, color=ft.Colors.ON_SURFACE_VARIANT))
        lines.append(ft.Row([
            ft.OutlinedButton(resolution_label(r, t), height=48, on_click=resolve_with(r))
            for r in ("goods_returned", "paid_at_till", "written_off")], spacing=theme.S, wrap=True,
            run_spacing=theme.S))
    return ft.Container(
        padding=theme.M, border_radius=theme.CARD_RADIUS, bgcolor=ft.Colors.SURFACE_CONTAINER_LOWEST,
        border=ft.Border.all(1, ft.Colors.ERROR), content=ft.Column(lines, spacing=theme.S, tight=True))


def Group(title: str, entries: list[ft.Control], identifier: str) -> ft.Control:
    return ft.Column([ft.Semantics(identifier=identifier, header=True, content=ft.Text(
        title, theme_style=ft.TextThemeStyle.TITLE_SMALL, weight=ft.FontWeight.W_600)), *entries],
        spacing=theme.S, tight=True)


def QueuePanel(state: StaffState, queue: StaffQueue | None, t: Translator) -> ft.Control:
    if queue is None:
        return ft.Container(ft.ProgressRing(), alignment=ft.Alignment.CENTER, padding=48)
    if queue.empty:
        return EmptyState(ft.Icons.INVENTORY_2_OUTLINED, t._("No pickups for this store"),
                          t._("New click & collect orders appear here as soon as they sync."))
    now = state.now
    groups: list[ft.Control] = []
    if queue.follow_up:
        groups.append(Group(t._("Needs follow-up"), [FollowUpCard(e, state, t) for e in queue.follow_up],
                            "queue-follow-up"))
    n = len(queue.checked_in)
    groups.append(Group(t.ngettext("Checked in ({count})", "Checked in ({count})", n).format(count=n), [
        EntryCard(e, now, t, highlight=True) for e in queue.checked_in] or [
        ft.Text(t._("Nobody is waiting."), color=ft.Colors.ON_SURFACE_VARIANT)], "queue-checked-in"))
    n = len(queue.ready)
    groups.append(Group(t.ngettext("Ready ({count})", "Ready ({count})", n).format(count=n), [
        EntryCard(e, now, t) for e in queue.ready] or [
        ft.Text(t._("Nothing waiting on the shelf."), color=ft.Colors.ON_SURFACE_VARIANT)], "queue-ready"))
    if queue.to_prepare:
        n = len(queue.to_prepare)

        def ready_button(entry: QueueEntry) -> ft.Control:
            async def mark(_: Any) -> None:
                await state.mark_ready(entry.pickup["id"])
            return ft.FilledTonalButton(t._("Mark ready"), icon=ft.Icons.DONE, height=48, on_click=mark)

        groups.append(Group(t.ngettext("To prepare ({count})", "To prepare ({count})", n).format(count=n), [
            EntryCard(e, now, t, action=ready_button(e)) for e in queue.to_prepare], "queue-to-prepare"))
    if queue.handed_over_today:
        n = len(queue.handed_over_today)
        groups.append(Group(t.ngettext("Handed over today ({count})", "Handed over today ({count})", n).format(
            count=n), [EntryCard(e, now, t) for e in queue.handed_over_today], "queue-handed-over"))
    return ft.Column(groups, spacing=theme.L, tight=True)
