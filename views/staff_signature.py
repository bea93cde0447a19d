"""A signature drawn with a finger or stylus: strokes on a canvas, kept in the handover draft."""

from __future__ import annotations

from typing import Any

import flet as ft
import flet.canvas as cv

from app.state.staff import PAD, HandoverDraft
from views import theme
from views.hooks import use_observable, use_translator

PAD_WIDTH = 320
PAD_HEIGHT = 160


def _shape(points: list[tuple[float, float]], paint: ft.Paint) -> cv.Shape:
    if len(points) == 1:
        x, y = points[0]
        return cv.Circle(x, y, 1.5, paint=paint)
    return cv.Points(points=[ft.Offset(x, y) for x, y in points], point_mode=cv.PointMode.POLYGON, paint=paint)


@ft.component
def SignaturePad(draft: HandoverDraft) -> ft.Control:
    t = use_translator()
    use_observable(draft)
    current, set_current = ft.use_state(list[tuple[float, float]]())
    paint = ft.Paint(stroke_width=2.5, color=ft.Colors.ON_SURFACE, style=ft.PaintingStyle.STROKE,
                     stroke_cap=ft.StrokeCap.ROUND, stroke_join=ft.StrokeJoin.ROUND)
    done = [[(x * PAD_WIDTH / PAD, y * PAD_HEIGHT / PAD) for x, y in stroke] for stroke in draft.strokes]

    def start(e: Any) -> None:
        set_current([(e.local_position.x, e.local_position.y)])

    def move(e: Any) -> None:
        set_current([*current, (e.local_position.x, e.local_position.y)])

    def end(_: Any) -> None:
        if current:
            draft.add_stroke(current, PAD_WIDTH, PAD_HEIGHT)
        set_current([])

    shapes = [_shape(s, paint) for s in [*done, current] if s]
    pad = ft.GestureDetector(
        on_pan_start=start, on_pan_update=move, on_pan_end=end, drag_interval=20,
        content=ft.Container(
            width=PAD_WIDTH, height=PAD_HEIGHT, bgcolor=ft.Colors.SURFACE_CONTAINER_LOWEST,
            border=ft.Border.all(1, ft.Colors.OUTLINE), border_radius=12,
            content=ft.Stack([
                ft.Container(ft.Text(t._("Sign here"), color=ft.Colors.OUTLINE, size=13),
                             alignment=ft.Alignment.BOTTOM_LEFT, padding=theme.S, visible=not shapes),
                cv.Canvas(shapes=shapes, width=PAD_WIDTH, height=PAD_HEIGHT),
            ]),
        ),
    )
    return ft.Column([
        ft.Semantics(label=t._("Signature pad"), identifier="signature-pad", content=pad),
        ft.Row([ft.TextButton(t._("Clear signature"), icon=ft.Icons.BACKSPACE_OUTLINED, height=48,
                              on_click=lambda: draft.clear_signature(), disabled=not draft.strokes)]),
    ], spacing=theme.XS, tight=True)
