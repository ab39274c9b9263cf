"""``python -m node.cli``: the ``samenspraak`` command without its installed script."""

import sys

from node.cli import main

sys.exit(main())
