"""``python -m webapp`` is the same as the ``pieces-admin`` command."""

import sys

from .cli import main

sys.exit(main())
