"""``python -m maskrender``: the same as the ``maskrender`` command."""

import sys

from maskrender.cli import main

sys.exit(main())
