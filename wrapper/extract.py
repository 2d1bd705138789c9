"""Taking the one binary out of a release archive, and nothing else, whatever the archive holds.

The archive has been verified against the release's checksums before it gets here, but the
extractor still trusts nothing in it: a release pipeline can be compromised, and the checks are
cheap. The binary is read by its exact member name and written to a path we choose, so a member
name can never steer a write. Rules after pypa/build's ``_compat/tarfile.py`` and Python's
tarfile ``data`` filter (PEP 706).

Every format of :mod:`.formats` is read (GoReleaser's ``pkg/archive``, v2.15.1): tarballs
plain or under gzip, xz or Zstandard (Zstandard through the ``zstandard`` package, imported only
for those), zip, ``gz`` (the binary alone, gzip-compressed, its header naming the member as a
tar would) and ``binary`` (the asset is the binary: copied, never unpacked). Member names may
start with ``./``, as ``tar -C dir -czf A .`` writes them: ``./mycli`` is ``mycli``.
Compressed streams are read whole, as ``gzip -d``, ``xz -d`` and ``zstd -d`` read them: every
gzip member, xz stream and Zstandard frame, one after another. A sparse binary (GNU tar's
``--sparse``, in the old GNU form or the PAX one) comes out with its holes filled in.
"""

from __future__ import annotations

import bisect
import contextlib
import os
import stat
import sys
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import IO, TYPE_CHECKING, Any, BinaryIO, NamedTuple, TypeVar, Union, cast

from .errors import ArchiveError, StorageError
from .formats import FORMATS, TAR_COMPRESSIONS, Format

if TYPE_CHECKING:  # zipfile, lzma and zstandard are imported only for the archives needing them
    import zipfile

__all__ = ["MAX_BINARY_SIZE", "MAX_UNPACKED_SIZE", "extract_binary"]

MAX_BINARY_SIZE = 1 << 30  # 1 GiB: the largest Go CLI we expect is a few hundred MiB
MAX_UNPACKED_SIZE = 2 << 30  # everything the archive declares, to stop decompression bombs early
# Bytes per read and write of the binary: big enough that per-call overhead vanishes, small
# enough that the few copies in flight (zlib's output, the bytes object) stay under a MiB.
_CHUNK = 128 << 10
_INPUT = 64 << 10  # compressed bytes read per refill
# Zstandard's own default cap on the window a frame may ask the decoder to allocate (zstd's
# ZSTD_WINDOWLOG_LIMIT_DEFAULT, 128 MiB), stated so the bound is visible here.
_ZSTD_MAX_WINDOW = 1 << 27
_GZIP_MAX_NAME = 4096  # bytes of the gz header's file name: a path, never longer in a release
# The largest single read tarfile may ask of the stream. Member data is read in _CHUNK pieces;
# only a GNU long name or a PAX extended header is read whole, and tarfile keeps it in memory:
# a header claiming gigabytes of zeros, compressed to kilobytes, would be a memory bomb that
# no member size declares. Real ones hold a path or a few records.
_MAX_READ = 1 << 20
# All tarfile may read for one member's headers: its header block and, each at most _MAX_READ, a
# GNU long name and long link name, PAX records and a GNU sparse map. An old GNU sparse member
# (type S) may chain any number of 512-byte extension blocks, which tarfile reads into one list
# before the member is seen: a million of them, gzipped to 1.7 MiB, held 3.9 GiB.
_MAX_HEADERS = 4 * _MAX_READ
# Members, and bytes of their names, that an archive may list: a release holds a binary and a few
# files. 10 million empty members gzip to 22 MiB and would hold gigabytes of headers and names.
_MAX_MEMBERS = 100_000
_MAX_NAMES = 16 << 20
# The dictionary an xz stream may ask lzma to allocate, as for Zstandard's window.
_XZ_MEMLIMIT = 1 << 27
_T = TypeVar("_T")
_ZIP_METHODS = {0, 8, 12, 14}  # zipfile's ZIP_STORED, ZIP_DEFLATED, ZIP_BZIP2, ZIP_LZMA
# APPNOTE 4.4.4 general purpose flags: bit 0 encrypted, bit 5 patch data, bit 6 strong encryption.
_ZIP_UNREADABLE_FLAGS = 0x1 | 0x20 | 0x40
# Tar member types holding a file's bytes: POSIX regular, pre-POSIX regular, and GNU's old
# sparse file (type ``S``, GNU tar's ``--sparse`` in its default format), whose holes tarfile
# fills in as it does a PAX sparse file's (a PAX sparse file is a regular member).
_TAR_FILE_TYPES = (tarfile.REGTYPE, tarfile.AREGTYPE, tarfile.GNUTYPE_SPARSE)
# What starts each gzip member (RFC 1952 2.3.1, ID1 ID2) and each xz stream (the .xz file
# format 1.2.0, 2.1.1.1: Header Magic Bytes).
_MAGIC = {"gz": b"\x1f\x8b", "xz": b"\xfd7zXZ\x00"}


# What extract_binary reads: a file it opens, or one the caller opened (and verified through).
_Input = Union[Path, BinaryIO]


def extract_binary(
    archive: _Input,
    fmt: Format,
    member: str,
    dest: Path,
    *,
    name: str | None = None,
    max_size: int = MAX_BINARY_SIZE,
    max_unpacked: int = MAX_UNPACKED_SIZE,
) -> Path:
    """Write the archive's ``member`` to ``dest`` as an executable regular file; return ``dest``.

    ``archive`` is a path, or an open binary file (seekable, read from its start, left open):
    the fetch passes the very file it hashed, so no other bytes can be swapped in by path.
    ``fmt`` is the archive's GoReleaser format; ``member`` the binary's path inside it (for
    ``binary`` it is not read: the file itself is copied). ``name`` is the archive's asset name as
    the user knows it (``mycli_cli_linux_amd64.tar.gz``), used in every message instead of
    the file's own name, which in the cache is ``sha256-<hex>``; default ``archive.name``.
    ``max_size`` caps the binary and ``max_unpacked`` everything the archive declares, in bytes.

    ``dest`` appears complete or not at all: the bytes go to a temporary file beside it that is
    renamed into place. setuid/setgid/sticky bits are never set, whatever the archive says.
    Raises ArchiveError for a hostile, corrupt or unsupported archive or one without the binary,
    StorageError when ``dest`` cannot be written.
    """
    label = name if name is not None else _name_of(archive)
    member = _normalise(member)
    if fmt != "binary":  # a binary asset has no members: ``member`` is not read
        _check_name(member, label, what="the binary's member name")
    staged: list[Path] = []  # the binary's temporary file, once it exists
    limits = _Limits(label, member, dest, max_size, max_unpacked)
    try:
        _stage_format(archive, fmt, limits, staged)
        # Every check has passed: only now does the binary appear under its name.
        _put_in_place(staged[0], dest, label)
        return dest
    except (ArchiveError, StorageError):
        raise
    except RecursionError:
        raise _too_deep(label) from None
    except _read_errors() as exc:
        raise ArchiveError(
            f"{label} is corrupt, truncated or of an unsupported kind ({exc}); it cannot "
            "be extracted"
        ) from exc
    finally:
        for path in staged:
            path.unlink(missing_ok=True)  # gone already when committed


def _stage_format(archive: _Input, fmt: Format, limits: _Limits, staged: list[Path]) -> None:
    """Extract the binary from an archive in format ``fmt`` to a temporary file in ``staged``."""
    if fmt == "zip":
        _stage_zip(archive, limits, staged)
    elif fmt == "gz":
        _stage_gz(archive, limits, staged)
    elif fmt == "binary":
        _stage_binary(archive, limits, staged)
    elif fmt in TAR_COMPRESSIONS:
        _stage_tar(archive, TAR_COMPRESSIONS[fmt], limits, staged)
    else:
        raise ArchiveError(
            f"{limits.label}: archive format {fmt!r} cannot be extracted; expected one of "
            f"{', '.join(FORMATS)} (GoReleaser's archives.formats)"
        )


def _put_in_place(staged: Path, dest: Path, label: str) -> None:
    try:
        os.replace(staged, dest)
    except OSError as exc:  # our own write, not the archive's fault
        raise StorageError(
            f"cannot put the binary from {label} at {dest}: {exc.strerror or exc}"
        ) from exc


def _too_deep(label: str) -> ArchiveError:
    # tarfile follows each GNU long name or PAX header to the next header by recursion: a
    # chain of hundreds, a few hundred KiB, exhausts the stack (red team).
    return ArchiveError(
        f"{label} chains more extended tar headers (GNU long names or PAX records) before one "
        "member than Python's tarfile can follow; no tar writes that. Refusing the archive as "
        "corrupt or hostile"
    )


def _name_of(archive: _Input) -> str:
    """The archive's own file name, for messages when the caller gives none."""
    if isinstance(archive, Path):
        return archive.name
    return os.path.basename(str(getattr(archive, "name", ""))) or "the archive"


@contextlib.contextmanager
def _reading(archive: _Input) -> Iterator[IO[bytes]]:
    """``archive`` open for reading at its start: a path opened (and closed after), or the
    caller's file rewound (and left open)."""
    if isinstance(archive, Path):
        with archive.open("rb") as raw:
            yield raw
    else:
        archive.seek(0)
        yield archive


class _Limits(NamedTuple):
    """What every reader is asked for, and the caps it must hold to."""

    label: str  # the archive's name in messages
    member: str  # the binary's normalised member name
    dest: Path
    max_size: int
    max_unpacked: int


def _read_errors() -> tuple[type[BaseException], ...]:
    """What reading a damaged archive raises, as opposed to a bug of ours.

    zipfile, lzma and zstandard count only once imported: they are imported only to read a zip,
    an xz or a Zstandard stream, so nothing else can have raised their errors.
    """
    errors: list[type[BaseException]] = [
        tarfile.TarError,
        EOFError,
        zlib.error,
        NotImplementedError,  # zipfile: a zip version or feature it does not implement
        # tarfile parsing a GNU sparse 1.0 map or realsize: a line without its newline, a
        # number past int()'s 4300 digits (red team).
        ValueError,
        # Reading our own temporary copy: gzip and bz2 stream errors and impossible seeks in a
        # mangled zip are OSErrors. Our write failures are StorageErrors, re-raised before.
        OSError,
    ]
    if "zipfile" in sys.modules:
        errors.append(sys.modules["zipfile"].BadZipFile)
    if "lzma" in sys.modules:
        errors.append(sys.modules["lzma"].LZMAError)
    if "zstandard" in sys.modules:
        errors.append(sys.modules["zstandard"].ZstdError)
    return tuple(errors)


def _stage_zip(archive: _Input, limits: _Limits, staged: list[Path]) -> None:
    import zipfile

    # The central directory lists every member up front: check them all, then inflate one.
    with _reading(archive) as raw, zipfile.ZipFile(raw) as zf:
        entry = _find_zip_member(zf, limits)
        with zf.open(entry) as source:
            staged.append(_stage(source, entry.file_size, limits))


def _stage_binary(archive: _Input, limits: _Limits, staged: list[Path]) -> None:
    """GoReleaser's ``binary`` format: the asset is the binary, copied as it is."""
    with _reading(archive) as raw:
        size = os.fstat(raw.fileno()).st_size
        _check_size(size, limits)
        staged.append(_stage(raw, size, limits))


def _stage_gz(archive: _Input, limits: _Limits, staged: list[Path]) -> None:
    """GoReleaser's ``gz`` format: one gzip stream holding the binary alone.

    ``pkg/archive/gzip`` stores the member's path (``wrap_in_directory`` included) as the
    header's file name (RFC 1952 FNAME) and takes one file only; a header without a name, as
    ``gzip -n`` writes, is the binary too. The size the last trailer declares (ISIZE, modulo
    2**32) is checked before inflating, and the inflated size as it grows; zlib checks each
    member's CRC and length. As ``gzip -d`` reads it, a file of several gzip members is their
    contents one after another (RFC 1952 2.2), named by the first member's header, and zeros
    after the last member are padding; anything else after it is refused (:class:`_Forward`).
    """
    with _reading(archive) as raw:
        size = os.fstat(raw.fileno()).st_size
        stored = _gzip_name(raw, limits.label)
        if stored is not None:
            found = _normalise(stored)
            _check_name(found, limits.label)
            if found != limits.member:
                raise _missing(limits.member, limits.label, [found])
        if size >= 18:  # the smallest gzip stream: a 10-byte header and an 8-byte trailer
            raw.seek(size - 4)
            declared = int.from_bytes(raw.read(4), "little")
            if declared > limits.max_size:
                # The last member's ISIZE, when nothing follows it: one member, as GoReleaser
                # writes it. After several members or padding it is a part, or not a size.
                raise ArchiveError(
                    f"{limits.label}: its gzip trailer declares {declared} bytes for the binary "
                    f"{limits.member!r}, more than the {limits.max_size} allowed: a "
                    "decompression bomb, a truncated download or data appended to it; refusing it"
                )
        raw.seek(0)
        stream = _Forward(raw, "gz", limits.label)
        # The inflated size is zlib's to check against ISIZE, which holds it modulo 2**32.
        staged.append(_stage(cast("IO[bytes]", stream), None, limits))
        if not stream.ended():
            raise ArchiveError(
                f"{limits.label} ends inside its gzip stream: it is truncated; download it again"
            )


def _gzip_name(raw: IO[bytes], label: str) -> str | None:
    """The file name in a gzip header (RFC 1952 section 2.3), or None when it has none."""
    head = raw.read(10)
    if len(head) < 10 or head[:3] != b"\x1f\x8b\x08":  # magic, then CM 8: deflate
        raise ArchiveError(
            f"{label} is not gzip-compressed (it starts with {head[:10]!r}); it is corrupt or "
            "not the release's gz archive"
        )
    flags = head[3]
    if flags & 0x04:  # FEXTRA: a two-byte length, then that many bytes
        raw.read(int.from_bytes(raw.read(2), "little"))
    if not flags & 0x08:  # FNAME
        return None
    name = bytearray()
    while (byte := raw.read(1)) not in (b"", b"\x00"):
        name += byte
        if len(name) > _GZIP_MAX_NAME:
            raise ArchiveError(
                f"{label}: the gzip header's file name is longer than {_GZIP_MAX_NAME} bytes; "
                "refusing the archive as corrupt"
            )
    # RFC 1952: ISO 8859-1, which is also what Go's compress/gzip writes (or refuses to).
    return name.decode("latin-1")


def _stage_tar(archive: _Input, compression: str, limits: _Limits, staged: list[Path]) -> None:
    """Read the tar once, front to back: the binary is copied out as the stream passes it.

    A tar has no index, so finding every header means decompressing the whole archive; reading
    it forward once makes that the only pass. tarfile parses the headers; the bytes come from
    :class:`_Forward`, which inflates each read straight to the size asked, where tarfile's
    stream mode (``r|gz``) inflates in 10 KiB steps, then joins and slices every read: twice
    the time, and 4 MiB in flight for 1 MiB reads. The staged copy is committed by the caller
    only after the rest of the archive has passed its checks.
    """
    with _reading(archive) as raw:
        stream = _Forward(raw, compression, limits.label)
        stream.header_budget = _MAX_HEADERS  # tarfile.open reads the first member's headers
        with tarfile.open(fileobj=cast("IO[bytes]", stream), mode="r:") as tf:

            def entries() -> Iterator[tuple[str, int, bool, tarfile.TarInfo]]:
                while (info := tf.next()) is not None:
                    # tarfile keeps every header read in TarFile.members (untyped); _select keeps
                    # the names, and the binary's header.
                    vars(tf)["members"].clear()
                    yield info.name, info.size, info.issym() or info.islnk(), info
                    # Resumed once _select has checked this header, while the stream is still
                    # at the member's data: a regular binary within the size cap is staged now.
                    if (
                        _normalise(info.name) == limits.member
                        and not staged
                        and info.type in _TAR_FILE_TYPES
                        and info.size <= limits.max_size
                    ):
                        stream.header_budget = None  # the binary's data is capped by its size
                        staged.append(_stage(_member_data(tf, stream, info), info.size, limits))
                    stream.header_budget = _MAX_HEADERS  # for the next member's headers

            _check_tar_binary(_select(entries(), limits), limits)
        stream.finish(limits)
    # The checks above refuse every binary that was not staged: link, special file, too large.
    assert staged


def _member_data(tf: tarfile.TarFile, stream: _Forward, info: tarfile.TarInfo) -> IO[bytes]:
    """The member's bytes, read straight from the stream, which stands at their start."""
    if info.sparse is not None:  # a sparse file, GNU or PAX: tarfile fills in the holes
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
    checked (``wbits=31``), xz by lzma, Zstandard by the ``zstandard`` package, a plain tar is
    read as it is. Each is read to the end of the file, as its own tool reads it: gzip member
    after member (``gzip -d``; zeros between or after them are padding), xz stream after stream
    with Stream Padding, zeros in multiples of four bytes (``xz -d``; the .xz file format 1.2.0,
    section 2.2), Zstandard frame after frame (``zstd -d``). Anything else after a stream is
    refused as corrupt, where ``gzip -d`` warns ("trailing garbage ignored"). Each read asks the
    decompressor for at most what is still wanted (``max_length``, or a Zstandard reader's
    ``read(size)``), so a highly compressed archive never inflates more than ``_CHUNK`` at a
    time.
    """

    def __init__(self, raw: IO[bytes], compression: str, label: str) -> None:
        self._raw = raw
        self._label = label
        self._compression = compression
        self._xz = compression == "xz"
        self._engine: Any = None  # a plain tar
        self._zst: Any = None  # a Zstandard reader, which inflates on its own
        if compression in _MAGIC:
            self._engine = self._new_engine()
        elif compression == "zst":
            decompressor = _zstandard(label).ZstdDecompressor(max_window_size=_ZSTD_MAX_WINDOW)
            self._zst = decompressor.stream_reader(
                raw, read_size=_INPUT, read_across_frames=True, closefd=False
            )
        # Input the engine has yet to see: what zlib left unconsumed, or the start of the next
        # gzip member or xz stream (lzma keeps its own otherwise).
        self._tail = b""
        self._pos = 0
        # Bytes read() may still return before the caller lifts or renews it (None: no bound).
        self.header_budget: int | None = None

    def _new_engine(self) -> Any:
        """A decoder for one gzip member (header checked: ``wbits=31``) or one xz stream."""
        if self._xz:
            import lzma

            return lzma.LZMADecompressor(memlimit=_XZ_MEMLIMIT)
        return zlib.decompressobj(wbits=31)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def read(self, size: int = -1) -> bytes:
        """Exactly ``size`` bytes, fewer only at the end; at most ``_MAX_READ`` at a time."""
        if size < 0 or size > _MAX_READ:
            raise ArchiveError(
                f"{self._label}: a tar header declares {size} bytes of extended header data (a "
                f"long name or PAX records; at most {_MAX_READ} are read); refusing the "
                "archive as a possible decompression bomb"
            )
        if self.header_budget is not None:
            self.header_budget -= size
            if self.header_budget < 0:
                raise ArchiveError(
                    f"{self._label}: one member's tar headers (GNU sparse map, long names, PAX "
                    f"records) run past {_MAX_HEADERS} bytes, more than any tar writes; refusing "
                    "the archive as a possible decompression bomb"
                )
        want = size
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

    def finish(self, limits: _Limits) -> None:
        """Read on from the tar's end to the compressed stream's, so that its own integrity
        check runs (gzip's CRC and length, xz's check, a Zstandard frame's checksum), and refuse
        a stream cut short. What follows the tar's end is padding, at most ``max_unpacked``.

        The ``zstandard`` readers cannot tell a frame cut short from one that ended: there,
        truncation is caught only where it cuts into the tar (and the archive's digest was
        verified before it got here).
        """
        after = 0
        while piece := self._inflate(_CHUNK):
            after += len(piece)
            if after > limits.max_unpacked:
                raise ArchiveError(
                    f"{limits.label} inflates to more than {limits.max_unpacked} bytes after the "
                    "end of its tar; refusing it as a possible decompression bomb"
                )
        if not self.ended():
            raise ArchiveError(
                f"{limits.label} ends inside its compressed stream: it is truncated; download "
                "it again"
            )

    def ended(self) -> bool:
        """Whether the compressed stream has ended as its format says (always, uncompressed)."""
        return self._engine is None or bool(self._engine.eof)

    def _inflate(self, limit: int) -> bytes:
        """Up to ``limit`` (> 0) decompressed bytes; empty at the end of the data."""
        if self._zst is not None:
            out: bytes = self._zst.read(limit)
            return out
        if self._engine is None:
            return self._raw.read(limit)
        while True:
            engine = self._engine
            if engine.eof:  # one gzip member or xz stream has ended: another may follow
                # unused_data holds all the input past its end; zlib leaves a copy of it in
                # unconsumed_tail when the end came under max_length.
                if not self._next_stream(engine.unused_data):
                    return b""
                continue
            if self._xz and not engine.needs_input:
                data = b""  # lzma still holds input from the last call
            elif self._tail:
                data = self._tail
            else:
                data = self._raw.read(_INPUT)
                if not data:
                    return b""  # truncated: whoever asked gets a short read
            out = engine.decompress(data, limit)
            self._tail = b"" if self._xz else engine.unconsumed_tail
            if out:
                return out
            if not data:
                return b""  # no input and no output: nothing more will come

    def _next_stream(self, rest: bytes) -> bool:
        """After a gzip member or xz stream, with ``rest`` the input read past its end: skip the
        padding, then start a decoder on the next one; False at the end of the file.

        Raises ArchiveError for xz padding that is not a multiple of four bytes, and for data
        that starts neither a gzip member nor an xz stream.
        """
        what = "an xz stream" if self._xz else "a gzip member"
        padding = 0
        while True:  # zeros, to the end of the file or to the next stream's first byte
            data = rest.lstrip(b"\x00")
            padding += len(rest) - len(data)
            if data:
                break
            rest = self._raw.read(_INPUT)
            if not rest:
                break
        if self._xz and padding % 4:
            raise ArchiveError(
                f"{self._label}: {padding} bytes of padding follow an xz stream, where the xz "
                "format allows a multiple of four; the archive is corrupt"
            )
        if not data:
            return False
        magic = _MAGIC[self._compression]
        while len(data) < len(magic) and (more := self._raw.read(_INPUT)):
            data += more
        if not data.startswith(magic):
            raise ArchiveError(
                f"{self._label}: after the end of {what} comes {data[:8]!r}, which starts "
                f"neither another one nor padding; the archive is corrupt (or has something "
                "appended): download it again"
            )
        self._engine = self._new_engine()
        self._tail = data
        return True


def _zstandard(label: str) -> Any:
    """The ``zstandard`` module, imported only for a Zstandard archive, or a clear error."""
    try:
        import zstandard
    except ImportError as exc:
        raise ArchiveError(
            f"{label} is compressed with Zstandard, and reading it needs the zstandard package, "
            f"which is not installed here ({exc}). Install it (pip install zstandard) and try "
            "again."
        ) from exc
    return zstandard


def _check_tar_binary(info: tarfile.TarInfo, limits: _Limits) -> None:
    label, member = limits.label, limits.member
    if info.islnk() or info.issym():
        raise ArchiveError(
            f"{label}: the binary {member!r} is a link (to {info.linkname!r}), not a "
            "regular file; refusing to install it"
        )
    if info.type not in _TAR_FILE_TYPES:
        kind = "a directory" if info.isdir() else "a device or special file"
        raise ArchiveError(
            f"{label}: the binary {member!r} is {kind}, not a regular file; refusing it"
        )
    _check_size(info.size, limits)


def _find_zip_member(zf: zipfile.ZipFile, limits: _Limits) -> zipfile.ZipInfo:
    label, member = limits.label, limits.member
    entries = (
        (i.filename, i.file_size, stat.S_ISLNK(i.external_attr >> 16), i) for i in zf.infolist()
    )
    info = _select(entries, limits)
    # Zips made on Windows, and by Python, may carry no file type bits: that is a regular file.
    file_type = stat.S_IFMT(info.external_attr >> 16)
    if info.is_dir() or (file_type and file_type != stat.S_IFREG):
        kind = (
            "a directory"
            if info.is_dir() or file_type == stat.S_IFDIR
            else "a link or special file"
        )
        raise ArchiveError(
            f"{label}: the binary {member!r} is {kind}, not a regular file; refusing it"
        )
    if info.flag_bits & _ZIP_UNREADABLE_FLAGS:
        raise ArchiveError(
            f"{label}: the binary {member!r} is encrypted or stored as patch data; refusing it"
        )
    if info.compress_type not in _ZIP_METHODS:
        raise ArchiveError(
            f"{label}: the binary {member!r} uses zip compression method "
            f"{info.compress_type}, which cannot be read; refusing it"
        )
    _check_size(info.file_size, limits)
    return info


def _select(entries: Iterator[tuple[str, int, bool, _T]], limits: _Limits) -> _T:
    """Scan every entry's header; return the one named ``limits.member``.

    Every name is checked (an archive with one escaping path is hostile as a whole), declared
    sizes are summed to stop decompression bombs before they inflate, and a member under a
    linked directory is refused. Names are compared once normalised (``./mycli`` is
    ``mycli``), so two spellings of the binary are two binaries: ambiguous.
    """
    label = limits.label
    found: list[_T] = []
    links: set[str] = set()
    names: list[str] = []
    declared = 0
    named = 0
    for raw_name, size, is_link, entry in entries:
        name = _normalise(raw_name)
        _check_name(name, label)
        names.append(name)
        named += len(name)
        if len(names) > _MAX_MEMBERS or named > _MAX_NAMES:
            raise ArchiveError(
                f"{label} lists more than {_MAX_MEMBERS} members or {_MAX_NAMES} bytes of member "
                "names, far more than a release archive holds; refusing it as a possible "
                "decompression bomb"
            )
        declared += size
        if declared > limits.max_unpacked:
            raise ArchiveError(
                f"{label} declares more than {limits.max_unpacked} bytes of content; refusing "
                "it as a possible decompression bomb"
            )
        if is_link:
            links.add(name)
        if name == limits.member:
            found.append(entry)
    # A member beneath a link member is how tar-slip escapes a directory: no genuine release
    # archive does that, so the whole archive is refused, whichever member it is. A link named
    # ``./`` has every member beneath it.
    under = _under_a_link(names, links) if links else None
    if under is not None:
        name, link = under
        raise ArchiveError(
            f"{label}: {name!r} lies under {link!r}, which is a link; refusing the archive as "
            "unsafe"
        )
    return _one(found, limits.member, label, [n for n in names if n != "."])


def _under_a_link(names: list[str], links: set[str]) -> tuple[str, str] | None:
    """The first ``(name, link)``, in sorted order, of a name beneath one of ``links``, both as
    PurePosixPath reads them (``a//b`` is ``a/b``); None if there is none.

    The names are sorted once and each link's ``link/`` looked up by bisection: walking each
    name's parents one by one costs its length squared, so one PAX name of 40,000 components
    took 6 s and a 1 MiB one would take a quarter of an hour (red team).
    """
    ordered = sorted((str(PurePosixPath(name)), name) for name in names)
    keys = [key for key, _ in ordered]
    for link in sorted(str(PurePosixPath(each)) for each in links):
        if link == ".":  # the archive's root: every other member lies under it
            beneath = next((name for key, name in ordered if key != "."), None)
            if beneath is not None:
                return beneath, link
            continue
        at = bisect.bisect_left(keys, link + "/")
        if at < len(keys) and keys[at].startswith(link + "/"):
            return ordered[at][1], link
    return None


def _normalise(name: str) -> str:
    """A member name as it is meant: without ``./`` prefixes or a trailing ``/``.

    ``tar -C dir -cf A .`` stores ``./`` and ``./mycli``; both GNU tar and bsdtar extract
    that as ``mycli``. The archive's root directory itself comes out as ``.``.
    """
    name = name.rstrip("/")
    while name.startswith("./"):
        name = name[2:]
    return name


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
            f"{archive} holds {len(found)} members named {member!r} (./ prefixes aside); "
            "refusing an ambiguous archive"
        )
    raise _missing(member, archive, names)


def _missing(member: str, archive: str, names: list[str]) -> ArchiveError:
    listed = ", ".join(names[:10]) + (", ..." if len(names) > 10 else "")
    return ArchiveError(
        f"{archive} has no member {member!r} (it holds: {listed or 'nothing'}). The archive "
        "layout does not match the release description (archives.wrap_in_directory, "
        "builds.binary)."
    )


def _check_size(size: int, limits: _Limits) -> None:
    if size > limits.max_size:
        raise ArchiveError(
            f"{limits.label}: the binary {limits.member!r} is {size} bytes, more than the "
            f"{limits.max_size} allowed; refusing it"
        )


def _stage(source: IO[bytes], size: int | None, limits: _Limits) -> Path:
    """Copy the binary to a temporary file beside ``dest``, checking its size as it inflates.

    ``size`` is the size the archive declares, checked once the copy ends (None: the format
    checks its own, as gzip's trailer does).
    """
    dest, label, member = limits.dest, limits.label, limits.member
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
                if written > limits.max_size:
                    raise ArchiveError(
                        f"{label}: the binary {member!r} inflates past {limits.max_size} bytes; "
                        "refusing it"
                    )
                try:
                    out.write(chunk)
                except OSError as exc:
                    raise StorageError(
                        f"cannot write {dest.name} to {dest.parent}: {exc.strerror or exc}. "
                        "Free some space there and try again."
                    ) from exc
        if size is not None and written != size:
            raise ArchiveError(
                f"{label}: the binary {member!r} is {written} bytes but the archive "
                f"declares {size}; the archive is corrupt"
            )
        # rwxr-xr-x and nothing else: no setuid/setgid/sticky bits from the archive.
        os.chmod(tmp, 0o755)  # noqa: S103 - an executable is meant to be executable by all
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp
