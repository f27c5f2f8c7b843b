"""The `sitegen` command line: import, build, check, serve, hooks."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .config import Config, default_config, normalise_base_url
from .errors import SitegenError


def _config(args: argparse.Namespace) -> Config:
    config = default_config(Path(getattr(args, "root", ".") or "."))
    changes: dict[str, object] = {}
    if getattr(args, "content", None):
        changes["content_dir"] = Path(args.content).resolve()
    if getattr(args, "out", None):
        changes["out_dir"] = Path(args.out).resolve()
    if getattr(args, "base_url", None):
        changes["base_url"] = normalise_base_url(args.base_url)
    if getattr(args, "compress", False):
        changes["compress"] = True
    return config.with_overrides(**changes)


def cmd_import(args: argparse.Namespace) -> int:
    """Import raw dumps into content/."""
    from .importer import run_import

    config = _config(args)
    paths = [Path(p) for p in args.paths] or [config.raw_dir]
    report = run_import(config, paths, force=args.force)
    print(report.summary())
    return 1 if report.errors else 0


def cmd_build(args: argparse.Namespace) -> int:
    """Render content/ into public/."""
    from .build import build_site

    report = build_site(_config(args))
    print(report.summary())
    return 1 if report.errors else 0


def cmd_check(args: argparse.Namespace) -> int:
    """Check internal links, anchors and assets in the built site."""
    from .check import check_site

    problems = check_site(_config(args).out_dir)
    for problem in problems:
        print(problem)
    print(f"check: {len(problems)} broken link(s)")
    return 1 if problems else 0


def cmd_serve(args: argparse.Namespace) -> int:
    """Build, serve public/ and rebuild on change."""
    from .serve import serve

    return serve(_config(args).with_overrides(preview=True), host=args.host, port=args.port)


def cmd_hooks(args: argparse.Namespace) -> int:
    """Install or remove the rebuild-on-commit git hook."""
    from .hooks import install_hook, uninstall_hook

    root = Path(args.root or ".").resolve()
    message = install_hook(root) if args.action == "install" else uninstall_hook(root)
    print(message)
    return 0


def make_parser() -> argparse.ArgumentParser:
    """Build the argument parser for every sub-command."""
    parser = argparse.ArgumentParser(prog="sitegen", description=__doc__)
    parser.add_argument("--root", default=".", help="project folder (default: the current one)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("import", help=cmd_import.__doc__)
    p.add_argument("paths", nargs="*", help="dump files or folders (default: raw/)")
    p.add_argument("--content", help="content folder (default: content/)")
    p.add_argument("--force", action="store_true", help="overwrite files an editor changed")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("build", help=cmd_build.__doc__)
    p.add_argument("--content")
    p.add_argument("--out")
    p.add_argument("--base-url")
    p.add_argument("--compress", action="store_true", help="also write .gz/.br copies of text files")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("check", help=cmd_check.__doc__)
    p.add_argument("--out")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("serve", help=cmd_serve.__doc__)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--content")
    p.add_argument("--out")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("hooks", help=cmd_hooks.__doc__)
    p.add_argument("action", choices=["install", "uninstall"])
    p.set_defaults(func=cmd_hooks)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line and return the exit status."""
    args = make_parser().parse_args(argv)
    try:
        return args.func(args)
    except SitegenError as exc:
        print(f"error: {exc.describe()}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
