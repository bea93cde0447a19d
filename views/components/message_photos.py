"""The photos of a message as thumbnails; a tap shows one large.

The bytes come from `AttachmentsService.photo` (this device's folder first, then the server,
which needs the account's token, so an image URL alone cannot show them). Until they arrive a
tile holds the place; a photo that cannot be fetched (offline, not ours) stays a labelled tile.
"""

from __future__ import annotations

import asyncio
import logging

import flet as ft

from views.hooks import use_app, use_translator

logger = logging.getLogger(__name__)

THUMB = 96
MISSING = b""  # fetched and failed: the tile stays, no spinner


@ft.component
def MessagePhotos(attachment_ids: tuple[str, ...], color: str) -> ft.Control:
    ctx = use_app()
    t = use_translator()
    photos, set_photos = ft.use_state(dict[str, bytes]())
    page = ft.context.page

    async def load() -> None:
        account = ctx.session.account
        if account is None:
            return
        found: dict[str, bytes] = {}
        for attachment_id in attachment_ids:
            try:
                found[attachment_id] = await asyncio.to_thread(account.attachments.photo, attachment_id)
            except Exception:  # offline, removed, not ours: a tile without a picture says enough
                logger.info("photo %s not shown", attachment_id, exc_info=True)
                found[attachment_id] = MISSING
            set_photos(dict(found))

    ft.use_effect(load, dependencies=[attachment_ids])

    def enlarge(data: bytes, label: str) -> None:
        page.show_dialog(ft.AlertDialog(
            content=ft.Semantics(label=label, image=True, content=ft.Image(src=data, fit=ft.BoxFit.CONTAIN)),
            actions=[ft.TextButton(t._("Close"), on_click=lambda: page.pop_dialog())]))

    tiles: list[ft.Control] = []
    for n, attachment_id in enumerate(attachment_ids, start=1):
        label = t._("Photo {number} of {count}").format(number=t.number(n), count=t.number(len(attachment_ids)))
        data = photos.get(attachment_id)
        if data:
            content: ft.Control = ft.Image(src=data, width=THUMB, height=THUMB, fit=ft.BoxFit.COVER)
        elif data is None:
            content = ft.ProgressRing(width=20, height=20, stroke_width=2)
        else:
            content = ft.Icon(ft.Icons.PHOTO_OUTLINED, color=color)
        tiles.append(ft.Semantics(label=label, image=True, button=bool(data), content=ft.Container(
            width=THUMB, height=THUMB, border_radius=10, alignment=ft.Alignment.CENTER,
            bgcolor=ft.Colors.with_opacity(0.08, ft.Colors.ON_SURFACE), content=content,
            clip_behavior=ft.ClipBehavior.ANTI_ALIAS,
            on_click=(lambda _, d=data, lb=label: enlarge(d, lb)) if data else None)))
    return ft.Row(tiles, spacing=6, wrap=True, run_spacing=6)
