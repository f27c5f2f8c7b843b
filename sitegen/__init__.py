"""sitegen: raw Zhuzhou Daily page dumps in, a static district news digest out."""

from __future__ import annotations


def __getattr__(name: str) -> str:
    # The one version is pyproject.toml's, read from the installed package's metadata on
    # first use only: importlib.metadata costs a build process tens of milliseconds.
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("sitegen")
        except PackageNotFoundError:  # a source tree that was never installed
            return "0+unknown"
    raise AttributeError(f"module 'sitegen' has no attribute {name!r}")
