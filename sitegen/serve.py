"""`sitegen serve`: build, serve public/, rebuild on change and reload open pages.

Standard library HTTP server (one thread per request, so a page load is never stuck
behind a live-reload connection) plus a `watchfiles` thread that watches content/,
raw/, templates/, static/ and the configuration. A change under raw/ runs the import
of the changed dumps then the build; any other change runs the incremental build.

The watcher is armed before the first build and the server answers only after both:
an edit saved at any moment after start-up reaches the preview.

Live reload uses server-sent events at ``/__sitegen/events``: every HTML response
gets a tiny script that listens there and reloads the page after a rebuild. A failed
rebuild is printed in the terminal and shown on every page until the next successful
one, in a dismissable Chinese panel (file:line, message, hint) that fits a 360 px
phone; the server keeps running. The preview build goes on past a broken article,
showing its last good version with a banner (see content.load_content).

The server only serves files inside public/: requests containing ``..`` (plain or
percent-encoded), backslashes, NUL bytes or absolute-form paths are refused, and a
path that resolves (through symlinks) outside public/ gets 403.

Tests and tools use :class:`PreviewServer` (``start()``/``stop()``, port 0 picks a
free port) or :func:`make_server`; the command line calls :func:`serve`.
"""

from __future__ import annotations

import html
import ipaddress
import json
import mimetypes
import re
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .config import Config
from .content import STALE_NOTE

EVENTS_PATH = "/__sitegen/events"
STATUS_PATH = "/__sitegen/status"
CONFIG_FILES = ("pyproject.toml", "sitegen.toml", "sitegen.yaml", "sitegen.yml", "config.yaml")
HEARTBEAT_S = 15.0
ARM_TIMEOUT_S = 10.0  # longest wait for the file watcher before serving anyway
OVERLAY_MAX_ITEMS = 20  # errors listed in the overlay; the terminal has them all

RELOAD_SCRIPT = """<script id="__sitegen-reload">(function(){
if(!window.EventSource)return;var es=new EventSource("EVENTS_PATH");var gen=null;
es.addEventListener("hello",function(e){var g=JSON.parse(e.data).generation;
if(gen!==null&&g!==gen){location.reload();}gen=g;});
es.addEventListener("reload",function(e){location.reload();});
})();</script>""".replace("EVENTS_PATH", EVENTS_PATH)

# The error panel: inline styles only (the site's stylesheet must not undo it), a bottom
# sheet no wider than the screen that wraps long file names, and a close button that leaves
# a small badge to open it again.
_SHOW = (
    "document.getElementById('__sitegen-error').style.display='{0}';"
    "document.getElementById('__sitegen-error-badge').style.display='{1}'"
)
OVERLAY_TEMPLATE = """<div id="__sitegen-error" role="alert" lang="zh-CN" style="position:fixed;\
left:8px;right:8px;bottom:8px;z-index:2147483647;box-sizing:border-box;max-width:40rem;\
max-height:60vh;margin:0 auto;overflow:auto;padding:12px 14px;border-left:6px solid #e5484d;\
border-radius:8px;background:#2a1215;color:#fff;box-shadow:0 4px 24px rgba(0,0,0,.45);\
font:16px/1.6 system-ui,-apple-system,'PingFang SC','Noto Sans CJK SC','Microsoft YaHei',\
sans-serif;text-align:left;overflow-wrap:anywhere;word-break:break-word">\
<div style="display:flex;align-items:flex-start;justify-content:space-between;gap:8px">\
<strong style="font-size:18px;color:#ffb4b4">预览构建出错（{count} 处）</strong>\
<button type="button" onclick="{hide}" style="flex:none;min-width:48px;min-height:36px;\
padding:4px 10px;border:1px solid #ffffff88;border-radius:6px;background:transparent;color:#fff;\
font:inherit;font-size:15px;cursor:pointer">关闭</button></div>\
<ol style="margin:4px 0 8px;padding:0;list-style:none">{items}</ol>{more}\
<p style="margin:0;font-size:15px;color:#f3d0d0">改好文件并保存后，页面会自动刷新。</p></div>\
<button id="__sitegen-error-badge" type="button" onclick="{show}" style="display:none;\
position:fixed;right:8px;bottom:8px;z-index:2147483647;padding:6px 12px;border:0;\
border-radius:16px;background:#e5484d;color:#fff;font:15px/1.4 system-ui,sans-serif;\
cursor:pointer">构建出错 · 查看</button>"""
OVERLAY_ITEM = """<li style="margin:8px 0 0;padding-top:8px;border-top:1px solid #ffffff33">\
{where}<div>问题：{message}</div>{hint}{stale}</li>"""
# `file:line: message (hint: …)`: the file ends in an extension, the line is optional
_LOCATED = re.compile(r"(?P<where>[^\s:][^:\n]*\.\w+(?::\d+)?): (?P<rest>.+)", re.S)


def _log(message: str, *, error: bool = False) -> None:
    stamp = time.strftime("%H:%M:%S")
    print(f"[{stamp}] {message}", file=sys.stderr if error else sys.stdout, flush=True)


@dataclass
class SiteState:
    """What the request handlers need to know about the last rebuild."""

    generation: int = 0
    error: str | None = None
    last_summary: str = ""
    closing: bool = False
    cond: threading.Condition = field(default_factory=threading.Condition)

    def publish(self, error: str | None, summary: str = "") -> None:
        """Record a finished rebuild and wake every live-reload client."""
        with self.cond:
            self.generation += 1
            self.error = error
            self.last_summary = summary
            self.cond.notify_all()

    def close(self) -> None:
        with self.cond:
            self.closing = True
            self.cond.notify_all()


# ----------------------------------------------------------------------------- rebuilds


class Rebuilder:
    """Run the import and/or the build for a batch of changed paths; never raises."""

    def __init__(self, config: Config, state: SiteState, log: Callable[..., None] = _log) -> None:
        self.config = config
        self.state = state
        self.log = log
        self.lock = threading.Lock()
        # Time window of our own last import: content/ files it wrote are not a new change.
        self._import_window: tuple[float, float] | None = None

    def _under(self, path: Path, folder: Path) -> bool:
        try:
            path.resolve().relative_to(folder.resolve())
            return True
        except ValueError:
            return False

    def filter_own_writes(self, changed: Iterable[Path]) -> list[Path]:
        """Drop content/ files our own import just wrote (their mtime is inside its window)."""
        window, self._import_window = self._import_window, None
        out = []
        for path in changed:
            if window and self._under(path, self.config.content_dir):
                try:
                    mtime = path.stat().st_mtime
                except OSError:
                    mtime = None
                if mtime is not None and window[0] - 0.01 <= mtime <= window[1] + 0.01:
                    continue
            out.append(path)
        return out

    def _short(self, error: str) -> str:
        """Name files from the project root (content/x.md:3): absolute paths crowd a phone."""
        for root in {str(self.config.root), str(Path(self.config.root).resolve())}:
            error = error.replace(root.rstrip("/") + "/", "")
        return error

    def rebuild(self, changed: Iterable[Path] = ()) -> bool:
        """Import changed dumps (if any), then build; publish the outcome. True if it worked."""
        changed = list(changed)
        with self.lock:
            started = time.perf_counter()
            errors: list[str] = []
            summaries: list[str] = []
            dumps = [p for p in changed if self._under(p, self.config.raw_dir) and p.is_file()]
            try:
                if dumps:
                    from .importer import run_import

                    t0 = time.time()
                    report = run_import(self.config, sorted(set(dumps)), force=False)
                    self._import_window = (t0, time.time())
                    summaries.append(report.summary())
                    errors.extend(str(e) for e in (report.errors or ()))
                from .build import build_site

                built = build_site(self.config)
                summaries.append(built.summary())
                errors.extend(str(e) for e in (built.errors or ()))
            except Exception as exc:  # noqa: BLE001 - a broken rebuild must not kill the server
                describe = getattr(exc, "describe", None)
                if callable(describe):
                    errors.append(describe())
                else:  # a bug, not the editor's input: its traceback goes to the terminal only
                    errors.append(f"{type(exc).__name__}: {exc}")
                    self.log(traceback.format_exc(limit=8), error=True)
            took = time.perf_counter() - started
            summary = " | ".join(s for s in summaries if s)
            if errors:
                message = "\n".join(self._short(e) for e in errors)
                self.log(f"rebuild failed after {took:.2f} s:\n{message}", error=True)
                self.state.publish(message, summary)
                return False
            self.log(f"rebuilt in {took:.2f} s: {summary}")
            self.state.publish(None, summary)
            return True


class Watcher:
    """Background thread: watch the project's sources and rebuild on change."""

    # poll_s: how often watchfiles returns without a change (the config files are checked then);
    # the first return is when the watcher is ready, so `sitegen serve` waited up to this long
    # before it answered (0.25 s, against a fixture site's first build of 0.15 s)
    def __init__(self, config: Config, rebuilder: Rebuilder, *, debounce_ms: int = 50, poll_s: float = 0.05) -> None:
        self.config = config
        self.rebuilder = rebuilder
        self.debounce_ms = debounce_ms
        self.poll_s = poll_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.ready = threading.Event()

    def watched_dirs(self) -> list[Path]:
        dirs = [self.config.content_dir, self.config.raw_dir, self.config.templates_dir, self.config.static_dir]
        return [d for d in dirs if d.is_dir()]

    def config_files(self) -> list[Path]:
        return [self.config.root / name for name in CONFIG_FILES]

    def _config_stamp(self) -> tuple[tuple[str, int | None, int | None], ...]:
        stamp: list[tuple[str, int | None, int | None]] = []
        for path in self.config_files():
            try:
                st = path.stat()
                stamp.append((path.name, st.st_mtime_ns, st.st_size))
            except OSError:
                stamp.append((path.name, None, None))
        return tuple(stamp)

    def start(self, wait: bool = True) -> None:
        """Start watching; with *wait*, return once armed (`ready`: changes from now on count)."""
        self._thread = threading.Thread(target=self._run, name="sitegen-watch", daemon=True)
        self._thread.start()
        if wait:
            self.ready.wait(ARM_TIMEOUT_S)

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(5)

    def _run(self) -> None:
        import watchfiles

        dirs = self.watched_dirs()
        config_stamp = self._config_stamp()
        if not dirs:  # nothing to watch with inotify: only poll the config files
            self.ready.set()
            while not self._stop.wait(self.poll_s):
                config_stamp = self._check_config(config_stamp)
            return
        try:
            # watch() arms inotify before its first yield (a batch, or the empty one of a timeout)
            for batch in watchfiles.watch(
                *dirs,
                stop_event=self._stop,
                debounce=self.debounce_ms,
                step=20,
                rust_timeout=int(self.poll_s * 1000),
                yield_on_timeout=True,
                raise_interrupt=False,
                watch_filter=watchfiles.DefaultFilter(),
            ):
                self.ready.set()
                changed = [Path(p) for _, p in batch]
                new_stamp = self._config_stamp()
                if new_stamp != config_stamp:
                    config_stamp = new_stamp
                    changed.append(self.config.root / "pyproject.toml")
                changed = self.rebuilder.filter_own_writes(changed)
                if changed and not self._stop.is_set():
                    names = ", ".join(sorted({self._rel(p) for p in changed})[:5])
                    more = "" if len(changed) <= 5 else f" (+{len(changed) - 5} more)"
                    self.rebuilder.log(f"changed: {names}{more}")
                    self.rebuilder.rebuild(changed)
        except Exception as exc:  # noqa: BLE001
            self.rebuilder.log(f"file watcher stopped: {exc}", error=True)
        finally:
            self.ready.set()

    def _check_config(self, stamp: tuple) -> tuple:
        """Rebuild if a config file changed since *stamp*; return the stamp now."""
        now = self._config_stamp()
        if now != stamp:
            self.rebuilder.rebuild([self.config.root / "pyproject.toml"])
        return now

    def _rel(self, path: Path) -> str:
        try:
            return str(path.resolve().relative_to(self.config.root.resolve()))
        except ValueError:
            return str(path)


# ----------------------------------------------------------------------------- HTTP


class Refused(Exception):
    """A request path that must not be served; carries the HTTP status."""

    def __init__(self, status: HTTPStatus):
        super().__init__(status.phrase)
        self.status = status


def resolve_request_path(root: Path, raw_path: str) -> Path:
    """Map a request target onto a file under *root*, or raise :class:`Refused`.

    Refuses ``..`` segments (also percent-encoded), backslashes, NUL bytes, absolute-form
    targets and anything that resolves (after following symlinks) outside *root*.
    """
    target = raw_path
    if not target.startswith("/") or target.startswith("//"):
        raise Refused(HTTPStatus.BAD_REQUEST)  # absolute-form, network-path or garbage
    path = target.split("?", 1)[0].split("#", 1)[0]
    # Decode repeatedly so %252e%252e cannot sneak a '..' past a later decoder.
    decoded = path
    for _ in range(3):
        again = unquote(decoded, errors="strict")
        if again == decoded:
            break
        decoded = again
    if "\x00" in decoded or "\\" in decoded:
        raise Refused(HTTPStatus.BAD_REQUEST)
    parts = [p for p in decoded.split("/") if p not in ("", ".")]
    if any(p == ".." for p in parts):
        raise Refused(HTTPStatus.FORBIDDEN)
    base = root.resolve()
    candidate = base.joinpath(*parts) if parts else base
    try:
        resolved = candidate.resolve(strict=False)
    except (OSError, RuntimeError):
        raise Refused(HTTPStatus.FORBIDDEN) from None
    if resolved != base and base not in resolved.parents:
        raise Refused(HTTPStatus.FORBIDDEN)
    return resolved


def split_error(line: str) -> tuple[str, str, str]:
    """Split one `file:line: message (hint: …)` report into its parts ('' where one is missing)."""
    match = _LOCATED.fullmatch(line)
    where, rest = (match["where"], match["rest"]) if match else ("", line)
    if rest.endswith(")") and " (hint: " in rest:
        message, hint = rest[:-1].rsplit(" (hint: ", 1)
        return where, message, hint
    return where, rest, ""


def _overlay_item(line: str) -> str:
    """One error of the panel: where (monospace), the problem, the hint, and whether the
    preview kept the article's last good version."""
    where, message, hint = split_error(line)
    stale = message.endswith("; " + STALE_NOTE)
    if stale:
        message = message[: -len("; " + STALE_NOTE)]
    return OVERLAY_ITEM.format(
        where=(
            f"<code style=\"display:block;font:600 15px/1.5 ui-monospace,'Noto Sans Mono CJK SC',"
            f'monospace;color:#ffd7a8">{html.escape(where)}</code>'
        )
        if where
        else "",
        message=html.escape(message),
        hint=f'<div style="color:#cfe8ff">建议：{html.escape(hint)}</div>' if hint else "",
        stale='<div style="color:#ffe9a8">预览里这篇文章仍显示上次成功的版本。</div>' if stale else "",
    )


def overlay_html(error: str) -> str:
    """The error panel for a failed rebuild: one item a reported line, the first few only."""
    lines = [line for line in error.split("\n") if line.strip()] or [error]
    more = len(lines) - OVERLAY_MAX_ITEMS
    return OVERLAY_TEMPLATE.format(
        count=len(lines),
        items="".join(_overlay_item(line) for line in lines[:OVERLAY_MAX_ITEMS]),
        more=f'<p style="margin:0 0 8px">还有 {more} 处，见终端。</p>' if more > 0 else "",
        hide=_SHOW.format("none", "block"),
        show=_SHOW.format("block", "none"),
    )


def inject(page: bytes, state: SiteState) -> bytes:
    """Insert the live-reload script (and the error overlay, if any) into an HTML page."""
    extra = RELOAD_SCRIPT
    if state.error:
        extra = overlay_html(state.error) + extra
    data = extra.encode("utf-8")
    lower = page.lower()
    at = lower.rfind(b"</body>")
    if at < 0:
        return page + data
    return page[:at] + data + page[at:]


class PreviewHandler(BaseHTTPRequestHandler):
    """Serve public/ with injected live reload; the SSE stream; a JSON status."""

    server_version = "sitegen-preview"
    protocol_version = "HTTP/1.1"
    server: PreviewHTTPServer

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        if self.server.quiet:
            return
        super().log_message(format, *args)

    def do_HEAD(self) -> None:  # noqa: N802
        self._serve(head=True)

    def do_GET(self) -> None:  # noqa: N802
        self._serve(head=False)

    # -- helpers
    def _send(
        self,
        status: HTTPStatus,
        body: bytes,
        content_type: str,
        head: bool = False,
        extra: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _error_page(self, status: HTTPStatus, head: bool) -> None:
        body = (
            f"<!doctype html><html><head><meta charset='utf-8'><meta name='viewport' "
            f"content='width=device-width, initial-scale=1'><title>{status.value} "
            f"{status.phrase}</title></head><body><h1>{status.value} {status.phrase}</h1>"
            f"</body></html>"
        ).encode()
        if status == HTTPStatus.NOT_FOUND:  # show build errors and keep reloading on 404s
            body = inject(body, self.server.state)
        self._send(status, body, "text/html; charset=utf-8", head)

    def _serve(self, head: bool) -> None:
        state = self.server.state
        target = urlsplit(self.path).path if self.path.startswith("/") else self.path
        if target == EVENTS_PATH:
            return self._events()
        if target == STATUS_PATH:
            body = json.dumps(
                {"generation": state.generation, "error": state.error, "summary": state.last_summary},
                ensure_ascii=False,
            ).encode()
            return self._send(HTTPStatus.OK, body, "application/json", head)
        root = self.server.config.out_dir
        try:
            path = resolve_request_path(root, self.path)
        except (Refused, UnicodeDecodeError) as exc:
            status = exc.status if isinstance(exc, Refused) else HTTPStatus.BAD_REQUEST
            return self._error_page(status, head)
        if path.is_dir():
            if not urlsplit(self.path).path.endswith("/"):
                location = urlsplit(self.path).path + "/"
                query = urlsplit(self.path).query
                return self._send(
                    HTTPStatus.MOVED_PERMANENTLY,
                    b"",
                    "text/plain",
                    head,
                    {"Location": location + (f"?{query}" if query else "")},
                )
            path = path / "index.html"
            try:  # index.html itself could be a symlink out of public/
                path = resolve_request_path(root, urlsplit(self.path).path + "index.html")
            except Refused as exc:
                return self._error_page(exc.status, head)
        if not path.is_file():
            return self._error_page(HTTPStatus.NOT_FOUND, head)
        try:
            body = path.read_bytes()
        except OSError:
            return self._error_page(HTTPStatus.NOT_FOUND, head)
        ctype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if ctype == "text/html":
            body = inject(body, state)
        if ctype.startswith("text/") or ctype in (
            "application/javascript",
            "application/json",
            "image/svg+xml",
            "application/xml",
        ):
            ctype += "; charset=utf-8"
        self._send(HTTPStatus.OK, body, ctype, head)

    def _events(self) -> None:
        state = self.server.state
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True

        def send(event: str, data: dict) -> None:
            payload = json.dumps(data, ensure_ascii=False)
            self.wfile.write(f"event: {event}\ndata: {payload}\n\n".encode())
            self.wfile.flush()

        try:
            with state.cond:
                seen = state.generation
                error = state.error
            self.wfile.write(b"retry: 500\n\n")
            send("hello", {"generation": seen, "error": error})
            while True:

                def news(seen: int = seen) -> bool:
                    return state.generation != seen or state.closing

                with state.cond:
                    state.cond.wait_for(news, timeout=HEARTBEAT_S)
                    if state.closing:
                        return
                    generation, error = state.generation, state.error
                if generation == seen:
                    self.wfile.write(b": keep-alive\n\n")
                    self.wfile.flush()
                    continue
                seen = generation
                send("reload", {"generation": generation, "error": error})
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, OSError):
            return


class PreviewHTTPServer(ThreadingHTTPServer):
    """A threading HTTP server that knows the config and the rebuild state."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], config: Config, state: SiteState, quiet: bool = False) -> None:
        if ":" in address[0]:
            self.address_family = __import__("socket").AF_INET6
        super().__init__(address, PreviewHandler)
        self.config = config
        self.state = state
        self.quiet = quiet


def make_server(
    config: Config, host: str = "127.0.0.1", port: int = 8000, *, quiet: bool = False
) -> tuple[PreviewHTTPServer, Watcher]:
    """Return an unstarted (HTTP server, file watcher) pair sharing one rebuild state.

    Call ``watcher.start()``, run the first build (``watcher.rebuilder.rebuild()``), then
    ``server.serve_forever()`` (e.g. in a thread), in that order so no edit goes unseen; stop
    with ``server.state.close(); server.shutdown(); server.server_close(); watcher.stop()``.
    """
    state = SiteState()
    server = PreviewHTTPServer((host, port), config, state, quiet=quiet)
    watcher = Watcher(config, Rebuilder(config, state))
    return server, watcher


class PreviewServer:
    """Build once, then serve and watch; ``start()`` returns at once, ``stop()`` ends it."""

    def __init__(
        self, config: Config, host: str = "127.0.0.1", port: int = 8000, *, quiet: bool = False, watch: bool = True
    ) -> None:
        self.config = config
        self.server, self.watcher = make_server(config, host, port, quiet=quiet)
        self.state = self.server.state
        self.rebuilder = self.watcher.rebuilder
        self.watch = watch
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    @property
    def url(self) -> str:
        host = str(self.server.server_address[0])
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self.port}/"

    def start(self) -> PreviewServer:
        """Arm the watcher, build, then serve: any edit saved once the server answers (or
        during the first build) is seen, where arming after serving lost the early ones.

        The watcher arms while the first build runs; requests wait in the listen queue."""
        if self.watch:
            self.watcher.start(wait=False)
        self.rebuilder.rebuild()
        if self.watch and not self.watcher.ready.wait(ARM_TIMEOUT_S):
            self.rebuilder.log(f"the file watcher is not ready after {ARM_TIMEOUT_S:.0f} s: serving anyway", error=True)
        self._thread = threading.Thread(
            # a stop waits for the loop to look up: up to poll_interval (0.2 s, each test's teardown)
            target=self.server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="sitegen-http",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.state.close()
        self.watcher.stop()
        self.server.shutdown()
        self.server.server_close()
        if self._thread:
            self._thread.join(5)

    def __enter__(self) -> PreviewServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def preview_config(config: Config) -> Config:
    """Return *config* for a preview build, kept apart from the published site.

    A preview build contains drafts and embargoed articles, so it must never land in the
    public/ that gets published; and sharing one cache with the published build would make
    every switch between the two a full rebuild. Unless an output folder was chosen
    explicitly (``--out``), the preview builds into ``<cache>/preview/public`` with its
    own cache ``<cache>/preview/cache``.
    """
    from .config import default_config

    config = config.with_overrides(preview=True)
    if Path(config.out_dir).resolve() != default_config(config.root).out_dir.resolve():
        return config
    base = Path(config.cache_dir) / "preview"
    return config.with_overrides(out_dir=base / "public", cache_dir=base / "cache")


def serve(config: Config, host: str = "127.0.0.1", port: int = 8000) -> int:
    """Run the preview server until Ctrl-C; return the exit status."""
    config = preview_config(config)
    if not _is_loopback(host):
        _log(f"warning: listening on {host}: the preview (drafts included) is visible to other machines", error=True)
    try:
        preview = PreviewServer(config, host, port)
    except OSError as exc:
        _log(f"cannot listen on {host}:{port}: {exc}", error=True)
        return 2
    _log(f"building the preview (drafts and future-dated articles included) into {config.out_dir}")
    preview.start()
    _log(f"serving {config.out_dir} at {preview.url} (live reload on; Ctrl-C stops)")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        _log("stopping")
    finally:
        preview.stop()
    return 0
