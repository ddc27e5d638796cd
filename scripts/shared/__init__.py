"""Shared library of the DAM content-scaling workflows (runtime code: Python 3.6 syntax only)."""
