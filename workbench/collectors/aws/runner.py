"""Running checks: accounts x regions x services as tasks on one bounded pool; fetch once, evaluate many."""

from __future__ import annotations

import atexit
import functools
import gc
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

from workbench.collectors.aws.api import AwsApi, AwsCallError
from workbench.collectors.aws.session import AccountSession
from workbench.collectors.base import Check, Finding

GLOBAL_REGION = "global"


@dataclass(frozen=True)
class Task:
    """One fetch: a service of one account in one region (or once per account for global services)."""

    account: AccountSession
    region: str
    #: where the API is called; for global services the first selected region
    api_region: str
    service: str
    checks: tuple[type[Check], ...]


@dataclass(frozen=True)
class CheckOutcome:
    """What one check concluded in one task: findings, or the error that stopped it."""

    check: type[Check]
    findings: tuple[Finding, ...] = ()
    error: AwsCallError | None = None


@dataclass(frozen=True)
class TaskResult:
    """A finished task with everything needed to record it."""

    task: Task
    outcomes: tuple[CheckOutcome, ...]
    raw: bytes
    api_calls: int
    seconds: float


@dataclass
class Progress:
    """Where a run is: tasks done of total, and results so far."""

    total: int
    done: int = 0
    results: dict[str, int] = field(default_factory=lambda: {"pass": 0, "fail": 0, "info": 0, "error": 0})
    current: str = ""


ProgressCallback = Callable[[Progress], None]


def plan(accounts: Sequence[AccountSession], regions: Sequence[str], checks: Iterable[type[Check]]) -> list[Task]:
    """Group checks by service and scope, and make one task per account x region x service.

    The tasks with the most checks come first (they make the most calls one after another, and IAM's waits for its
    credential report): started last, one of them would run on alone after the rest are done.
    """
    by_service: dict[tuple[str, str], list[type[Check]]] = {}
    for check in checks:
        by_service.setdefault((check.service, check.scope), []).append(check)
    tasks = []
    for account in accounts:
        for (service, scope), group in sorted(by_service.items()):
            if scope == "global":
                tasks.append(Task(account, GLOBAL_REGION, regions[0], service, tuple(group)))
            else:
                tasks.extend(Task(account, region, region, service, tuple(group)) for region in regions)
    tasks.sort(key=lambda task: -len(task.checks))  # stable: accounts, services and regions keep their order
    return tasks


def run_task(task: Task) -> TaskResult:
    """Fetch a service's data once and let every check of the task evaluate it. Never raises for AWS errors."""
    started = time.perf_counter()
    api = AwsApi(task.account.account_id, task.api_region, task.account.client_factory(task.api_region))
    outcomes = []
    with task.account.bound():  # the shared clients sign this thread's calls as the task's account
        for check in task.checks:
            try:
                outcomes.append(CheckOutcome(check, tuple(check().evaluate(api))))
            except AwsCallError as failure:
                outcomes.append(CheckOutcome(check, error=failure))
    return TaskResult(task, tuple(outcomes), api.raw_json(), api.calls_made, time.perf_counter() - started)


def execute(
    tasks: Sequence[Task],
    *,
    workers: int,
    on_results: Callable[[Sequence[TaskResult]], None],
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
) -> bool:
    """Run tasks on a pool of ``workers`` threads; hand their results to ``on_results`` in the calling thread.

    Every result that finished since the last hand-over comes in one batch, so the caller can record them in one
    transaction (one commit and one fsync for many tasks) while the pool goes on fetching.

    Returns:
        True when every task ran; False when cancelled (``cancel`` set, or Ctrl-C). Results handed over before the
        cancellation stay recorded.
    """
    _freeze_long_lived()
    stop = cancel or threading.Event()
    state = Progress(total=len(tasks))
    if progress is not None:
        progress(state)
    pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="collect")
    pending: set[Future[TaskResult | None]] = set()

    def guarded(task: Task) -> TaskResult | None:
        return None if stop.is_set() else run_task(task)

    try:
        pending = {pool.submit(guarded, task) for task in tasks}
        while pending:
            finished, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
            batch = [result for result in (future.result() for future in finished) if result is not None]
            if batch:
                on_results(batch)
            for result in batch:
                state.done += 1
                state.current = f"{result.task.account.account_id} {result.task.region} {result.task.service}"
                for outcome in result.outcomes:
                    if outcome.error is not None:
                        state.results["error"] += 1
                    for finding in outcome.findings:
                        state.results[finding.result] += 1
                if progress is not None:
                    progress(state)
            if stop.is_set():
                break
    except KeyboardInterrupt:
        stop.set()
    finally:
        # Queued tasks are dropped; calls in flight end within the client timeouts and their results are ignored.
        pool.shutdown(wait=False, cancel_futures=True)
        gc.unfreeze()
    return not stop.is_set()


def _freeze_long_lived() -> None:
    """Keep the garbage collector off what lives for the whole run, and off everything at exit.

    The run allocates quickly (responses, evidence rows), so CPython runs a full collection every so often, and each
    one walked every container of the process: the imports, botocore's service models and clients (150,000 objects
    for 16 services). Measured on the 5 x 4 bench: 5 full collections, 0.5 s of the collector's 2.4 s of CPU, taken
    under the GIL from the threads that parse responses. What exists when the run starts is frozen now (and each
    new client as it is made, see ClientMaker); execute() thaws it all when the run ends, so a long-lived process
    (the app) collects it again.

    At exit the interpreter's last full collection cost another 0.4 s: the process is ending and the OS takes its
    memory back, so at exit everything is frozen first.
    """
    gc.freeze()
    _freeze_at_exit()


@functools.cache
def _freeze_at_exit() -> None:
    atexit.register(gc.freeze)
