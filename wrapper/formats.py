"""The archive formats a GoReleaser release may publish, declared once for naming and extraction.

GoReleaser v2's ``archives[].formats`` (https://goreleaser.com/customization/archive/; the pipe
``internal/pipe/archive`` and ``pkg/archive``): tarballs under several compressions, zip, ``gz``
(the binary alone, gzip-compressed) and ``binary`` (no archive: the release asset is the binary
itself, named by the archive's ``name_template`` plus ``.exe`` on Windows). ``none`` publishes
nothing for the targets it names.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, get_args

if TYPE_CHECKING:  # typing.TypeGuard is Python 3.10+; annotations here are never evaluated
    from typing import TypeGuard

__all__ = ["FORMATS", "TAR_COMPRESSIONS", "Format", "is_format"]

Format = Literal["tar.gz", "tgz", "tar.xz", "txz", "tar.zst", "tzst", "tar", "zip", "gz", "binary"]

FORMATS: tuple[Format, ...] = get_args(Format)

# Each tar format and the compression of its stream ("" for a plain tar).
TAR_COMPRESSIONS: dict[Format, str] = {
    "tar.gz": "gz",
    "tgz": "gz",
    "tar.xz": "xz",
    "txz": "xz",
    "tar.zst": "zst",
    "tzst": "zst",
    "tar": "",
}


def is_format(value: str) -> TypeGuard[Format]:
    """Whether ``value`` names a format the wrapper can read (``none`` is not one)."""
    return value in FORMATS
