"""Errors shown in a modal: the user reads one clear message, never a traceback."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static


class ErrorModal(ModalScreen[None]):
    """A message and an OK button; Escape or Enter closes it."""

    BINDINGS = [
        Binding("escape", "dismiss_error", "Close", id="error.close"),
        Binding("enter", "dismiss_error", "Close", show=False, id="error.close_enter"),
    ]

    def __init__(self, title: str, message: str) -> None:
        super().__init__()
        self.title_text = title
        self.message = message

    def compose(self) -> ComposeResult:
        with Vertical(id="error-box"):
            yield Label(self.title_text, id="error-title")
            yield Static(self.message, id="error-message", markup=False)
            yield Button("OK", variant="primary", id="error-ok")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None)

    def action_dismiss_error(self) -> None:
        self.dismiss(None)
