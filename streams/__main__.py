"""``python -m streams`` is the ``newswire`` command."""

import sys

from .cli import main

sys.exit(main())
