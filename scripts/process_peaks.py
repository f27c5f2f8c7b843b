"""Run a command and print the peak memory of it and of every process it starts.

    python scripts/process_peaks.py python -m sitegen --root DIR build

For each process of the command's tree: its name (sitegen's workers are named after their
stage: render, parse, search, search-tokens, search-pinyin, search-shards, related), its
parent, when it was first and last seen, and its peak resident set (VmHWM, sampled from /proc
every --every seconds, so a process that lives shorter than that may be missed).  A forked
process's resident set counts the pages it shares with its parent: each figure is its parent's
at the fork plus its own work.  Linux only.  The command's exit status is this script's.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path


def _children(pid: int) -> list[tuple[int, int]]:
    """(child, parent) of every process below *pid*."""
    try:
        kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    out = []
    for kid in map(int, kids):
        out.append((kid, pid))
        out += _children(kid)
    return out


def _status(pid: int) -> tuple[str, int] | None:
    """(name, peak resident set in MiB) of *pid*, or None once it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    if "VmHWM" not in fields:  # a zombie
        return None
    return fields["Name"].strip(), int(fields["VmHWM"].split()[0]) // 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--every", type=float, default=0.1, help="seconds between samples (0.1)")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    if not args.command:
        parser.error("name the command to run")
    started = time.monotonic()
    proc = subprocess.Popen(args.command)
    seen: dict[int, list] = {}  # pid: [name, parent, first seen, last seen, peak]
    while proc.poll() is None:
        now = time.monotonic() - started
        for pid, parent in [(proc.pid, 0), *_children(proc.pid)]:
            status = _status(pid)
            if status is None:
                continue
            name, peak = status
            row = seen.setdefault(pid, [name, parent, now, now, peak])
            row[0], row[3], row[4] = name, now, max(row[4], peak)
        time.sleep(args.every)
    out = sys.stderr
    print(f"{'process':>9} {'name':<16} {'parent':>7} {'seen (s)':>15} {'peak MiB':>9}", file=out)
    for pid, (name, parent, first, last, peak) in sorted(seen.items(), key=lambda item: item[1][2]):
        offset = f"+{pid - proc.pid}" if pid != proc.pid else "command"
        parent_offset = f"+{parent - proc.pid}" if parent else "-"
        print(f"{offset:>9} {name:<16} {parent_offset:>7} {first:7.1f}-{last:7.1f} {peak:9,}", file=out)
    if seen:
        print(f"largest: {max(row[4] for row in seen.values()):,} MiB", file=out)
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main())
