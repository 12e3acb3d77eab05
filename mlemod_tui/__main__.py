"""`python -m mlemod_tui` is the same as the `mlemod-tui` command."""

from __future__ import annotations

import sys

from mlemod_tui.cli import main

if __name__ == "__main__":
    sys.exit(main())
