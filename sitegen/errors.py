"""Errors that name the file and line and suggest a fix."""

from __future__ import annotations

from pathlib import Path


class SitegenError(Exception):
    """A problem with the user's input, reported as `file:line: message (hint)`."""

    def __init__(self, path: Path | str | None, line: int | None, message: str, hint: str = ""):
        self.path = Path(path) if path is not None else None
        self.line = line
        self.message = message
        self.hint = hint
        super().__init__(self.describe())

    def __reduce__(self) -> tuple[type[SitegenError], tuple[Path | None, int | None, str, str]]:
        return SitegenError, (self.path, self.line, self.message, self.hint)

    def describe(self) -> str:
        """Return the one-line report shown to editors."""
        where = ""
        if self.path is not None:
            where = f"{self.path}:{self.line}: " if self.line else f"{self.path}: "
        tail = f" (hint: {self.hint})" if self.hint else ""
        return f"{where}{self.message}{tail}"
