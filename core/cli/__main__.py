"""``python -m core.cli``: the ``phase25`` command."""

import sys

from core.cli.app import main

sys.exit(main())
