"""``python -m simulate``: the same command as ``heavytail``."""

from simulate.cli import entry

entry()
