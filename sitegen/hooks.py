"""`sitegen hooks install|uninstall`: a git post-commit hook that imports and rebuilds.

After each commit the hook imports the dumps under raw/ that the commit added or
changed (``sitegen import <those files>``), then runs the incremental ``sitegen build``.
It runs synchronously, so when ``git commit`` returns the site in public/ is up to date;
a failing import or build is reported but never undoes the commit. ``SITEGEN_SKIP_HOOK=1``
skips it for one commit.

The hook goes where git looks for hooks (``core.hooksPath`` if set, else
``.git/hooks``). Our hook carries a sentinel line, so ``uninstall_hook`` removes only
ours. An existing post-commit hook that is not ours is kept and chained: it is renamed
to ``post-commit.pre-sitegen`` and our hook runs it first; uninstalling puts it back.
"""

from __future__ import annotations

import os
import shlex
import stat
import subprocess
import sys
from pathlib import Path

from .config import default_config
from .errors import SitegenError

HOOK_NAME = "post-commit"
CHAINED_SUFFIX = ".pre-sitegen"
SENTINEL = "# sitegen-managed-hook: installed by `sitegen hooks install`; remove with `sitegen hooks uninstall`"

HOOK_TEMPLATE = """#!/bin/sh
{sentinel}
# Rebuild the site after each commit: import the dumps this commit added or changed,
# then build incrementally. Skip once with SITEGEN_SKIP_HOOK=1 git commit ...
{chain}
[ -n "$SITEGEN_SKIP_HOOK" ] && exit 0
SITEGEN_ROOT={root}
SITEGEN_PY={python}
command -v "$SITEGEN_PY" >/dev/null 2>&1 || SITEGEN_PY=python3
# The project, then the folder holding the sitegen package that installed this hook.
PYTHONPATH="$SITEGEN_ROOT":{pkg_parent}"${{PYTHONPATH:+:$PYTHONPATH}}"
export PYTHONPATH
# One rebuild at a time: a second quick commit waits for the first one's build.
if command -v flock >/dev/null 2>&1 && mkdir -p {cache_dir} 2>/dev/null; then
    exec 9>{cache_dir}/hook.lock && flock 9
fi
{import_block}
"$SITEGEN_PY" -m sitegen.cli --root "$SITEGEN_ROOT" build \\
    || echo "sitegen hook: the build failed (the commit is kept)" >&2
exit 0
"""

IMPORT_TEMPLATE = """# git runs post-commit in the top of the work tree; paths below are relative to it.
if git diff-tree -r --root --no-commit-id --name-only --diff-filter=AMR HEAD -- {raw_spec} \\
        | grep -q .; then
    git diff-tree -z -r --root --no-commit-id --name-only --diff-filter=AMR HEAD -- {raw_spec} \\
        | xargs -0 "$SITEGEN_PY" -m sitegen.cli --root "$SITEGEN_ROOT" import \\
        || echo "sitegen hook: the import failed (the commit is kept)" >&2
fi
"""

CHAIN_TEMPLATE = """# The post-commit hook that was here before sitegen's, kept and run first:
if [ -x "$(dirname "$0")/{name}" ]; then
    "$(dirname "$0")/{name}" "$@" || echo "sitegen hook: {name} failed" >&2
fi"""


def _git(root: Path, *args: str) -> str:
    try:
        result = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise SitegenError(
            root, None, "git is not installed", "install git, or rebuild by hand with `sitegen build`"
        ) from None
    if result.returncode != 0:
        raise SitegenError(
            root, None, f"not a git work tree ({result.stderr.strip()})", "run `git init` in the project first"
        ) from None
    return result.stdout.strip()


def _looks_like_project(folder: Path) -> bool:
    return any((folder / name).exists() for name in ("sitegen.toml", "content", "raw"))


def project_root(start: Path) -> Path:
    """Return the project folder for a hook asked for in *start*: *start* itself when it holds
    the project, else the repository's top folder when that does (a command typed in
    content/ or raw/); otherwise say why not, rather than install a hook that builds a
    sub-folder."""
    start = Path(start).resolve()
    if _looks_like_project(start):
        return start
    top = Path(_git(start, "rev-parse", "--show-toplevel")).resolve()
    if _looks_like_project(top):
        return top
    raise SitegenError(
        start,
        None,
        f"this is not a sitegen project (no content/, raw/ or sitegen.toml here or at the repository's top, {top})",
        "run `sitegen hooks install` in the project folder, or name it with --root",
    )


def hooks_dir(root: Path) -> Path:
    """Return the folder git runs hooks from (honours core.hooksPath)."""
    root = Path(root).resolve()
    path = Path(_git(root, "rev-parse", "--git-path", "hooks"))
    return path if path.is_absolute() else (root / path).resolve()


def hook_path(root: Path) -> Path:
    """Return the path of the post-commit hook for the repository holding *root*."""
    return hooks_dir(root) / HOOK_NAME


def _is_ours(path: Path) -> bool:
    try:
        return SENTINEL in path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False


def render_hook(root: Path, chained: str | None = None, python: str | None = None) -> str:
    """Return the hook script for the project at *root*."""
    root = Path(root).resolve()
    top = Path(_git(root, "rev-parse", "--show-toplevel")).resolve()
    raw = default_config(root).raw_dir
    try:
        raw_spec = raw.resolve().relative_to(top).as_posix().rstrip("/") + "/"
        import_block = IMPORT_TEMPLATE.format(raw_spec=shlex.quote(raw_spec))
    except ValueError:  # raw/ outside the repository: commits never bring new dumps
        import_block = "# raw/ is outside this repository: nothing to import after a commit\n"
    chain = CHAIN_TEMPLATE.format(name=chained) if chained else ""
    return HOOK_TEMPLATE.format(
        sentinel=SENTINEL,
        chain=chain,
        root=shlex.quote(str(root)),
        python=shlex.quote(python or sys.executable or "python3"),
        import_block=import_block,
        cache_dir=shlex.quote(str(default_config(root).cache_dir)),
        pkg_parent=shlex.quote(str(Path(__file__).resolve().parent.parent)),
    )


def _write_executable(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp-sitegen")
    tmp.write_text(text, encoding="utf-8")
    mode = tmp.stat().st_mode
    tmp.chmod(mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    os.replace(tmp, path)


def install_hook(root: Path) -> str:
    """Install (or update) the post-commit hook; return a message for the user."""
    root = Path(root).resolve()
    hook = hook_path(root)
    hook.parent.mkdir(parents=True, exist_ok=True)
    chained_name = HOOK_NAME + CHAINED_SUFFIX
    chained = hook.with_name(chained_name)
    if hook.exists() or hook.is_symlink():
        if _is_ours(hook):
            keep_chain = chained.exists()
            _write_executable(hook, render_hook(root, chained_name if keep_chain else None))
            return f"updated the sitegen post-commit hook at {hook}"
        if chained.exists() or chained.is_symlink():
            raise SitegenError(
                hook,
                None,
                "a post-commit hook that is not sitegen's is there, and "
                f"{chained_name} exists too, so it cannot be chained safely",
                "merge or remove one of them by hand, then run `sitegen hooks install` again",
            )
        os.replace(hook, chained)
        _write_executable(hook, render_hook(root, chained_name))
        return (
            f"installed the sitegen post-commit hook at {hook}; the existing hook was "
            f"kept as {chained.name} and runs first"
        )
    _write_executable(hook, render_hook(root))
    return f"installed the sitegen post-commit hook at {hook} (remove it with `sitegen hooks uninstall`)"


def uninstall_hook(root: Path) -> str:
    """Remove our post-commit hook (restoring a chained one); leave foreign hooks alone."""
    root = Path(root).resolve()
    hook = hook_path(root)
    chained = hook.with_name(HOOK_NAME + CHAINED_SUFFIX)
    if not (hook.exists() or hook.is_symlink()):
        return f"no post-commit hook at {hook}: nothing to remove"
    if not _is_ours(hook):
        return f"the post-commit hook at {hook} is not sitegen's (no sentinel line): left alone"
    if chained.exists() or chained.is_symlink():
        os.replace(chained, hook)
        return f"removed the sitegen post-commit hook; restored the previous hook at {hook}"
    hook.unlink()
    return f"removed the sitegen post-commit hook at {hook}"
