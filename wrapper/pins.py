"""Checksums pinned in the package: what makes an install authentic, not merely intact.

A ``checksums.txt`` fetched from where the archive comes from proves only that the download is
intact: whoever can replace the archive can replace it too. A released sdist therefore carries
the release's checksums file as ``pinned-checksums.txt`` (written by the ``pin`` command), and
every archive, from any source, is verified against it. Without it (a build from a git
checkout), the fetched checksums are used and the install says that only integrity was checked.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from .checksums import parse_checksums
from .errors import PinnedChecksumsError

__all__ = ["PINS_NAME", "check_agreement", "default_pins_path", "load_pins"]

PINS_NAME = "pinned-checksums.txt"


def default_pins_path() -> Path:
    """The pins beside this module: ``wrapper/`` in a checkout, or the installed package."""
    return Path(__file__).resolve().parent / PINS_NAME


def load_pins(path: Path | None = None, algorithm: str = "sha256") -> dict[str, str] | None:
    """The pinned ``{file name: lowercase hex digest}``, or None when the package carries none.

    Raises :class:`ChecksumFileError` if the pins file is malformed.
    """
    path = path or default_pins_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    return parse_checksums(text, f"the pinned checksums ({path})", algorithm)


def check_agreement(
    pins: Mapping[str, str], fetched: Mapping[str, str], source: str, *, whole: bool = True
) -> None:
    """Refuse a release whose checksums file is not exactly the pinned one.

    The pins are the release's own checksums file, so any difference (a changed digest, an
    added or a missing file) means the release is not the one this package was made for. With
    ``whole=False`` the fetched file is one of GoReleaser's split checksum files
    (``checksum.split``), which names one artifact: its entry must be the pinned one. Raises
    :class:`PinnedChecksumsError` listing up to eight differences.
    """
    names = sorted(set(pins) | set(fetched)) if whole else sorted(fetched)
    differences = [
        f"{name}: pinned {pins.get(name, '(absent)')}, {source} has {fetched.get(name, '(absent)')}"
        for name in names
        if pins.get(name) != fetched.get(name)
    ]
    if not differences:
        return
    raise PinnedChecksumsError(
        f"{source} disagrees with the checksums pinned in this package, so the release may have "
        "been replaced; it was refused.\n  "
        + "\n  ".join(differences[:8])
        + ("\n  ..." if len(differences) > 8 else "")
        + "\nIf the release was legitimately re-published, the package must be pinned again "
        "(the bootstrap 'pin' command) and re-released."
    )
