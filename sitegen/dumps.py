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


def decode(data: bytes, path: Path) -> tuple[str, str]:
    """Decode dump bytes, returning (text, encoding); raise SitegenError for binary data."""
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise SitegenError(
            path, None, "looks binary (contains NUL bytes), skipped", "dumps must be text: UTF-8 or GB18030"
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    for encoding in _ENCODINGS:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        controls = sum(1 for c in text if ord(c) < 32 and c not in "\r\n\t\f")
        if controls > max(8, len(text) // 100):
            break
        return text, encoding
    raise SitegenError(path, None, "cannot be decoded as UTF-8 or GB18030, skipped", "re-save the dump as UTF-8")


def read_dump(path: Path, root: Path) -> Dump:
    """Read one dump file; its `source` is relative to *root* when it lies inside it."""
    text, encoding = decode(path.read_bytes(), path)
    try:
        source = path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        source = path.as_posix()
    # Lines as Python's str.splitlines() counts them: a form feed or a Unicode line separator
    # left in a dump also ends a line (so line numbers agree with editors' tools).
    lines = tuple(text.splitlines())
    return Dump(path=path, source=source, encoding=encoding, lines=lines)


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
