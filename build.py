#!/usr/bin/env python3
"""Run the whole job on the bundled dumps: import raw/ into content/, then build public/.

Extra arguments go to `sitegen build` (for instance --base-url https://example.org/digest/).
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

from sitegen.cli import main  # noqa: E402

if __name__ == "__main__":
    status = main(["--root", str(ROOT), "import"])
    if status == 0:
        status = main(["--root", str(ROOT), "build", *sys.argv[1:]])
    sys.exit(status)
