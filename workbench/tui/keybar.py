"""The key bar at the foot of every screen: the bindings in force, as one line of text.

Textual's own Footer builds a widget per key and rebuilds them all whenever the screen or the focus changes; on
this app that cost more than everything else on opening a control (about 130 ms of a 200 ms keypress on a
workspace of 100,000 records). This bar renders the same hints as one line and redraws only when they change.
A click on a hint presses its key, as with the Footer.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.screen import Screen
from textual.widget import Widget


class KeyBar(Widget, can_focus=False):
    """One line of key hints (key, then what it does) for the bindings the screen shows in force now."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"keybar--key", "keybar--description", "keybar--disabled"}

    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        width: 1fr;
        background: $footer-background;
        color: $footer-foreground;
    }
    KeyBar > .keybar--key {
        background: $footer-key-background;
        color: $footer-key-foreground;
        text-style: bold;
    }
    KeyBar > .keybar--description {
        background: $footer-description-background;
        color: $footer-description-foreground;
    }
    KeyBar > .keybar--disabled {
        color: $text-disabled;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name for it
        super().__init__(id=id)
        self._hints: tuple[tuple[str, str, str, bool], ...] = ()
        #: (first column, last column + 1, key) of each hint, for clicks
        self._spans: list[tuple[int, int, str]] = []

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self._bindings_changed(self.screen)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen[object]) -> None:
        if not self.is_attached or screen is not self.screen:
            return
        hints: list[tuple[str, str, str, bool]] = []
        seen_actions: set[str] = set()
        palette: tuple[str, str, str, bool] | None = None
        for key, (_node, binding, enabled, _tooltip) in screen.active_bindings.items():
            if key == self.app.COMMAND_PALETTE_BINDING:
                palette = self._hint(binding, enabled)
                continue
            if not binding.show:
                continue
            if binding.action in seen_actions:
                continue
            seen_actions.add(binding.action)
            hints.append(self._hint(binding, enabled))
        if palette is not None and self.app.ENABLE_COMMAND_PALETTE:
            hints.append(palette)
        if tuple(hints) != self._hints:
            self._hints = tuple(hints)
            self.refresh()

    def _hint(self, binding: Binding, enabled: bool) -> tuple[str, str, str, bool]:
        return (binding.key, self.app.get_key_display(binding), binding.description, enabled)

    def render(self) -> Text:
        line, spans = self._line(compact=False)
        if line.cell_len > self.size.width:  # too wide: the compact form, as the Footer does
            line, spans = self._line(compact=True)
        self._spans = spans
        return line

    def _line(self, *, compact: bool) -> tuple[Text, list[tuple[int, int, str]]]:
        key_style = self.get_component_rich_style("keybar--key")
        description_style = self.get_component_rich_style("keybar--description")
        disabled_style = self.get_component_rich_style("keybar--disabled")
        pad = "" if compact else " "
        line = Text(no_wrap=True, overflow="ellipsis", end="")
        spans: list[tuple[int, int, str]] = []
        for key, display, description, enabled in self._hints:
            start = line.cell_len
            line.append(f"{pad}{display} ", key_style if enabled else disabled_style)
            if description:
                line.append(f"{description}{pad}", description_style if enabled else disabled_style)
            spans.append((start, line.cell_len, key))
            line.append(" ")
        return line, spans

    def key_at(self, x: int) -> str | None:
        """The key of the hint drawn at column ``x``, or None."""
        for start, end, key in self._spans:
            if start <= x < end:
                return key
        return None

    def on_click(self, event: events.Click) -> None:
        key = self.key_at(event.x)
        if key is not None:
            event.stop()
            self.app.simulate_key(key)
