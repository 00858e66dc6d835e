"""``python -m aibridge_mock``: the same as the ``aibridge-mock`` console script."""

from __future__ import annotations

import sys

from aibridge_mock.cli import main

sys.exit(main())
