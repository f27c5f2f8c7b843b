"""The rebuild-on-commit git hook: install, chain, uninstall, and a real commit."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from _workflow_project import REPO, TODAY, article, find_page, make_project, write_article

from sitegen.errors import SitegenError
from sitegen.hooks import SENTINEL, hook_path, install_hook, uninstall_hook

if shutil.which("git") is None:  # pragma: no cover - reported, not silent
    pytest.skip("git is not installed", allow_module_level=True)


def git(root: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=True, env=env)


def init_repo(root: Path) -> None:
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q")
    git(root, "config", "user.email", "test@example.com")
    git(root, "config", "user.name", "Test")
    git(root, "config", "commit.gpgsign", "false")


def test_install_and_uninstall_plain(tmp_path):
    init_repo(tmp_path)
    message = install_hook(tmp_path)
    hook = tmp_path / ".git" / "hooks" / "post-commit"
    assert str(hook) in message and hook.is_file() and os.access(hook, os.X_OK)
    text = hook.read_text()
    assert SENTINEL in text and "sitegen.cli" in text and " import" in text and " build" in text
    assert "updated" in install_hook(tmp_path)  # idempotent
    assert "removed" in uninstall_hook(tmp_path)
    assert not hook.exists()
    assert "nothing to remove" in uninstall_hook(tmp_path)


def test_respects_core_hooks_path(tmp_path):
    init_repo(tmp_path)
    git(tmp_path, "config", "core.hooksPath", "githooks")
    install_hook(tmp_path)
    assert (tmp_path / "githooks" / "post-commit").is_file()
    assert not (tmp_path / ".git" / "hooks" / "post-commit").exists()
    assert hook_path(tmp_path) == tmp_path / "githooks" / "post-commit"
    uninstall_hook(tmp_path)
    assert not (tmp_path / "githooks" / "post-commit").exists()


def test_foreign_hook_is_chained_not_clobbered_and_restored(tmp_path):
    init_repo(tmp_path)
    hook = tmp_path / ".git" / "hooks" / "post-commit"
    hook.parent.mkdir(parents=True, exist_ok=True)
    foreign = '#!/bin/sh\necho foreign >> "$(git rev-parse --show-toplevel)/foreign.log"\n'
    hook.write_text(foreign)
    hook.chmod(0o755)
    message = install_hook(tmp_path)
    assert "kept" in message
    assert SENTINEL in hook.read_text()
    assert (hook.parent / "post-commit.pre-sitegen").read_text() == foreign
    assert "post-commit.pre-sitegen" in hook.read_text()
    # a foreign hook is never removed by uninstall
    assert "restored" in uninstall_hook(tmp_path)
    assert hook.read_text() == foreign
    assert "not sitegen's" in uninstall_hook(tmp_path)
    assert hook.read_text() == foreign


def test_refuses_when_chain_slot_is_taken(tmp_path):
    init_repo(tmp_path)
    hooks = tmp_path / ".git" / "hooks"
    hooks.mkdir(parents=True, exist_ok=True)
    (hooks / "post-commit").write_text("#!/bin/sh\necho a\n")
    (hooks / "post-commit.pre-sitegen").write_text("#!/bin/sh\necho b\n")
    with pytest.raises(SitegenError) as err:
        install_hook(tmp_path)
    assert "cannot be chained" in err.value.describe()
    assert (hooks / "post-commit").read_text() == "#!/bin/sh\necho a\n"


def test_not_a_repository_is_a_clear_error(tmp_path):
    with pytest.raises(SitegenError) as err:
        install_hook(tmp_path / "nowhere")
    assert "git" in err.value.describe()


def test_commit_triggers_the_rebuild(tmp_path, monkeypatch):
    pytest.importorskip("sitegen.build", reason="needs the build helper's sitegen.build")
    root = tmp_path / "site"
    config = make_project(root)
    (root / "sitegen.toml").write_text("[build]\nsearch = false\n")  # the hook's builds: pages, not the index
    (root / ".gitignore").write_text("public/\n.sitegen-cache/\n")
    init_repo(root)
    # A foreign hook too, to see the chain run in a real commit.
    hooks = root / ".git" / "hooks"
    hooks.mkdir(parents=True, exist_ok=True)
    (hooks / "post-commit").write_text("#!/bin/sh\necho chained > chained.log\n")
    (hooks / "post-commit.pre-sitegen").unlink(missing_ok=True)
    (hooks / "post-commit").chmod(0o755)
    install_hook(root)
    env = {
        **os.environ,
        "SITEGEN_TODAY": TODAY,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
    }
    git(root, "add", "-A", env=env)
    git(root, "commit", "-q", "-m", "first", env=env)
    assert (root / "chained.log").read_text().strip() == "chained"
    out = config.out_dir
    page = find_page(out, "ALPHA-ORIGINAL")
    assert page is not None, "the first commit should have built the site"

    write_article(config, "main.md", article(1, "醴陵瓷器展开幕", "提交后的正文 COMMITTED-EDIT 段落。"))
    git(root, "add", "content/main.md", env=env)
    started = time.monotonic()
    result = git(root, "commit", "-q", "-m", "edit the article", env=env)
    took = time.monotonic() - started
    page = find_page(out, "COMMITTED-EDIT")
    assert page is not None, f"the hook did not rebuild: {result.stdout}\n{result.stderr}"
    assert find_page(out, "ALPHA-ORIGINAL") is None
    print(f"commit -> rebuilt site in {took:.2f} s")

    # A dump committed under raw/ is imported by the hook (when the importer is there).
    dump = REPO / "raw"
    samples = sorted(dump.glob("*.txt"))
    try:
        import sitegen.importer  # noqa: F401
    except ImportError:
        return
    if samples:
        before = set(config.content_dir.glob("*.md"))
        shutil.copy(samples[0], root / "raw" / samples[0].name)
        git(root, "add", "raw", env=env)
        result = git(root, "commit", "-q", "-m", "new dump", env=env)
        after = set(config.content_dir.glob("*.md"))
        assert after - before, f"the hook did not import the dump:\n{result.stderr}"
