"""Run many notebooks on Dask: an embedded LocalCluster by default, or an existing cluster.

One notebook is one task (``task.run_task``) with its own kernel on a worker. Dask schedules,
retries a task whose worker was lost and bounds how many run at once (the workers' threads);
this module only submits, listens and records. Results are written to the store as each
notebook finishes, so a Ctrl+C or a crash loses only what was running.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from mlemod_tui.batch.delivery import deliver, to_result
from mlemod_tui.batch.one_notebook import NotebookSettings
from mlemod_tui.batch.payload import NotebookJob, build_job
from mlemod_tui.batch.result import NotebookResult
from mlemod_tui.batch.store import ResultStore, library_fingerprint, result_key
from mlemod_tui.batch.task import GRACE_SECONDS, TaskOutput, TaskSpec, run_task
from mlemod_tui.errors import MlemodError

UpdateKind = Literal["queued", "running", "done"]
_TOPIC = "mlemod-batch"


@dataclass(frozen=True)
class BatchConfig:
    """How a batch runs: the per-notebook settings and where the work goes."""

    settings: NotebookSettings = NotebookSettings()
    jobs: int = 2  # kernels at once on the embedded cluster (its workers, one thread each)
    scheduler: str | None = None  # an existing cluster's scheduler address instead
    timeout: float | None = 1800.0  # per notebook, repairs included
    retries: int = 1  # a task that raised is tried again once (a lost worker: Dask's own)
    store: Path | None = None
    resume: bool = True


@dataclass(frozen=True)
class Update:
    """One notebook's change of state, for the progress bar and the folder screen."""

    kind: UpdateKind
    notebook: Path
    result: NotebookResult | None = None


Listener = Callable[[Update], None]


@dataclass
class BatchOutcome:
    results: list[NotebookResult] = field(default_factory=list)
    interrupted: bool = False
    seconds: float = 0.0


class BatchRun:
    """One batch: construct, then ``run()``; ``stop()`` from another thread ends it early."""

    def __init__(self, notebooks: list[Path], config: BatchConfig, listener: Listener | None = None) -> None:
        self.notebooks = notebooks
        self.config = config
        self.listener = listener or (lambda _update: None)
        self.store = ResultStore(config.store) if config.store is not None else None
        self._stop_requested = False
        self._events: queue.Queue[str] = queue.Queue()  # labels of tasks that started
        self._started: set[str] = set()

    def stop(self) -> None:
        """Ask the run to stop (the folder screen's Escape; Ctrl+C in the CLI does the same)."""
        self._stop_requested = True

    def run(self) -> BatchOutcome:
        started = time.monotonic()
        outcome = BatchOutcome()
        jobs: dict[str, NotebookJob] = {}
        for notebook in self.notebooks:
            try:
                jobs[str(notebook)] = build_job(notebook)
            except (MlemodError, OSError) as exc:
                outcome.results.append(self._done(NotebookResult(str(notebook), "failed", str(exc))))
        with self._client() as client:
            libraries = client.submit(library_fingerprint, pure=False).result()
            keys = {label: self._key(job, libraries) for label, job in jobs.items()}
            todo = {}
            for label, job in jobs.items():
                stored = self.store.current(keys[label]) if self.store and self.config.resume else None
                if stored is not None:
                    stored.resumed = True
                    outcome.results.append(self._done(stored, record=False))
                else:
                    todo[label] = job
                    self.listener(Update("queued", job.source))
            outcome.interrupted = self._run_jobs(client, todo, keys, outcome)
        order = {str(path): index for index, path in enumerate(self.notebooks)}
        outcome.results.sort(key=lambda result: order.get(result.notebook, len(order)))
        outcome.seconds = round(time.monotonic() - started, 3)
        return outcome

    def _key(self, job: NotebookJob, libraries: str) -> str:
        options = self.config.settings.to_json() | {"timeout": self.config.timeout}
        return result_key(job.sha256, libraries, options)

    @contextlib.contextmanager
    def _client(self) -> Iterator[Any]:
        from distributed import Client, LocalCluster  # a second or two to import: only here

        if self.config.scheduler:
            try:
                client = Client(self.config.scheduler, timeout="10s")
            except OSError as exc:
                raise MlemodError(f"cannot reach the Dask scheduler at {self.config.scheduler} ({exc})") from None
            with client:
                yield client
            return
        cluster = LocalCluster(
            n_workers=max(self.config.jobs, 1),
            threads_per_worker=1,  # one kernel per worker at a time: --jobs bounds the kernels
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,  # the progress bar, not Dask's log, owns the terminal
        )
        with cluster, Client(cluster) as client:
            yield client

    def _run_jobs(self, client: Any, todo: dict[str, NotebookJob], keys: dict[str, str], outcome: BatchOutcome) -> bool:
        """Submit every job, record each as it completes; True when stopped early."""
        from distributed import Event, as_completed

        if not todo:
            return False
        stop_name = f"mlemod-stop-{uuid.uuid4().hex}"
        topic = f"{_TOPIC}-{uuid.uuid4().hex}"
        client.subscribe_topic(topic, lambda event: self._events.put(event[1]["label"]))
        futures = {}
        for label, job in todo.items():
            spec = TaskSpec(
                job.notebook,
                job.files,
                self.config.settings,
                timeout=self.config.timeout,
                stop_event=stop_name,
                topic=topic,
                label=label,
            )
            future = client.submit(
                run_task, spec, key=f"notebook-{uuid.uuid4().hex}", pure=False, retries=self.config.retries
            )
            futures[future] = label
        pending = as_completed(list(futures), with_results=False)
        collected: set[Any] = set()
        interrupted = False
        try:
            for future in self._completed(pending):
                collected.add(future)
                label = futures[future]
                outcome.results.append(self._collect(future, todo[label], keys[label]))
        except KeyboardInterrupt:
            interrupted = True
        if self._stop_requested or interrupted:
            Event(stop_name, client=client).set()
            left = {future: label for future, label in futures.items() if future not in collected}
            self._finish_running(left, todo, keys, outcome)
            return True
        return False

    def _completed(self, pending: Any) -> Iterator[Any]:
        """as_completed, while passing on "started" messages and watching for ``stop()``."""
        while not pending.is_empty():
            self._drain_events()
            if self._stop_requested:
                return
            ready = pending.next_batch(block=False)
            if not ready:
                time.sleep(0.1)
            yield from ready
        self._drain_events()

    def _finish_running(
        self, left: dict[Any, str], todo: dict[str, NotebookJob], keys: dict[str, str], outcome: BatchOutcome
    ) -> None:
        """After a stop: drop what never started; let what runs stop its kernel and report."""
        from distributed import wait

        self._drain_events()
        running = [future for future, label in left.items() if label in self._started]
        for future, label in left.items():
            if label not in self._started:
                future.cancel()
                result = NotebookResult(str(todo[label].source), "interrupted", "not started: the batch was stopped")
                outcome.results.append(self._done(result, record=False))
        if running:
            wait(running, timeout=GRACE_SECONDS + 10)
        for future in running:
            label = left[future]
            if future.status in ("finished", "error"):
                outcome.results.append(self._collect(future, todo[label], keys[label]))
            else:
                future.cancel()
                result = NotebookResult(str(todo[label].source), "interrupted", "stopped while running")
                outcome.results.append(self._done(result, record=False))

    def _drain_events(self) -> None:
        while True:
            try:
                label = self._events.get_nowait()
            except queue.Empty:
                return
            self._started.add(label)
            self.listener(Update("running", Path(label)))

    def _collect(self, future: Any, job: NotebookJob, key: str) -> NotebookResult:
        from distributed import KilledWorker

        try:
            output: TaskOutput = future.result()
        except KilledWorker as exc:
            why = f"its worker died every time it ran: {exc}"
            return self._done(NotebookResult(str(job.source), "failed", why, key=key), record=False)
        except Exception as exc:  # the task itself raised twice: that notebook fails, not the batch
            why = f"{type(exc).__name__}: {exc}"
            return self._done(NotebookResult(str(job.source), "failed", why, key=key), record=False)
        result = to_result(job, output, self.config.settings.accept, key)
        try:
            deliver(job, output, result)
        except MlemodError as exc:
            result.detail = f"{result.detail}; not saved: {exc}"
        return self._done(result)

    def _done(self, result: NotebookResult, *, record: bool = True) -> NotebookResult:
        if record and self.store is not None and result.current:
            self.store.record(result)
        self.listener(Update("done", Path(result.notebook), result))
        return result
