"""The parallel plumbing (sitegen/parallel.py): results in order, workers that raise or are
killed are reported (never a hang), and a build whose worker dies leaves public/ as it was."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from _buildkit import FIXTURE, assert_like_clean, build, edit_article, make_config, tree

from sitegen.errors import SitegenError
from sitegen.parallel import Background, WorkerFailed, chunks, fan_out, shared


def _square(n: int) -> int:
    return n * n + shared()["offset"]


def _explode(n: int) -> int:
    if n == 3:
        raise ValueError("three is not allowed")
    return n


def _die(n: int) -> int:
    if n == 2:
        os.kill(os.getpid(), signal.SIGKILL)
    return n


def _user_error(n: int) -> int:
    raise SitegenError("content/x.md", 4, "bad thing", "fix it")


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_results_come_back_in_job_order_with_the_shared_value(workers):
    # the shared value holds a lambda, which could never be pickled to a spawned worker
    state = {"offset": 1, "unpicklable": lambda: None}
    assert fan_out(_square, list(range(10)), name="squares", workers=workers, shared=state) == [
        n * n + 1 for n in range(10)
    ]


def test_meanwhile_runs_here_while_the_workers_work():
    seen = []
    fan_out(
        _square, [1, 2], name="squares", workers=2, shared={"offset": 0}, meanwhile=lambda: seen.append(os.getpid())
    )
    assert seen == [os.getpid()]


def _niceness(job):
    return os.getpriority(os.PRIO_PROCESS, 0)


@pytest.mark.parametrize("workers", [1, 2])
def test_forked_workers_lower_their_priority_and_this_process_never_does(workers):
    mine = os.getpriority(os.PRIO_PROCESS, 0)
    got = fan_out(_niceness, [0, 1], name="niceness", workers=workers, niceness=3)
    assert got == [mine + 3 if workers > 1 else mine] * 2
    assert os.getpriority(os.PRIO_PROCESS, 0) == mine


@pytest.mark.parametrize("workers", [1, 2])
def test_a_worker_that_raises_is_named(workers):
    with pytest.raises(WorkerFailed, match="tokens: ValueError: three is not allowed"):
        fan_out(_explode, list(range(6)), name="tokens", workers=workers)


def test_a_killed_worker_is_reported_not_waited_for():
    with pytest.raises(WorkerFailed, match="render: a worker process died"):
        fan_out(_die, list(range(6)), name="render", workers=2)


def test_a_user_error_in_a_worker_stays_a_user_error():
    with pytest.raises(SitegenError, match=r"content/x.md:4: bad thing \(hint: fix it\)"):
        fan_out(_user_error, [1, 2], name="render", workers=2)


def test_background_job_value_error_and_death():
    assert Background(lambda: 41 + 1, "answer").result() == (42, None)
    value, error = Background(lambda: 1 / 0, "divide").result()
    assert value is None and "ZeroDivisionError" in error
    value, error = Background(lambda: os.kill(os.getpid(), signal.SIGKILL), "doomed").result()
    assert value is None and "doomed: the process died" in error


def _adder():
    """A talking job: answers each number sent with the running total, in the process it runs
    in, and returns the total when sent None."""
    total = 0
    number = yield
    while number is not None:
        if number < 0:
            raise ValueError("no negative numbers")
        total += number
        number = yield (total, os.getpid())
    return total


@pytest.mark.parametrize("fork", [True, False], ids=["forked", "in-process"])
def test_a_talking_job_answers_each_message_forked_or_in_process(fork):
    job = Background(_adder, "adder", talk=True, fork=fork)
    total, pid = job.ask(2)
    assert total == 2 and (pid != os.getpid()) == fork
    job.ask(3, answered=False)
    assert job.answer() == (5, pid)
    job.ask(None, answered=False)
    assert job.result() == (5, None)


@pytest.mark.parametrize("fork", [True, False], ids=["forked", "in-process"])
def test_a_talking_job_that_raises_ends_with_its_error(fork):
    job = Background(_adder, "adder", talk=True, fork=fork)
    assert job.ask(1)[0] == 1
    assert job.ask(-1) is None
    value, error = job.result()
    assert value is None and "ValueError: no negative numbers" in error


def _done_early():
    yield None
    yield "ready"
    return "indexed all"  # ends instead of answering the message it was sent


@pytest.mark.parametrize("fork", [True, False], ids=["forked", "in-process"])
def test_a_job_that_ended_keeps_its_value_when_sent_another_message(fork):
    """The search job ends with its whole index instead of answering (it found no index to
    patch); a message the build sends it afterwards must not turn that value into "the process
    died" (a build after an upgrade of sitegen failed so, when the process had exited first)."""
    job = Background(_done_early, "search", talk=True, fork=fork)
    process = job.process
    assert job.ask("listing") == "ready"
    assert job.ask("are you patching?") is None  # it ended instead of answering
    if fork:
        process.join(10)  # gone: its end of the pipe is closed
        assert process.exitcode == 0
    job.ask("the inputs", answered=False)
    assert job.result() == ("indexed all", None)


def test_a_job_not_forked_runs_only_when_its_result_is_asked():
    ran = []
    job = Background(lambda: ran.append(os.getpid()) or 7, "later", fork=False)
    assert not ran
    assert job.result() == (7, None) and ran == [os.getpid()]
    stopped = Background(lambda: ran.append("again"), "never", fork=False)
    stopped.stop()
    assert ran == [os.getpid()]


def _own_name(_job=None) -> str:
    return Path("/proc/self/comm").read_text().strip()


@pytest.mark.skipif(not Path("/proc/self/comm").exists(), reason="names processes through Linux's /proc")
def test_a_worker_is_named_after_its_stage():
    """ps, top and scripts/process_peaks.py tell the build's processes apart by these names."""
    assert fan_out(_own_name, [1, 2], name="search tokens", workers=2) == ["search-tokens", "search-tokens"]
    job = Background(_own_name, "related")
    assert job.result() == ("related", None)
    assert _own_name() != "related"  # the build's own process keeps its name


class _Knot:
    """An object in a cycle (with itself), counting how many are alive."""

    alive = 0

    def __init__(self) -> None:
        type(self).alive += 1
        self.me = self

    def __del__(self) -> None:
        type(self).alive -= 1


def _tie_knots(count: int) -> int:
    for _ in range(count):
        _Knot()
    return _Knot.alive


def test_a_forked_process_frees_the_cycles_of_its_work_though_the_build_collects_none():
    """build_site turns the cycle collector off in its own process; a worker that inherited
    that never freed the cycles of its work (Jinja makes some with every page): each render
    worker grew by about 900 MiB at 100,000 articles."""
    import gc

    was_on = gc.isenabled()
    gc.disable()
    try:
        alive = fan_out(_tie_knots, [20_000, 20_000], name="knots", workers=2)
        job = Background(lambda: _tie_knots(20_000), "knots")
        alive.append(job.result()[0])
    finally:
        if was_on:
            gc.enable()
    assert max(alive) < 5_000, alive


def test_chunks_cover_everything_once():
    assert chunks(7, 3) == [(0, 3), (3, 6), (6, 7)]
    assert chunks(0, 3) == [(0, 0)]


def test_a_build_whose_render_worker_is_killed_fails_and_keeps_public(tmp_path, monkeypatch):
    import sitegen.render

    config = make_config(tmp_path, parallel_from=1, workers=2)
    build(config)
    before = tree(config.out_dir)
    edit_article(config.content_dir / "lusong-2.md", "网格员每天", "网格员每周")
    real = sitegen.render.Renderer.render

    def killed(self, page):
        if page.kind == "article":
            os.kill(os.getpid(), signal.SIGKILL)
        return real(self, page)

    monkeypatch.setattr(sitegen.render.Renderer, "render", killed)
    report = build(config)
    assert report.failed and any("a worker process died" in e for e in report.errors), report.errors
    assert tree(config.out_dir) == before
    monkeypatch.undo()
    assert not build(config).errors


def test_a_build_whose_related_articles_job_is_killed_fails_and_keeps_public(tmp_path, monkeypatch):
    # The job that works out the related articles died (killed after it saved them): the build
    # raised a bare RuntimeError, a traceback at the command line, and left its staging folder.
    import sitegen.related

    config = make_config(tmp_path, parallel_from=1, search=False)
    build(config)
    before = tree(config.out_dir)
    parent, real = os.getpid(), sitegen.related.save_related

    def killed(*args):
        real(*args)
        if os.getpid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)

    monkeypatch.setattr(sitegen.related, "save_related", killed)
    # (a date: the full build, whose job works the related articles out; relay.py works them
    # out itself for an edit of tags, places or topics)
    edit_article(config.content_dir / "lusong-2.md", "date: 2024-11-01", "date: 2024-11-02")
    report = build(config)
    assert report.failed and any("related articles" in e for e in report.errors), report.errors
    assert tree(config.out_dir) == before
    assert not (config.out_dir.parent / f".{config.out_dir.name}.new").exists()
    monkeypatch.undo()
    assert not build(config).errors
    assert_like_clean(tmp_path, config)


def test_render_workers_leave_a_core_to_a_whole_index_made_beside_them(tmp_path, monkeypatch):
    """Beside a whole render, the search process tokenizes on one core and the render workers
    lower their priority (build.RENDER_NICENESS) so that it keeps that core; a build that renders
    a few pages beside a patch leaves its workers as they are."""
    import sitegen.render
    from sitegen.build import RENDER_NICENESS

    seen = tmp_path / "niceness.txt"
    real = sitegen.render.Renderer.render

    def noting(self, page):
        with open(seen, "a") as f:  # from forked workers: a file, not a list
            f.write(f"{page.kind} {os.getpriority(os.PRIO_PROCESS, 0)}\n")
        return real(self, page)

    monkeypatch.setattr(sitegen.render.Renderer, "render", noting)
    config = make_config(tmp_path / "site", parallel_from=1, workers=2)
    mine = os.getpriority(os.PRIO_PROCESS, 0)
    assert not build(config).errors
    # the search page, which shows the index's version, renders once the index is made
    kinds = [line.split() for line in seen.read_text().splitlines()]
    assert {kind for kind, _ in kinds} >= {"article", "home", "district", "search"}
    assert {niceness for kind, niceness in kinds if kind != "search"} == {str(mine + RENDER_NICENESS)}
    seen.unlink()
    edit_article(config.content_dir / "lusong-2.md", "网格员每天", "网格员每周")
    assert not build(config).errors
    assert {line.split()[1] for line in seen.read_text().splitlines()} == {str(mine)}


def test_a_build_whose_compress_worker_is_killed_fails_and_keeps_public(tmp_path, monkeypatch):
    import sitegen.writer

    config = make_config(tmp_path, parallel_from=1, workers=2, compress=True)
    build(config)
    before = tree(config.out_dir)
    # a new title lays the site out again: the compress workers write into the staging folder
    edit_article(config.content_dir / "lusong-2.md", "芦淞区网格员走街串巷", "芦淞区网格员走街入户")
    real = sitegen.writer._compressed
    parent = os.getpid()

    def killed(name, data):
        if os.getpid() != parent and name.endswith(".html"):
            os.kill(os.getpid(), signal.SIGKILL)
        return real(name, data)

    monkeypatch.setattr(sitegen.writer, "_compressed", killed)
    report = build(config)
    assert report.failed and any("compress" in e and "a worker process died" in e for e in report.errors), report.errors
    assert tree(config.out_dir) == before
    assert not sitegen.writer.staging_dir(config.out_dir).exists()  # the copies staged so far are gone
    monkeypatch.undo()
    assert not build(config).errors
    assert_like_clean(tmp_path, config)


def test_a_body_edit_whose_compression_fails_fails_and_keeps_public(tmp_path, monkeypatch):
    """A body edit writes through write_changed, which compresses in this process: a failure there
    is a failed build (it was a traceback), public/ as it was, and the next build like clean."""
    import sitegen.writer

    config = make_config(tmp_path, compress=True)
    build(config)
    before = tree(config.out_dir)
    edit_article(config.content_dir / "lusong-2.md", "网格员每天", "网格员每周")

    def broken(name, data):
        raise MemoryError("no room to compress")

    monkeypatch.setattr(sitegen.writer, "_compressed", broken)
    report = build(config)
    assert report.body_edit and report.failed, report
    assert any("compress" in e and "no room" in e for e in report.errors), report.errors
    assert tree(config.out_dir) == before
    monkeypatch.undo()
    assert not build(config).errors
    assert_like_clean(tmp_path, config)


_KILLED_BUILD = """
import sys, time
from pathlib import Path

import sitegen.build
from sitegen.build import build_site
from sitegen.config import default_config


def slow_search(*args):  # the forked search process, busy for a minute
    time.sleep(60)
    yield None


sitegen.build._search_job = slow_search
root = Path(sys.argv[1])
config = default_config(root).with_overrides(
    content_dir=root / "content", out_dir=root / "public", cache_dir=root / "cache", parallel_from=0
)
build_site(config, today="2025-06-01")
"""


def _children_of(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads the process tree from Linux's /proc")
def test_a_killed_build_takes_its_forked_processes_with_it(tmp_path):
    """A build killed (by the kernel for memory, say) left its search process running, writing
    into the cache folder beside the next build, whose lock it does not hold."""
    shutil.copytree(FIXTURE, tmp_path / "content")
    build = subprocess.Popen([sys.executable, "-c", _KILLED_BUILD, str(tmp_path)])
    children: list[int] = []
    try:
        deadline = time.monotonic() + 30
        while not children and time.monotonic() < deadline:
            time.sleep(0.05)
            children = _children_of(build.pid)
        assert children, "the build forked no process"
        os.kill(build.pid, signal.SIGKILL)
        build.wait()
        deadline = time.monotonic() + 10
        while any(map(_alive, children)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(map(_alive, children)), [Path(f"/proc/{c}/comm").read_text() for c in children if _alive(c)]
    finally:
        build.kill()
        for child in filter(_alive, children):
            os.kill(child, signal.SIGKILL)
