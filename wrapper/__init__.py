"""The Cerebrium CLI, a Go binary, installed and run through pip.

This module is imported on every run of the ``cerebrium`` command, so it imports nothing.
"""

__version__ = "2.0.0"
