"""``python -m modulo_watch``: the same as the ``modulo-watch`` command."""

import sys

from modulo_watch.cli import main

sys.exit(main())
