"""What an entry point (the build hook, a bootstrap command) sets up in its process.

Library modules change nothing process-wide when imported; the two adjustments downloads want
are made here, once, by the code that owns the process.
"""

from __future__ import annotations

import logging
import sys

__all__ = ["prepare_downloads"]


def prepare_downloads() -> None:
    """Quiet httpx's request log and keep ``import httpx`` from loading its command-line client.

    httpx logs every request (full URL, query included) at INFO, and build backends show INFO;
    our own log lines say what matters, with credentials redacted.

    ``import httpx`` also imports ``httpx._main`` (click, rich, pygments) whenever those happen
    to be installed, as they are in many development environments: about 6 MiB and 40 ms that
    a download never uses. A ``None`` in ``sys.modules`` makes that import fail, which httpx
    handles by design (its ``main`` then only says the CLI extra is missing; the ``httpx``
    command runs in a process of its own, so it is unaffected). The entry is removed again, so
    nothing else in the process is kept from importing the module.
    """
    logging.getLogger("httpx").setLevel(logging.WARNING)
    name = "httpx._main"
    if "httpx" in sys.modules or name in sys.modules:
        return
    sys.modules[name] = None  # type: ignore[assignment]
    try:
        import httpx  # noqa: F401
    except ImportError:
        pass  # the bootstrap extra is missing: the command that needs httpx says so
    finally:
        if sys.modules.get(name, ...) is None:
            del sys.modules[name]
