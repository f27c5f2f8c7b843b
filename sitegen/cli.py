"""The `sitegen` command line: import, build, check, serve, hooks."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path
from typing import Any

from .config import ARTICLE_LOSS_LIMIT, Config, base_url_problem, default_config, normalise_base_url
from .errors import SitegenError


def _root(args: argparse.Namespace) -> Path:
    """Return the project folder given with --root, which must exist: a mistyped one would
    otherwise be created, or build an empty site."""
    root = Path(getattr(args, "root", None) or ".")
    if not root.is_dir():
        raise SitegenError(
            root,
            None,
            "the project folder does not exist" if not root.exists() else "the project folder is not a folder",
            "check the spelling of --root, or run sitegen inside the project",
        )
    return root


def _config(args: argparse.Namespace) -> Config:
    config = default_config(_root(args))
    changes: dict[str, object] = {}
    if getattr(args, "content", None):
        changes["content_dir"] = Path(args.content).resolve()
    if getattr(args, "out", None):
        changes["out_dir"] = Path(args.out).resolve()
    if getattr(args, "base_url", None):
        changes["base_url"] = base_url = normalise_base_url(args.base_url)
        problem = base_url_problem(base_url)
        if problem:
            raise SitegenError(None, None, problem, "give --base-url as https://news.example.cn/digest/")
    if getattr(args, "compress", None) is not None:
        changes["compress"] = args.compress
    if getattr(args, "allow_article_loss", False):
        changes["allow_article_loss"] = True
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
    from .writer import CHANGED

    config = _config(args)
    only = None
    if args.changed:
        listed = Path(config.cache_dir) / CHANGED
        try:
            only = listed.read_text(encoding="utf-8").splitlines()
        except OSError:
            only = None  # no build changed anything here yet: every page
    problems = check_site(config.out_dir, only=only)
    for problem in problems:
        print(problem)
    pages = (
        "" if only is None else f" in the {sum(1 for n in only if n.endswith('.html'))} page(s) the last build changed"
    )
    print(f"check: {len(problems)} broken link(s){pages}")
    return 1 if problems else 0


def cmd_serve(args: argparse.Namespace) -> int:
    """Build, serve public/ and rebuild on change."""
    from .serve import serve

    return serve(_config(args).with_overrides(preview=True), host=args.host, port=args.port)


def cmd_new(args: argparse.Namespace) -> int:
    """Scaffold a new site: sitegen.toml, content/ and raw/ (and the theme's templates, if asked)."""
    from .config import CONFIG_FILE, SCAFFOLD
    from .theme import THEME_STATIC, THEME_TEMPLATES

    target = Path(args.dir)
    if target.exists() and any(target.iterdir()) and not args.force:
        raise SitegenError(
            target,
            None,
            "the folder exists and is not empty",
            "choose a new folder, or pass --force to add the missing files to it",
        )
    for folder in ("content", "raw"):
        (target / folder).mkdir(parents=True, exist_ok=True)
    config_path = target / CONFIG_FILE
    if not config_path.exists():
        config_path.write_text(SCAFFOLD.format(title=target.resolve().name), encoding="utf-8")
    if args.templates:  # a copy of the built-in theme to edit; unchanged files may be deleted
        import shutil

        shutil.copytree(THEME_TEMPLATES, target / "templates", dirs_exist_ok=True)
        shutil.copytree(THEME_STATIC, target / "static", dirs_exist_ok=True)
    print(f"new site in {target}: edit {CONFIG_FILE}, put dumps in raw/, then `sitegen import` and `sitegen build`")
    return 0


def cmd_hooks(args: argparse.Namespace) -> int:
    """Install or remove the rebuild-on-commit git hook."""
    from .hooks import install_hook, project_root, uninstall_hook

    root = project_root(_root(args))
    default_config(root)  # a broken sitegen.toml is said now, not by the first commit's build
    message = install_hook(root) if args.action == "install" else uninstall_hook(root)
    print(message)
    return 0


class _Version(argparse.Action):
    """--version, reading the version only when asked."""

    def __call__(self, parser: argparse.ArgumentParser, *args: object) -> None:
        from . import __version__

        print(f"sitegen {__version__}")
        parser.exit()


def make_parser() -> argparse.ArgumentParser:
    """Build the argument parser for every sub-command."""
    # --root and -v are read before or after the sub-command: `sitegen --root X build` and
    # `sitegen build --root X` both work (the sub-command's copy defaults to "not given").
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--root", default=argparse.SUPPRESS, help="project folder (default: the current one)")
    common.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        default=argparse.SUPPRESS,
        help="say why caches were dropped and pages rendered",
    )
    parser = argparse.ArgumentParser(prog="sitegen", description=__doc__, parents=[common])
    parser.add_argument("--version", action=_Version, nargs=0, help="print the version and exit")
    sub = parser.add_subparsers(dest="command", required=True)
    _add_parser = sub.add_parser

    def add_parser(name: str, **kwargs: Any) -> argparse.ArgumentParser:
        return _add_parser(name, parents=[common], **kwargs)

    sub.add_parser = add_parser  # type: ignore[method-assign]

    p = sub.add_parser("import", help=cmd_import.__doc__)
    p.add_argument("paths", nargs="*", help="dump files or folders (default: raw/)")
    p.add_argument("--content", help="content folder (default: content/)")
    p.add_argument("--force", action="store_true", help="overwrite files an editor changed")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("build", help=cmd_build.__doc__)
    p.add_argument("--content")
    p.add_argument("--out")
    p.add_argument("--base-url")
    p.add_argument(
        "--compress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="write .gz/.br copies of text files (remembered by later builds until --no-compress)",
    )
    p.add_argument(
        "--allow-article-loss",
        action="store_true",
        help=f"publish even if more than {int(100 * ARTICLE_LOSS_LIMIT)}%% of the last site's "
        "articles would disappear (for a deliberate mass deletion)",
    )
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("check", help=cmd_check.__doc__)
    p.add_argument("--out")
    p.add_argument(
        "--changed",
        action="store_true",
        help="check only the pages the last build changed (.sitegen-cache/changed.txt); every page "
        "that showed a page it removed is among them",
    )
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("serve", help=cmd_serve.__doc__)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--content")
    p.add_argument("--out")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("new", help=cmd_new.__doc__)
    p.add_argument("dir", help="the new site's folder")
    p.add_argument("--templates", action="store_true", help="also copy the built-in theme to edit")
    p.add_argument("--force", action="store_true", help="add the missing files to a folder that is not empty")
    p.set_defaults(func=cmd_new)

    p = sub.add_parser("hooks", help=cmd_hooks.__doc__)
    p.add_argument("action", choices=["install", "uninstall"])
    p.set_defaults(func=cmd_hooks)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line and return the exit status."""
    args = make_parser().parse_args(argv)
    args.root = getattr(args, "root", ".")
    args.verbose = getattr(args, "verbose", False)
    logging.basicConfig(format="%(levelname)s: %(message)s", level=logging.DEBUG if args.verbose else logging.WARNING)
    if not args.verbose:
        logging.getLogger("jieba").setLevel(logging.WARNING)
    try:
        return args.func(args)
    except SitegenError as exc:
        print(f"error: {exc.describe()}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader (`| head`) went away: end quietly, and keep Python from complaining
        # again when it flushes stdout at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
