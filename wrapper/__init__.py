"""The wrapped CLI, a Go binary, installed and run through pip.

This module is imported on every run of the ``mycli`` command, so it imports nothing.
"""

__version__ = "2.0.0"


def package_stem() -> str:
    """The wrapped project's name as this import package spells it (``<name>_cli``, made by
    ``Release.import_name``), for defaults and messages where no release is at hand.

    It lives here, with no import, so that messages about a missing dependency can be written
    when nothing beyond the standard library is installed.
    """
    return __name__.partition(".")[0].removesuffix("_cli")
