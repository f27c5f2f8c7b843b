"""The only module that writes the output folder.

Every build writes its new files aside first, in `.<out>.new/` next to the output folder, so a
build that fails or is killed while rendering or writing leaves the previous output folder whole.
Then one of two commits:

* many changes (a cold build, a template change): the staging folder is completed into a full
  site (unchanged files are hard links into the old one) and the two folders are swapped with one
  atomic `renameat2(RENAME_EXCHANGE)` (where that is missing: two renames, which the next build
  repairs if it was killed in between);
* few changes (one article edited): the list of files to replace and remove is written to
  `.<out>.new/.journal.json` (the commit point), then each staged file is moved in with an atomic
  `os.replace`.  A build killed after the commit point is rolled forward by the next build, before
  anything else; each file is always either the old or the new one, never half-written.
  This keeps a one-article rebuild proportional to what changed, not to the size of the site.

Big builds write pages into the staging folder as they are rendered (`begin_stage`,
`stage_files`) and hand `write_site` only their names and digests, so the writes overlap the
rendering and no page is held in memory or written twice.

With no change, nothing is written at all.  The previous tree is deleted in the background.

After every build that changed something, `<cache_dir>/changed.txt` lists the changed output
files (added, modified or removed), one path relative to the output folder a line: the list to
purge from a CDN.  `<cache_dir>/outputs.sqlite` keeps the digest of every output file: read
whole by a full build, row by row by a body edit's `write_changed`, which writes some files and
keeps every other one; each build updates only the rows of the files it changed, and blanks
them before its commit (`OutputManifest.expect`): a build killed between the commit and the
record leaves rows that match no file, so the next build writes those files again.
"""

from __future__ import annotations

# ctypes, gzip and subprocess are imported where they are used: a one-article build needs none.
import hashlib
import json
import logging
import os
import shutil
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .cache import select_in, write_bytes
from .errors import SitegenError

log = logging.getLogger(__name__)

COMPRESSIBLE = (".html", ".xml", ".css", ".js", ".json", ".txt", ".svg")
OUTPUT_MANIFEST_FILE = "outputs.sqlite"
CHANGED = "changed.txt"


@dataclass
class WriteResult:
    """What the writer did."""

    written: list = field(default_factory=list)  # new or modified outputs
    removed: list = field(default_factory=list)  # outputs that no longer exist
    # Unchanged outputs carried over; None after a body edit's write (`write_changed`), which
    # keeps every output it does not name without counting them: a count of the manifest's rows
    # took 9-74 ms of an edit at 100,000 articles (435,000 rows), 0.27 s just after a rebuild.
    kept: int | None = 0

    @property
    def changed(self) -> list:
        return sorted(self.written + self.removed)


def digest(data: bytes) -> str:
    """Return the short digest used in the output manifest."""
    return hashlib.sha1(data).hexdigest()


class OutputManifest:
    """The output manifest of a cache folder: {output path: digest} of the last successful
    build.  Missing, it is empty (the next build writes every file).  Damaged, it is dropped
    and `lost` is set: a body edit then leaves the write to the full build, and a build that
    cannot record its write removes the file, so that the next one writes the site whole."""

    def __init__(self, cache_dir: Path, create: bool = False) -> None:
        import sqlite3

        self.path = Path(cache_dir) / OUTPUT_MANIFEST_FILE
        self.db: sqlite3.Connection | None = None
        self.lost = False
        if not create and not self.path.is_file():
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(str(self.path))
            self.db.execute("CREATE TABLE IF NOT EXISTS outputs (name TEXT PRIMARY KEY, digest TEXT) WITHOUT ROWID")
        except (sqlite3.Error, OSError) as exc:
            self._drop(exc)
            if create:
                self.db = sqlite3.connect(str(self.path))
                self.db.execute("CREATE TABLE outputs (name TEXT PRIMARY KEY, digest TEXT) WITHOUT ROWID")

    def _drop(self, exc: Exception) -> None:
        log.warning("%s: damaged output manifest dropped (%s); the next build writes the site whole", self.path, exc)
        self.close()
        self.lost = True
        self.path.unlink(missing_ok=True)

    def all(self) -> dict[str, str]:
        import sqlite3

        try:
            return {} if self.db is None else dict(self.db.execute("SELECT name, digest FROM outputs"))
        except sqlite3.Error as exc:
            self._drop(exc)
            return {}

    def some(self, names: Iterable[str]) -> dict[str, str]:
        """Return name -> digest of those of *names* the manifest holds."""
        import sqlite3

        if self.db is None:
            return {}
        try:
            return dict(select_in(self.db, "SELECT name, digest FROM outputs WHERE name IN ({})", names))
        except sqlite3.Error as exc:
            self._drop(exc)
            return {}

    def expect(self, names: Iterable[str]) -> None:
        """Before *names* are written: forget their digests (a file the manifest lacks gets an
        empty one), so that a build killed after the commit but before `update` leaves a manifest
        that does not take the files in place for the last build's: the next build writes them
        again, and removes those of them it does not make."""
        self.update(dict.fromkeys(names, ""), (), whole=False)

    def update(self, written: dict[str, str], removed: Iterable[str], whole: bool) -> None:
        """Record the files a build wrote and removed (*whole*: they are all there is)."""
        import sqlite3

        if self.db is None:
            return
        try:
            with self.db:
                if whole:
                    self.db.execute("DELETE FROM outputs")
                self.db.executemany("DELETE FROM outputs WHERE name = ?", [(n,) for n in removed])
                self.db.executemany("INSERT OR REPLACE INTO outputs VALUES (?, ?)", sorted(written.items()))
        except sqlite3.Error as exc:
            self._drop(exc)

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None


def load_output_manifest(cache_dir: Path) -> dict:
    """Return {output path: digest} of the last successful build (empty when unknown)."""
    manifest = OutputManifest(cache_dir)
    try:
        return manifest.all()
    finally:
        manifest.close()


def staging_dir(out_dir: Path) -> Path:
    return out_dir.parent / f".{out_dir.name}.new"


def _old_dir(out_dir: Path) -> Path:
    return out_dir.parent / f".{out_dir.name}.old"


JOURNAL = ".journal.json"
# Commit by journal when at most this share of the files changed, else by swap.  A journal costs
# about 60 µs a changed file, a swap 12 µs a file of the site (a link): at 10,000 articles (45,000
# files), a date corrected changes 4,718 and took 0.28 s by journal against 0.55 s by swap.
SMALL_CHANGE = 0.2


def recover(out_dir: Path) -> None:
    """Finish a committed journal, repair a killed fallback swap, drop a stale staging folder."""
    old = _old_dir(out_dir)
    if not out_dir.exists() and old.exists():
        os.rename(old, out_dir)
    stage = staging_dir(out_dir)
    if (stage / JOURNAL).exists() and out_dir.exists():
        _apply_journal(stage, out_dir)
    discard([p for p in (old, staging_dir(out_dir)) if p.exists()], out_dir)


# A trash of fewer files and folders than this is deleted by the build itself: starting a
# Python to delete it costs more (30 ms of CPU, against 5 ms for the 200 files of a small site).
DELETE_HERE_BELOW = 1000


def discard(folders: list, out_dir: Path) -> None:
    """Move *folders* out of the way at once and delete them in a background process, or here
    when they are small.

    Deleting a tree of tens of thousands of files takes seconds; the build does not wait.
    """
    trash = []
    for folder in folders:
        try:
            os.rmdir(folder)  # an empty staging folder: nothing to delete later
            continue
        except OSError:
            pass
        target = out_dir.parent / f".{out_dir.name}.trash.{os.getpid()}.{time.time_ns()}"
        try:
            os.rename(folder, target)
        except OSError:
            shutil.rmtree(folder, ignore_errors=True)
            continue
        trash.append(str(target))
    trash += [
        str(p) for p in out_dir.parent.glob(f".{out_dir.name}.trash.*") if str(p) not in trash and not _deleting(p)
    ]
    if not trash:
        return
    if _fewer_entries(trash, DELETE_HERE_BELOW):
        for path in trash:
            shutil.rmtree(path, ignore_errors=True)
        return
    import subprocess

    subprocess.Popen(
        [sys.executable, "-c", "import shutil, sys\nfor p in sys.argv[1:]: shutil.rmtree(p, True)", *trash],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        close_fds=True,
    )


def _fewer_entries(folders: list[str], limit: int) -> bool:
    """Whether *folders* hold fewer than *limit* files and folders in all (counted until *limit*)."""
    seen = 0
    for folder in folders:
        for _, dirs, files in os.walk(folder):
            seen += len(dirs) + len(files)
            if seen >= limit:
                return False
    return True


def _deleting(path: Path) -> bool:
    """Tell whether a trash folder belongs to a build process that may still be deleting it."""
    try:
        pid = int(path.name.split(".")[-2])
    except (ValueError, IndexError):
        return False
    return pid == os.getpid()


_libc = None


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths with renameat2(RENAME_EXCHANGE); False if unsupported."""
    global _libc
    import ctypes

    try:
        if _libc is None:  # the C library this process has loaded (finding it by name runs ldconfig)
            _libc = ctypes.CDLL(None, use_errno=True)
        fn = _libc.renameat2
    except (OSError, AttributeError):
        return False
    AT_FDCWD, RENAME_EXCHANGE = -100, 2
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    rc = fn(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE)
    return rc == 0


def _compressed(name: str, data: bytes) -> list[tuple[str, bytes]]:
    if not name.endswith(COMPRESSIBLE):
        return []
    import gzip

    out = [(name + ".gz", gzip.compress(data, compresslevel=9, mtime=0))]
    try:
        import brotli

        out.append((name + ".br", brotli.compress(data, quality=9, lgwin=_brotli_window(len(data)))))
    except ImportError:  # pragma: no cover - brotli is a dependency, but .gz alone is still useful
        pass
    return out


def _brotli_window(size: int) -> int:
    """Return the smallest brotli window (log2 bytes, 10-22; a window of 2**w bytes holds
    2**w - 16) that holds *size* bytes.  The encoder sizes its tables by the window, not by the
    input, and at the default (22: 4 MiB) each call mapped and zeroed tens of MiB: 4.96 ms a
    file, mostly page faults, against 0.19 ms with the window fitted, over 1,500 files of the
    realistic 10,000-article site, whose .br copies came out 0.05 % smaller (a window larger than
    the file finds nothing more)."""
    return max(10, min(22, (size + 15).bit_length()))


def begin_stage(out_dir: Path) -> Path:
    """Recover *out_dir*, then return a new, empty staging folder for `stage_files`."""
    out_dir = Path(out_dir)
    recover(out_dir)
    stage = staging_dir(out_dir)
    stage.mkdir(parents=True)
    return stage


def stage_files(stage: Path, files: Iterable[tuple[str, bytes]]) -> list[tuple[str, str]]:
    """Write *files* into the staging folder; return their (name, digest)."""
    stager = Stager(stage)
    return [(name, stager.put(name, data)) for name, data in files]


class Stager:
    """Writes files into the staging folder one at a time, as a producer makes them."""

    def __init__(self, stage: Path) -> None:
        self.root = str(stage)
        self.made: set[str] = set()

    def put(self, name: str, data: bytes) -> str:
        """Write *data* as *name*; return its digest."""
        _make_parent(self.root, name, self.made)
        _write_new(os.path.join(self.root, name), data)
        return digest(data)


def _make_parent(root: str, name: str, made: set) -> None:
    """Make the folder of *name* under *root* unless *made* has it (it may exist already)."""
    parent = os.path.dirname(name)
    if parent and parent not in made:
        path = os.path.join(root, parent)
        try:
            os.mkdir(path)  # one call where the folder above exists: the usual case
        except FileExistsError:
            pass
        except FileNotFoundError:
            os.makedirs(path, exist_ok=True)
        made.add(parent)


def _write_new(path: str, data: bytes) -> None:
    """Write a file with one open, write and close: without the buffered file object's fstat,
    ioctl and lseek, which cost more than the write itself on 16,000 pages."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0), 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


def _twice(name: str) -> SitegenError:
    return SitegenError(None, None, f"two outputs write '{name}'", "this is a bug in the site model")


def write_site(
    out_dir: Path,
    files: Iterable[tuple[str, bytes]],
    keep: Iterable[str] = (),
    cache_dir: Path | None = None,
    compress: bool = False,
    staged: Iterable[tuple[str, str]] = (),
    manifest: dict | None = None,
    workers: int = 1,
    parallel_from: int = 0,
) -> WriteResult:
    """Make *out_dir* hold exactly *files* (new bytes), *staged* ((name, digest) of files already
    written by `stage_files`) and *keep* (unchanged, taken from the old one).  With *compress*,
    the copies are made in *workers* processes when there are *parallel_from* or more files to
    compress (sitegen.toml's [build] settings, as for the other stages).

    *manifest* is `load_output_manifest(cache_dir)`, if the caller read it after `recover(out_dir)`.
    Refuses to write one output path twice.  Writes nothing when nothing changed.
    """
    out_dir = Path(out_dir)
    stage = staging_dir(out_dir)
    staged_digests = dict(staged)
    if not staged_digests:
        recover(out_dir)
    if not (cache_dir and out_dir.exists()):
        manifest = {}
    elif manifest is None:
        manifest = load_output_manifest(cache_dir)
    new: dict = {}
    for name, data in files:
        if name in new or name in staged_digests:
            raise _twice(name)
        new[name] = data
    hashes = {name: digest(data) for name, data in new.items()}
    hashes.update(staged_digests)
    kept_names: list[str] = []
    to_compress: list[str] = []
    if compress:
        kept_copies, to_compress = _copies_to_make(hashes, manifest)
        kept_names += kept_copies
    for name in keep:
        if name in new or name in staged_digests:
            raise _twice(name)
        kept_names.append(name)
        if compress and name.endswith(COMPRESSIBLE):
            if name + ".gz" in manifest:
                kept_names += [v for v in (name + ".gz", name + ".br") if v in manifest]
            else:  # compression came on since the file was written: its copies are made now
                to_compress.append(name)
    if compress:
        names = [*hashes, *keep]
        _refuse_clashing_copies(names, [n for n in names if n.endswith(COMPRESSIBLE)])

        def read(name: str) -> bytes:
            if name in new:
                return new[name]
            return ((stage if name in staged_digests else out_dir) / name).read_bytes()

        staging = stage if staged_digests else None  # pages staged: so are their compressed copies
        _add_copies(new, hashes, to_compress, read, workers, parallel_from, staged_digests, staging)
    result = WriteResult()
    old_names = set(manifest)
    final = set(hashes) | set(kept_names)
    for name in kept_names:
        if name not in manifest and not (out_dir / name).exists():
            raise SitegenError(None, None, f"'{name}' should be kept but is missing from {out_dir.name}/")
        hashes[name] = manifest.get(name, "")
    fresh = set(new) | set(staged_digests)
    result.written = _to_write(fresh, hashes, manifest, out_dir)
    result.removed = sorted(old_names - final)
    result.kept = len(final) - len(result.written)
    if out_dir.exists() and not result.written and not result.removed:
        if staged_digests:
            discard([stage], out_dir)
        return result
    if not staged_digests:
        stage.mkdir(parents=True)
    changes = len(result.written) + len(result.removed)
    if cache_dir and manifest:
        _expect(cache_dir, result.written)
    if out_dir.exists() and manifest and changes <= SMALL_CHANGE * max(len(final), 1):
        _commit_by_journal(stage, out_dir, result, new, flat=not staged_digests)
    else:
        _commit_by_swap(stage, out_dir, sorted(final), set(result.written), new, staged_digests)
    _save(cache_dir, hashes, result, whole=not manifest or any(name not in manifest for name in kept_names))
    return result


def write_changed(
    out_dir: Path,
    files: Iterable[tuple[str, bytes]],
    remove: Iterable[str] = (),
    cache_dir: Path | None = None,
    compress: bool = False,
) -> WriteResult:
    """Write *files* into *out_dir*, remove *remove*, and keep every other output of the last
    build as it is: a body edit's write (sitegen/body_edit.py), which reads and updates only the
    manifest rows of the files it names, never the whole manifest.  Commits by journal, as
    `write_site` does for a few changes.  Refuses to write one output path twice; writes nothing
    when nothing changed."""
    out_dir = Path(out_dir)
    stage = staging_dir(out_dir)
    recover(out_dir)
    new: dict[str, bytes] = {}
    for name, data in files:
        if name in new:
            raise _twice(name)
        new[name] = data
    remove = list(remove)
    variants = [v for name in [*new, *remove] if name.endswith(COMPRESSIBLE) for v in (name + ".gz", name + ".br")]
    manifest = OutputManifest(Path(cache_dir)) if cache_dir else None
    try:
        known = manifest.some([*new, *variants, *remove]) if manifest is not None else {}
        if manifest is not None and (manifest.lost or manifest.db is None):
            raise SitegenError(
                None,
                None,
                "the output manifest is missing or unreadable: nothing was written",
                "build again: the next build writes the whole site",
            )
        hashes = {name: digest(data) for name, data in new.items()}
        removed = [name for name in remove if name in known]
        if compress:
            _, to_compress = _copies_to_make(hashes, known)  # the unchanged files' copies stay anyway
            _refuse_clashing_copies(hashes, to_compress)
            _add_copies(new, hashes, to_compress, new.__getitem__, 1, 0)
        removed += [v for name in removed for v in (name + ".gz", name + ".br") if v in known]
        result = WriteResult(kept=None)
        result.written = _to_write(new, hashes, known, out_dir)
        result.removed = sorted(removed)
        if not result.written and not result.removed:
            return result
        stage.mkdir(parents=True)
        if manifest is not None:
            manifest.expect(result.written)
        _commit_by_journal(stage, out_dir, result, new, flat=True)
        if manifest is not None:
            manifest.update({name: hashes[name] for name in result.written}, result.removed, whole=False)
    finally:
        if manifest is not None:
            manifest.close()
    if cache_dir:
        _save_changed(Path(cache_dir), result)
    return result


def _copies_to_make(hashes: dict[str, str], known: dict[str, str]) -> tuple[list[str], list[str]]:
    """Return (the copies that stay: those of the compressible files of *hashes* whose bytes are
    those *known*, the manifest's digests; the files whose copies are to be made)."""
    kept, todo = [], []
    for name in [n for n in hashes if n.endswith(COMPRESSIBLE)]:
        variants = [v for v in (name + ".gz", name + ".br") if v in known]
        if variants and known.get(name) == hashes[name]:
            kept += variants
        else:
            todo.append(name)
    return kept, todo


def _refuse_clashing_copies(files: Iterable[str], compressible: list[str]) -> None:
    """A file of the site named as another's compressed copy (a theme's own `app.js.gz` beside
    `app.js`) would be overwritten by the copy, or keep the copy's place in the manifest."""
    names = set(files)
    for name in compressible:
        for copy in (name + ".gz", name + ".br"):
            if copy in names:
                raise SitegenError(
                    None,
                    None,
                    f"'{copy}' is a file of the site and the compressed copy of '{name}'",
                    "remove or rename it (a static folder's precompressed file, say), or build without --compress",
                )


def _add_copies(
    new: dict[str, bytes],
    hashes: dict[str, str],
    names: list[str],
    read: Callable[[str], bytes],
    workers: int,
    parallel_from: int,
    staged: dict[str, str] | None = None,
    stage: Path | None = None,
) -> None:
    """Make the .gz and .br copies of the files *names*, whose bytes *read* gives, and record
    their digests in *hashes*: in *workers* forked processes (`parallel.fan_out`) when there are
    *parallel_from* files or more.  With a *stage* (a build whose pages are staged) each copy is
    written into it as it is made and recorded in *staged*; else it is kept in *new*.  (Held in
    memory, the copies of 100,000 articles took the build's peak from 1.7 to 4.0 GiB.)"""
    from .parallel import chunks, fan_out

    workers = workers if len(names) >= parallel_from else 1
    size = -(-len(names) // (4 * workers)) if workers > 1 else len(names)
    made = fan_out(_copies_of, chunks(len(names), size), name="compress", workers=workers, shared=(names, read, stage))
    for run in made:
        for cname, cdata, cdigest in run:
            if cdata is None:
                assert staged is not None
                staged[cname] = cdigest
            else:
                new[cname] = cdata
            hashes[cname] = cdigest


def _copies_of(bounds: tuple[int, int]) -> list[tuple[str, bytes | None, str]]:
    """The copies of the files names[bounds] (`_add_copies`), each with its digest, and its
    bytes unless it was written into the staging folder."""
    from .parallel import shared

    names, read, stage = shared()
    stager = Stager(stage) if stage is not None else None
    out: list[tuple[str, bytes | None, str]] = []
    for name in names[bounds[0] : bounds[1]]:
        for cname, cdata in _compressed(name, read(name)):
            out.append((cname, None, stager.put(cname, cdata)) if stager else (cname, cdata, digest(cdata)))
    return out


def _to_write(names: Iterable[str], hashes: dict[str, str], known: dict[str, str], out_dir: Path) -> list[str]:
    """The *names* whose bytes differ from those *known*, or that are missing from *out_dir*
    (a file deleted by hand is written again)."""
    out = str(out_dir)
    return sorted(n for n in names if known.get(n) != hashes[n] or not os.path.exists(os.path.join(out, n)))


def _save_changed(cache_dir: Path, result: WriteResult) -> None:
    """List the changed files for a CDN purge (CHANGED)."""
    write_bytes(cache_dir / CHANGED, "".join(n + "\n" for n in result.changed).encode("utf-8"))


def _commit_by_journal(stage: Path, out_dir: Path, result: WriteResult, new: dict, flat: bool) -> None:
    """Stage the changed files, then commit by journal.

    In a staging folder of its own (*flat*), files are named by number: no folders to make and
    delete, which costs more than the writes on a one-article build.
    """
    replace = []
    for number, name in enumerate(result.written):
        source = name  # where stage_files wrote it, or a new file's place
        if name in new:
            if flat:
                source = str(number)
            else:
                _make_parent(str(stage), name, set())
            _write_new(os.path.join(stage, source), new[name])
        replace.append([name, source])
    write_bytes(stage / JOURNAL, json.dumps({"replace": replace, "remove": result.removed}).encode("utf-8"))
    _apply_journal(stage, out_dir)


def _commit_by_swap(stage: Path, out_dir: Path, final: list, written: set, new: dict, staged: dict) -> None:
    """Complete the staging folder into the whole new site, then swap it in."""
    root = str(stage)
    made: set = set()
    for name in final:
        target = os.path.join(root, name)
        if name in staged:
            if name in written:
                continue
            os.unlink(target)  # unchanged: link the old file, so it keeps its mtime
        else:
            _make_parent(root, name, made)
        if name not in written:
            try:
                os.link(out_dir / name, target)
                continue
            except OSError:
                if name not in new:
                    shutil.copy2(out_dir / name, target)
                    continue
        _write_new(target, new[name])
    if out_dir.exists():
        if not _exchange(stage, out_dir):
            old = _old_dir(out_dir)
            os.rename(out_dir, old)
            os.rename(stage, out_dir)
            discard([old], out_dir)
        else:
            discard([stage], out_dir)  # the exchange left the previous site here
    else:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        os.rename(stage, out_dir)


def _apply_journal(stage: Path, out_dir: Path) -> None:
    """Move the staged files of a committed journal into *out_dir* (safe to repeat)."""
    plan = json.loads((stage / JOURNAL).read_text(encoding="utf-8"))
    made: set = set()
    for entry in plan["replace"]:
        name, source = entry if isinstance(entry, list) else (entry, entry)
        source = stage / source
        if source.exists():
            parent = (out_dir / name).parent
            if parent not in made:
                parent.mkdir(parents=True, exist_ok=True)
                made.add(parent)
            os.replace(source, out_dir / name)
    for name in plan["remove"]:
        target = out_dir / name
        try:
            target.unlink()
        except FileNotFoundError:
            pass
        parent = target.parent
        while parent != out_dir:
            try:
                parent.rmdir()  # only succeeds once the folder is empty
            except OSError:
                break
            parent = parent.parent
    (stage / JOURNAL).unlink()
    try:
        stage.rmdir()  # empty unless stage_files left unchanged pages there
    except OSError:
        discard([stage], out_dir)


def _expect(cache_dir: Path, names: list[str]) -> None:
    manifest = OutputManifest(Path(cache_dir))
    try:
        manifest.expect(names)
    finally:
        manifest.close()


def _save(cache_dir, hashes: dict, result: WriteResult, whole: bool) -> None:
    """Record in the manifest what the build wrote and removed (*whole*: every file, *hashes*)."""
    if cache_dir:
        cache_dir = Path(cache_dir)
        manifest = OutputManifest(cache_dir, create=True)
        try:
            written = hashes if whole else {name: hashes[name] for name in result.written}
            manifest.update(written, result.removed, whole)
        finally:
            manifest.close()
        _save_changed(cache_dir, result)
