"""Shared library of the DAM content-scaling workflows (runtime code: Python 3.6 syntax only)."""

# The suite's release (shown by --version and in the daily report); raise it with every deployed change.
__version__ = "1.1.0"
