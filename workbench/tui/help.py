"""The help screen on ``?``: what each area is for and the keys that work everywhere."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

HELP = """\
# Compliance Evidence Workbench

One set of controls for SOC 2, HIPAA, GDPR and shared-responsibility matrices, with evidence you can prove.

## Areas

- **Dashboard** (`d`): per framework, the requirements mapped and the controls by status and by owner.
  Select a framework (`Enter`) to list its controls.
- **Controls** (`c`): every control with its owner and status. `/` and typing narrow the list (`Enter`
  there opens the only match); `Enter` on a row opens the control: its description, each side's part, its
  status with the reason, the requirements it meets in every framework, its evidence (newest first) and its
  exceptions.

## Keys that work everywhere

| Key | Action |
| --- | --- |
| `?` | this help |
| `ctrl+p` | the command palette: every action by name |
| `d` / `c` | dashboard / controls |
| `escape` | back |
| `q` | quit |

The same actions exist on the command line: `workbench --help`.
"""


class HelpScreen(ModalScreen[None]):
    """Help text over the current screen."""

    BINDINGS = [
        Binding("escape", "close", "Close", id="help.close"),
        Binding("question_mark", "close", "Close", show=False, id="help.close_again"),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):
            yield Markdown(HELP)

    def action_close(self) -> None:
        self.dismiss(None)
