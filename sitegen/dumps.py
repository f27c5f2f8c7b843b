"""Read raw page dumps: decode any of the encodings editors meet, keep every line number."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .errors import SitegenError

_ENCODINGS = ("utf-8-sig", "gb18030")


@dataclass(frozen=True)
class Dump:
    """One decoded dump: its path relative to the project root and its lines."""

    path: Path
    source: str  # e.g. raw/000_9a2b6df346def618.txt
    encoding: str
    lines: tuple[str, ...]  # lines[0] is line 1
    notes: tuple[str, ...] = ()  # what reading it changed or could not read, for REVIEW.md


def decode(data: bytes, path: Path) -> tuple[str, str, tuple[str, ...]]:
    """Decode dump bytes, returning (text, encoding, notes); raise SitegenError for binary data.

    A scrape may hold a few stray NUL bytes, or pages saved in two encodings one after the other:
    the NULs are dropped, and a dump that decodes whole neither as UTF-8 nor as GB18030 is
    decoded line by line, each as whichever does (a line neither decodes keeps U+FFFD for its
    bad bytes).  The notes say so, with the lines, so that no line is lost or changed unseen."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16", ()
    notes: list[str] = []
    nuls = data.count(b"\x00")
    binary = SitegenError(
        path, None, "looks binary (contains NUL bytes), skipped", "dumps must be text: UTF-8 or GB18030"
    )
    if nuls:
        if nuls > max(8, len(data) // 1000):
            raise binary
        lines = [n for n, line in enumerate(data.split(b"\n"), start=1) if b"\x00" in line]
        notes.append(f"{nuls} NUL byte(s) dropped, on line(s) {_line_list(lines)}")
        data = data.replace(b"\x00", b"")
    for encoding in _ENCODINGS:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _looks_binary(text):
            break
        return text, encoding, tuple(notes)
    else:
        text, encoding, by_line = _by_line(data)
        if not _looks_binary(text):
            return text, encoding, (*notes, *by_line)
    if nuls:  # a few NULs, and still not text
        raise binary
    raise SitegenError(path, None, "cannot be decoded as UTF-8 or GB18030, skipped", "re-save the dump as UTF-8")


def _looks_binary(text: str) -> bool:
    controls = sum(1 for c in text if ord(c) < 32 and c not in "\r\n\t\f")
    return controls > max(8, len(text) // 100)


def _by_line(data: bytes) -> tuple[str, str, list[str]]:
    """Decode each line as UTF-8, else as GB18030, else as UTF-8 with U+FFFD for its bad bytes."""
    decoded: list[str] = []
    gb: list[int] = []
    bad: list[int] = []
    for number, line in enumerate(data.split(b"\n"), start=1):
        try:
            decoded.append(line.decode("utf-8-sig" if number == 1 else "utf-8"))
            continue
        except UnicodeDecodeError:
            pass
        try:
            decoded.append(line.decode("gb18030"))
            gb.append(number)
        except UnicodeDecodeError:
            decoded.append(line.decode("utf-8", errors="replace"))
            bad.append(number)
    notes = [f"decoded line by line: line(s) {_line_list(gb)} as GB18030, the others as UTF-8"] if gb else []
    if bad:
        notes.append(f"line(s) {_line_list(bad)} decode as neither UTF-8 nor GB18030: their bad bytes show as \ufffd")
    return "\n".join(decoded), "utf-8+gb18030", notes


def _line_list(numbers: list[int], most: int = 8) -> str:
    shown = ", ".join(map(str, numbers[:most]))
    return shown + (f" and {len(numbers) - most} more" if len(numbers) > most else "")


def read_dump(path: Path, root: Path) -> Dump:
    """Read one dump file; its `source` is relative to *root* when it lies inside it."""
    text, encoding, notes = decode(path.read_bytes(), path)
    try:
        source = path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        source = path.as_posix()
    # Lines as Python's str.splitlines() counts them: a form feed or a Unicode line separator
    # left in a dump also ends a line (so line numbers agree with editors' tools).
    lines = tuple(text.splitlines())
    return Dump(path=path, source=source, encoding=encoding, lines=lines, notes=notes)


def find_dumps(paths: list[Path]) -> list[Path]:
    """Expand files and folders into a sorted list of dump files (*.txt, *.md)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                p for p in sorted(path.iterdir()) if p.is_file() and p.suffix.lower() in {".txt", ".md", ".text"}
            )
        elif path.exists():
            found.append(path)
        else:
            raise SitegenError(path, None, "no such file or folder", "check the path")
    return found
