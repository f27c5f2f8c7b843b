"""The one way sitegen uses more than one core: forked processes that inherit the build's data.

- `fan_out(work, jobs, ...)` runs `work(job)` for every job in a pool of forked workers and
  returns the results in job order (the parse, render and tokenize stages).
- `Background(work, name)` runs one job beside the build and hands back its value (the search
  index, related articles); with ``talk=True`` the two sides exchange messages while it runs.
  With ``fork=False`` (a small site, where starting a process costs more than the job) it
  runs here instead, the same job.

Workers are forked, never spawned: they see what the build holds (articles, the site model,
the search documents) through `shared()` without pickling it.  The standard library's
ProcessPoolExecutor does the pooling, because it notices a worker that dies (killed by the
kernel for memory, say) and says so instead of waiting for it forever, as
multiprocessing.Pool does.  A failure in a worker is raised here as WorkerFailed naming the
stage; a SitegenError (a template error in a render worker) is raised as itself.

Whether a stage is worth fanning out is the caller's decision, from the configuration
(`workers`, `parallel_from` in sitegen.toml's [build] table: docs/CONFIG.md).
"""

from __future__ import annotations

import functools
import logging
import multiprocessing
import os
import sys
from collections.abc import Callable, Generator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from .errors import SitegenError

log = logging.getLogger(__name__)
J = TypeVar("J")
R = TypeVar("R")

_SHARED: Any = None  # what the parent hands its forked workers, inherited, never pickled


class WorkerFailed(RuntimeError):
    """A worker process raised or died."""


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def worker_count(configured: int = 0) -> int:
    """Return the workers to use: *configured*, or (0) one per core, at most four (beyond
    that the build's own process and the disk are the limit)."""
    return configured if configured > 0 else min(os.cpu_count() or 1, 4)


def shared() -> Any:
    """Return, inside a worker, the *shared* value its fan_out was given."""
    return _SHARED


def fan_out(
    work: Callable[[J], R],
    jobs: Sequence[J],
    *,
    name: str,
    workers: int,
    shared: Any = None,
    initializer: Callable[[], None] | None = None,
    meanwhile: Callable[[], object] | None = None,
    niceness: int = 0,
) -> list[R]:
    """Return [work(job) for job in jobs], in forked workers when *workers* > 1.

    *shared* is what the workers read through `shared()`; *initializer* runs once in each
    worker before its first job; *meanwhile* runs here while the workers work (or first, with
    one worker); forked workers lower their priority by *niceness* (this process never does).
    """
    global _SHARED
    if workers < 2 or len(jobs) < 2 or not can_fork():
        _SHARED = shared
        try:
            if initializer:
                initializer()
            if meanwhile:
                meanwhile()
            return [work(job) for job in jobs]
        except SitegenError:
            raise
        except Exception as exc:
            log.debug("%s failed", name, exc_info=True)
            raise WorkerFailed(f"{name}: {type(exc).__name__}: {exc}") from exc
        finally:
            _SHARED = None
    _SHARED = shared
    try:
        context = multiprocessing.get_context("fork")
        start = functools.partial(_start_worker, name, initializer, os.getpid(), niceness)
        with ProcessPoolExecutor(min(workers, len(jobs)), mp_context=context, initializer=start) as pool:
            futures = [pool.submit(work, job) for job in jobs]
            if meanwhile:
                meanwhile()
            return [_result(future, name) for future in futures]
    finally:
        _SHARED = None


def _start_worker(name: str, initializer: Callable[[], None] | None, parent: int, niceness: int) -> None:
    _end_with_parent(parent)
    name_process(name)
    _collect_own_garbage()
    if niceness:
        os.nice(niceness)
    if initializer is not None:
        initializer()


def _end_with_parent(parent: int) -> None:
    """Have the system kill this forked process when *parent*, the process that forked it, dies
    (killed, or out of memory): an orphaned worker would go on writing into the cache folder
    beside the next build, whose lock it does not hold (a record lock is its owner's alone).
    Linux only (prctl PR_SET_PDEATHSIG); elsewhere a worker notices when it next talks."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes
    import signal

    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)  # 1: PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # it died before the request was made
        os._exit(1)


def _collect_own_garbage() -> None:
    """Turn the cycle collector back on in a forked process (the build turns it off) for the
    garbage of its own work, but never let it look at the objects inherited from the build:
    a collection writes to every object it visits, and each page written is copied from the
    parent (a page fault).  A render worker makes cycles with every page (Jinja's contexts and
    macros): left uncollected, they grew each worker by 90 MiB at 10,000 articles and by about
    900 MiB at 100,000."""
    import gc

    gc.freeze()
    gc.enable()


def name_process(name: str) -> None:
    """Name this process after its stage (its `comm`, which ps, top and
    scripts/process_peaks.py show: "render", "search-tokens"), where the system allows it."""
    try:
        with open("/proc/self/comm", "w") as comm:
            comm.write(name.replace(" ", "-")[:15])
    except OSError:
        pass


def _result(future: Any, name: str) -> Any:
    try:
        return future.result()
    except SitegenError:
        raise
    except BrokenProcessPool:
        raise WorkerFailed(f"{name}: a worker process died (killed, or out of memory)") from None
    except Exception as exc:
        raise WorkerFailed(f"{name}: {type(exc).__name__}: {exc}") from exc


class Background:
    """One job run beside the build: in a forked process (*fork*, where the system can), using
    the second core while this one lays out, plans and renders pages; otherwise here, in this
    process, which costs a small site less than starting a process does.

    A talking job (*talk*) is a generator function.  It receives the build's messages as the
    values of its ``yield``s, answers a message with the value of its next ``yield`` (see
    `ask`), and returns its result.  Forked, it runs on its own between messages; here, each
    `ask` runs it up to its next ``yield``, and the first runs it from its start.  A job
    that does not talk, when not forked, runs when the build asks for its `result` (a
    build refused meanwhile never runs it)."""

    def __init__(self, work: Callable[..., Any], name: str, talk: bool = False, fork: bool = True) -> None:
        self.name = name
        self.outcome: tuple | None = None
        self.process: Any = None
        self.steps: Generator[Any, Any, Any] | None = None  # a talking job run here
        self.later: Callable[[], Any] | None = None  # a job run here that does not talk
        self.started = False
        self.pending: object = None  # its answer to the last message
        if not (fork and can_fork()):
            if talk:
                self.steps = work()
            else:
                self.later = work
            return
        context = multiprocessing.get_context("fork")
        self.receive, send = context.Pipe(duplex=talk)
        parent = os.getpid()

        def child() -> None:
            _end_with_parent(parent)
            # Without the read end here, a send fails at once when the build has died, instead
            # of waiting for a reader forever.
            self.receive.close()
            name_process(name)
            _collect_own_garbage()
            outcome = _outcome(lambda: _talk(work(), Channel(send))) if talk else _outcome(work)
            try:
                send.send(("done", outcome))
            except OSError:
                pass
            send.close()

        self.process = context.Process(target=child, name=f"sitegen-{name}")
        self.process.start()
        send.close()

    @property
    def forked(self) -> bool:
        """Whether the job runs in a process of its own."""
        return self.process is not None

    def ask(self, message: object, answered: bool = True) -> object:
        """Send a talking job *message*; return its answer (None when it ended instead, or
        when not *answered*: a message that needs no answer)."""
        if self.steps is not None:
            self._step(message)
            return self.answer() if answered else None
        if self.outcome is not None:  # it ended (its value or error is kept): nobody to send to
            return None
        try:
            self.receive.send(message)
        except OSError:
            self._ended(None)
            return None
        return self.answer() if answered else None

    def answer(self) -> object:
        """Wait for a talking job's answer to the last message (None when it ended instead)."""
        if self.steps is not None:
            value, self.pending = self.pending, None
            return value
        return self._next()

    def result(self) -> tuple:
        """Wait for (the work's value or None, an error message or None)."""
        if self.later is not None and self.outcome is None:
            self.outcome = _outcome(self.later)
        if self.steps is not None and self.outcome is None:
            self.stop()
            self.outcome = (None, f"{self.name}: the job ended waiting for a message")
        while self.outcome is None:
            self._next()
        return self.outcome

    def _step(self, message: object) -> None:
        """Run a talking job here from its last ``yield`` to its next, given *message*."""
        if self.outcome is not None or self.steps is None:
            return
        try:
            if not self.started:
                self.started = True
                next(self.steps)
            self.pending = self.steps.send(message)
        except StopIteration as done:
            self.outcome = (done.value, None)
        except Exception as exc:
            log.debug("%s failed", self.name, exc_info=True)
            self.outcome = (None, f"{type(exc).__name__}: {exc}")

    def _next(self) -> object:
        try:
            tag, value = self.receive.recv()
        except (EOFError, OSError):
            self._ended(None)
            return None
        if tag == "done":
            self._ended(value)
            return None
        return value

    def _ended(self, outcome: tuple | None) -> None:
        if self.outcome is not None:  # ended before: what it ended with stands
            return
        if outcome is None:
            code = self.process.exitcode if self.process is not None else None
            if self.process is not None and code is None:
                self.process.join(5)
                code = self.process.exitcode
            outcome = (None, f"{self.name}: the process died (exit code {code})")
        self.outcome = outcome
        self.stop()

    def stop(self) -> None:
        """End the job (a build that failed meanwhile never reads its result)."""
        if self.steps is not None:
            self.steps.close()  # its `finally:` clauses run
        if self.process is not None:
            self.receive.close()
            if self.process.is_alive() and self.outcome is None:
                self.process.kill()
            self.process.join()
            self.process = None


def _talk(steps: Generator[Any, Any, Any], channel: Channel) -> Any:
    """Run a talking job in the forked process: each message the build sends goes to the job,
    and what it yields next is the answer; return what it returns."""
    try:
        next(steps)
        while True:
            channel.answer(steps.send(channel.recv()))
    except StopIteration as done:
        return done.value


class Channel:
    """The forked side of a talking job's pipe."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection

    def recv(self) -> object:
        return self.connection.recv()

    def answer(self, value: object) -> None:
        self.connection.send(("answer", value))


def _outcome(work: Callable[[], Any]) -> tuple:
    try:
        return work(), None
    except Exception as exc:
        log.debug("%s failed", getattr(work, "__name__", "job"), exc_info=True)
        return None, f"{type(exc).__name__}: {exc}"


def chunks(count: int, size: int) -> list[tuple[int, int]]:
    """Return (start, end) bounds covering range(count) in runs of *size* (one empty run for
    nothing, so a stage always runs once)."""
    return [(i, min(i + size, count)) for i in range(0, count, max(1, size))] or [(0, 0)]
