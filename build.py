#!/usr/bin/env python3
"""Run the whole job on the bundled dumps: import raw/ into content/, then build public/."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sitegen.cli import main  # noqa: E402

if __name__ == "__main__":
    root = str(Path(__file__).resolve().parent)
    status = main(["--root", root, "import"])
    if status == 0:
        try:
            import sitegen.build  # noqa: F401
        except ImportError:
            sys.exit(status)
        status = main(["--root", root, "build", *sys.argv[1:]])
    sys.exit(status)
