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

- **Dashboard** (`d`): per framework and for every control, the requirements mapped and the controls by
  status and by owner, and the evidence of the last collection run by result. Every number opens the list
  behind it: move to it with the arrows (`tab` to the next table) and press `Enter`, or click it.
- **Controls** (`c`): every control with its owner and status. `/` and typing narrow the list (`Enter`
  there opens the only match); a number from the dashboard lists only the controls of its status or owner
  (`x` clears that); `Enter` on a row opens the control: its description, each side's part, its status with
  the reason, the requirements it meets in every framework, its evidence grouped by scope (account, region,
  resource; manual evidence on its own), newest first, and its exceptions.
- **Frameworks** (`f`): a framework's requirements in order, each with how many controls meet it and the worst
  status among them ("unmet" when none does); the controls of the requirement under the cursor are listed
  below (`Enter` moves there, `Enter` again opens one). `[` and `]` go to the other frameworks.

- **Matrix** (`m`): the shared-responsibility matrix, every control under each area with a vendor and a
  customer column. `o` moves the selected control's owner on (vendor, customer, shared, third party, vendor
  and third party, not applicable); `1`-`5` show all, the vendor's, the customer's, the shared ones, or the
  controls no area holds.
- **A control** (`Enter` on it): `a` adds evidence (type paths or pick files), `s` supersedes the selected
  record, `x` adds an exception, `o` edits the owner and each side's part; `Enter` on a record opens it with
  its attachments and raw payload. In a customer workspace `t` attests to your part of the control, for the
  response to the vendor.

- **Collect** (`g`): AWS evidence through boto3's standard credentials (a profile, or roles to assume in
  other accounts), over the regions and checks you choose; a live progress bar with pass, fail and error
  counts; `ctrl+x` cancels and keeps what was recorded.
- **Reports** (`p`): a SOC 2 packet, HIPAA, GDPR or the matrix for customers, as of a date, rendered and signed
  with progress; then verify any report offline, with its bundle and the signer's certificate.
- **Exchange** (`e`, also from the matrix): the shared-responsibility matrix in and out.
  *Import a matrix*: a CSV, XLSX or Markdown file (type its path or `ctrl+o` to pick it), `ctrl+r` previews
  where each row goes (an existing control, a NEW one, or FLAGGED with the reason) and writes nothing; on a
  flagged row `space` cycles the decision (the suggestion, the possible control, new, skip), `i` names the
  control it goes to, `a` accepts every suggestion; `ctrl+s` applies it all in one transaction. Your own
  CSA CCM / CAIQ spreadsheet is recognised by its header and becomes a framework with its ownership.
  *Export for a customer*: XLSX, CSV, the signed JSON packet (signed with the workspace's identity, the
  passphrase from the OS keyring), OSCAL component-definition, or the evidence as OSCAL assessment results.
  A customer imports the vendor's packet and writes its signed response there; a vendor imports the
  customer's response, whose answers become evidence (conflicts are listed, nothing is overwritten;
  an answer to a newer packet supersedes the older one).

## Keys that work everywhere

| Key | Action |
| --- | --- |
| `?` | this help |
| `ctrl+p` | the command palette: every action by name |
| `d` / `c` / `f` / `m` | dashboard / controls / frameworks and their requirements / matrix |
| `g` / `p` / `e` | collect from AWS / reports / the matrix exchange |
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
