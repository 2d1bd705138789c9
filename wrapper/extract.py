"""Taking the one binary out of a release archive, and nothing else, whatever the archive holds.

The archive has been verified against the release's checksums before it gets here, but the
extractor still trusts nothing in it: a release pipeline can be compromised, and the checks are
cheap. The binary is read by its exact member name and written to a path we choose, so a member
name can never steer a write. Rules after pypa/build's ``_compat/tarfile.py`` and Python's
tarfile ``data`` filter (PEP 706).
"""

from __future__ import annotations

import os
import stat
import sys
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import IO, TYPE_CHECKING, Any, TypeVar, cast

from .errors import ArchiveError, StorageError

if TYPE_CHECKING:  # zipfile and lzma are imported only for the archives that need them
    import zipfile

__all__ = ["MAX_BINARY_SIZE", "MAX_UNPACKED_SIZE", "extract_binary"]

MAX_BINARY_SIZE = 1 << 30  # 1 GiB: the largest Go CLI we expect is a few hundred MiB
MAX_UNPACKED_SIZE = 2 << 30  # everything the archive declares, to stop decompression bombs early
# Bytes per read and write of the binary: big enough that per-call overhead vanishes, small
# enough that the few copies in flight (zlib's output, the bytes object) stay under a MiB.
_CHUNK = 128 << 10
_INPUT = 64 << 10  # compressed bytes read per refill
_T = TypeVar("_T")
_TAR_FORMATS = {"tar.gz": "gz", "tgz": "gz", "tar.xz": "xz", "txz": "xz", "tar": ""}
_ZIP_METHODS = {0, 8, 12, 14}  # zipfile's ZIP_STORED, ZIP_DEFLATED, ZIP_BZIP2, ZIP_LZMA
# APPNOTE 4.4.4 general purpose flags: bit 0 encrypted, bit 5 patch data, bit 6 strong encryption.
_ZIP_UNREADABLE_FLAGS = 0x1 | 0x20 | 0x40


def extract_binary(
    archive: Path,
    fmt: str,
    member: str,
    dest: Path,
    *,
    max_size: int = MAX_BINARY_SIZE,
    max_unpacked: int = MAX_UNPACKED_SIZE,
) -> Path:
    """Write the archive's ``member`` to ``dest`` as an executable regular file.

    ``dest`` appears complete or not at all: the bytes go to a temporary file beside it that is
    renamed into place. setuid/setgid/sticky bits are never set, whatever the archive says.
    """
    _check_name(member, archive.name, what="the binary's member name")
    staged: list[Path] = []  # the binary's temporary file, once it exists
    try:
        if fmt == "zip":
            _stage_zip(archive, member, dest, max_size, max_unpacked, staged)
        else:
            _stage_tar(archive, fmt, member, dest, max_size, max_unpacked, staged)
        # Every check has passed: only now does the binary appear under its name.
        os.replace(staged[0], dest)
        return dest
    except (ArchiveError, StorageError):
        raise
    except _read_errors() as exc:
        raise ArchiveError(
            f"{archive.name} is corrupt, truncated or of an unsupported kind ({exc}); it cannot "
            "be extracted"
        ) from exc
    finally:
        for path in staged:
            path.unlink(missing_ok=True)  # gone already when committed


def _read_errors() -> tuple[type[BaseException], ...]:
    """What reading a damaged archive raises, as opposed to a bug of ours.

    zipfile and lzma count only once imported: they are imported only to read a zip or an xz,
    so nothing else can have raised their errors.
    """
    errors: list[type[BaseException]] = [
        tarfile.TarError,
        EOFError,
        zlib.error,
        NotImplementedError,  # zipfile: a zip version or feature it does not implement
        # Reading our own temporary copy: gzip and bz2 stream errors and impossible seeks in a
        # mangled zip are OSErrors. Our write failures are StorageErrors, re-raised before.
        OSError,
    ]
    if "zipfile" in sys.modules:
        errors.append(sys.modules["zipfile"].BadZipFile)
    if "lzma" in sys.modules:
        errors.append(sys.modules["lzma"].LZMAError)
    return tuple(errors)


def _stage_zip(
    archive: Path, member: str, dest: Path, max_size: int, max_unpacked: int, staged: list[Path]
) -> None:
    import zipfile

    # The central directory lists every member up front: check them all, then inflate one.
    with zipfile.ZipFile(archive) as zf:
        entry = _find_zip_member(zf, member, archive.name, max_size, max_unpacked)
        with zf.open(entry) as source:
            staged.append(_stage(source, entry.file_size, dest, max_size, archive.name, member))


def _stage_tar(
    archive: Path,
    fmt: str,
    member: str,
    dest: Path,
    max_size: int,
    max_unpacked: int,
    staged: list[Path],
) -> None:
    """Read the tar once, front to back: the binary is copied out as the stream passes it.

    A tar has no index, so finding every header means decompressing the whole archive; reading
    it forward once makes that the only pass. tarfile parses the headers; the bytes come from
    :class:`_Forward`, which inflates each read straight to the size asked, where tarfile's
    stream mode (``r|gz``) inflates in 10 KiB steps, then joins and slices every read: twice
    the time, and 4 MiB in flight for 1 MiB reads. The staged copy is committed by the caller
    only after the rest of the archive has passed its checks.
    """
    if fmt not in _TAR_FORMATS:
        raise ArchiveError(f"{archive.name}: archive format {fmt!r} cannot be extracted")
    with archive.open("rb") as raw:
        stream = _Forward(raw, _TAR_FORMATS[fmt])
        with tarfile.open(fileobj=cast("IO[bytes]", stream), mode="r:") as tf:

            def entries() -> Iterator[tuple[str, int, bool, tarfile.TarInfo]]:
                for info in tf:
                    yield info.name, info.size, info.issym() or info.islnk(), info
                    # Resumed once _select has checked this header, while the stream is still
                    # at the member's data: a regular binary within the size cap is staged now.
                    if (
                        info.name.rstrip("/") == member
                        and not staged
                        and info.type in (tarfile.REGTYPE, tarfile.AREGTYPE)
                        and info.size <= max_size
                    ):
                        source = _member_data(tf, stream, info)
                        staged.append(
                            _stage(source, info.size, dest, max_size, archive.name, member)
                        )

            _check_tar_binary(
                _select(entries(), member, archive.name, max_unpacked),
                member,
                archive.name,
                max_size,
            )
    # The checks above refuse every binary that was not staged: link, special file, too large.
    assert staged


def _member_data(tf: tarfile.TarFile, stream: _Forward, info: tarfile.TarInfo) -> IO[bytes]:
    """The member's bytes, read straight from the stream, which stands at their start."""
    if info.sparse is not None:  # a PAX sparse file: tarfile knows how to fill in the holes
        source = tf.extractfile(info)
        assert source is not None  # a regular file always has a file object
        return source
    return cast("IO[bytes]", _Slice(stream, info.offset_data, info.size))


class _Slice:
    """At most ``size`` bytes of ``stream`` from ``offset``: one member's data."""

    def __init__(self, stream: _Forward, offset: int, size: int) -> None:
        stream.seek(offset)
        self._stream = stream
        self._left = size

    def read(self, size: int) -> bytes:
        if self._left <= 0:
            return b""
        wanted = min(size, self._left)
        data = self._stream.read(wanted)
        if len(data) != wanted:  # as tarfile says it: the archive ends inside the member
            raise tarfile.ReadError("unexpected end of data")
        self._left -= wanted
        return data


class _Forward:
    """An archive file read as its decompressed bytes, forwards only.

    tarfile's ``r:`` mode needs ``read``, ``tell`` and ``seek``, and over an archive read from
    the start it only seeks forwards (skipping a member's data). A backward seek, which only a
    header with a negative size asks for, is refused as corruption: on a plain file it would
    send tarfile back to a header it has read, for ever. gzip is inflated with its header
    checked (``wbits=31``), xz by lzma, a plain tar is read as it is. Each read asks the
    decompressor for at most what is still wanted (``max_length``), so a highly compressed
    archive never inflates more than ``_CHUNK`` at a time.
    """

    def __init__(self, raw: IO[bytes], compression: str) -> None:
        self._raw = raw
        self._xz = compression == "xz"
        self._engine: Any = None  # a plain tar
        if self._xz:
            import lzma

            self._engine = lzma.LZMADecompressor()
        elif compression == "gz":
            self._engine = zlib.decompressobj(wbits=31)
        self._tail = b""  # input zlib has not consumed yet (lzma keeps its own)
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def read(self, size: int = -1) -> bytes:
        """Exactly ``size`` bytes (all that is left when negative), fewer only at the end."""
        want = size if size >= 0 else 1 << 62
        parts: list[bytes] = []
        while want > 0:
            piece = self._inflate(min(want, _CHUNK))
            if not piece:
                break
            parts.append(piece)
            want -= len(piece)
        data = parts[0] if len(parts) == 1 else b"".join(parts)
        self._pos += len(data)
        return data

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        if whence != os.SEEK_SET or offset < self._pos:
            raise tarfile.ReadError("the archive points back at data already read; it is corrupt")
        while self._pos < offset:
            skipped = self._inflate(min(offset - self._pos, _CHUNK))
            if not skipped:
                break  # past the end: the next read comes back short, and tarfile says so
            self._pos += len(skipped)
        return self._pos

    def _inflate(self, limit: int) -> bytes:
        """Up to ``limit`` (> 0) decompressed bytes; empty at the end of the data."""
        engine = self._engine
        if engine is None:
            return self._raw.read(limit)
        while not engine.eof:
            if self._xz and not engine.needs_input:
                data = b""  # lzma still holds input from the last call
            elif self._tail:
                data = self._tail
            else:
                data = self._raw.read(_INPUT)
                if not data:
                    return b""  # truncated: whoever asked gets a short read
            out: bytes = engine.decompress(data, limit)
            if not self._xz:
                self._tail = engine.unconsumed_tail
            if out:
                return out
            if not data:
                return b""  # no input and no output: nothing more will come
        return b""


def _check_tar_binary(info: tarfile.TarInfo, member: str, archive: str, max_size: int) -> None:
    if info.islnk() or info.issym():
        raise ArchiveError(
            f"{archive}: the binary {member!r} is a link (to {info.linkname!r}), not a "
            "regular file; refusing to install it"
        )
    if info.type not in (tarfile.REGTYPE, tarfile.AREGTYPE):
        kind = "a directory" if info.isdir() else "a device or special file"
        raise ArchiveError(
            f"{archive}: the binary {member!r} is {kind}, not a regular file; refusing it"
        )
    _check_size(info.size, max_size, archive, member)


def _find_zip_member(
    zf: zipfile.ZipFile, member: str, archive: str, max_size: int, max_unpacked: int
) -> zipfile.ZipInfo:
    entries = (
        (i.filename, i.file_size, stat.S_ISLNK(i.external_attr >> 16), i) for i in zf.infolist()
    )
    info = _select(entries, member, archive, max_unpacked)
    # Zips made on Windows, and by Python, may carry no file type bits: that is a regular file.
    file_type = stat.S_IFMT(info.external_attr >> 16)
    if info.is_dir() or (file_type and file_type != stat.S_IFREG):
        kind = (
            "a directory"
            if info.is_dir() or file_type == stat.S_IFDIR
            else "a link or special file"
        )
        raise ArchiveError(
            f"{archive}: the binary {member!r} is {kind}, not a regular file; refusing it"
        )
    if info.flag_bits & _ZIP_UNREADABLE_FLAGS:
        raise ArchiveError(
            f"{archive}: the binary {member!r} is encrypted or stored as patch data; refusing it"
        )
    if info.compress_type not in _ZIP_METHODS:
        raise ArchiveError(
            f"{archive}: the binary {member!r} uses zip compression method "
            f"{info.compress_type}, which cannot be read; refusing it"
        )
    _check_size(info.file_size, max_size, archive, member)
    return info


def _select(
    entries: Iterator[tuple[str, int, bool, _T]], member: str, archive: str, max_unpacked: int
) -> _T:
    """Scan every entry's header; return the one named ``member``.

    Every name is checked (an archive with one escaping path is hostile as a whole), declared
    sizes are summed to stop decompression bombs before they inflate, and a member under a
    linked directory is refused.
    """
    found: list[_T] = []
    links: set[str] = set()
    names: list[str] = []
    declared = 0
    for raw_name, size, is_link, entry in entries:
        name = raw_name.rstrip("/")
        _check_name(name, archive)
        names.append(name)
        declared += size
        if declared > max_unpacked:
            raise ArchiveError(
                f"{archive} declares more than {max_unpacked} bytes of content; refusing it "
                "as a possible decompression bomb"
            )
        if is_link:
            links.add(name)
        if name == member:
            found.append(entry)
    # A member beneath a link member is how tar-slip escapes a directory: no genuine release
    # archive does that, so the whole archive is refused, whichever member it is.
    for name in names:
        for parent in PurePosixPath(name).parents:
            if str(parent) in links:
                raise ArchiveError(
                    f"{archive}: {name!r} lies under {str(parent)!r}, which is a link; "
                    "refusing the archive as unsafe"
                )
    return _one(found, member, archive, names)


def _check_name(name: str, archive: str, what: str = "member") -> None:
    """Refuse names that would escape a directory if anything ever extracted them."""
    posix = name.replace("\\", "/")
    path = PurePosixPath(posix)
    if (
        not name
        or posix.startswith("/")
        or (len(posix) >= 2 and posix[1] == ":")  # C:foo, C:\foo
        or ".." in path.parts
        or "\x00" in name
    ):
        raise ArchiveError(
            f"{archive}: {what} {name!r} is an absolute path or climbs out with '..'; "
            "refusing the archive as unsafe"
        )


def _one(found: list[_T], member: str, archive: str, names: list[str]) -> _T:
    if len(found) == 1:
        return found[0]
    if found:
        raise ArchiveError(
            f"{archive} holds {len(found)} members named {member!r}; refusing an ambiguous archive"
        )
    listed = ", ".join(names[:10]) + (", ..." if len(names) > 10 else "")
    raise ArchiveError(
        f"{archive} has no member {member!r} (it holds: {listed or 'nothing'}). The archive "
        "layout does not match the release description (archives.wrap_in_directory, "
        "builds.binary)."
    )


def _check_size(size: int, max_size: int, archive: str, member: str) -> None:
    if size > max_size:
        raise ArchiveError(
            f"{archive}: the binary {member!r} is {size} bytes, more than the {max_size} "
            "allowed; refusing it"
        )


def _stage(
    source: IO[bytes], size: int, dest: Path, max_size: int, archive: str, member: str
) -> Path:
    """Copy the binary to a temporary file beside ``dest``, checking its size as it inflates."""
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
    except OSError as exc:
        raise StorageError(f"cannot write to {dest.parent}: {exc.strerror or exc}") from exc
    tmp = Path(tmp_name)
    try:
        written = 0
        with os.fdopen(fd, "wb") as out:
            while chunk := source.read(_CHUNK):
                written += len(chunk)
                if written > max_size:
                    raise ArchiveError(
                        f"{archive}: the binary {member!r} inflates past {max_size} bytes; "
                        "refusing it"
                    )
                try:
                    out.write(chunk)
                except OSError as exc:
                    raise StorageError(
                        f"cannot write {dest.name} to {dest.parent}: {exc.strerror or exc}. "
                        "Free some space there and try again."
                    ) from exc
        if written != size:
            raise ArchiveError(
                f"{archive}: the binary {member!r} is {written} bytes but the archive "
                f"declares {size}; the archive is corrupt"
            )
        # rwxr-xr-x and nothing else: no setuid/setgid/sticky bits from the archive.
        os.chmod(tmp, 0o755)  # noqa: S103 - an executable is meant to be executable by all
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp
