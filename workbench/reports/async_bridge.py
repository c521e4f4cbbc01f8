"""Run pyHanko's coroutines from synchronous code, also when the calling thread already runs an event loop."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run_coroutine(factory: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run the coroutine that ``factory`` makes to completion and return its result.

    pyHanko's synchronous ``sign_pdf`` and ``validate_pdf_signature`` call ``asyncio.run()``, which fails inside a
    running event loop (a Textual app, a notebook). Here the coroutine runs in this thread when it has no loop, and
    in a short-lived thread of its own when it has one. Exceptions propagate unchanged.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(factory())
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = asyncio.run(factory())
        except BaseException as exc:  # noqa: BLE001 - handed back to the calling thread, which re-raises it
            outcome["error"] = exc

    worker = threading.Thread(target=run, name="workbench-pyhanko", daemon=True)
    worker.start()
    worker.join()
    if "error" in outcome:
        raise outcome["error"]
    result: T = outcome["value"]
    return result
