"""Extraction against real archives of every format GoReleaser writes, hostile ones included.

Every refusal also proves that nothing was written (the destination directory stays empty) and
that the message names the archive as the user knows it, not the cache's ``sha256-<hex>``.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import random
import re
import shutil
import stat
import struct
import subprocess
import sys
import tarfile
import time
import tracemalloc
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Literal, cast

import pytest
import zstandard
from cerebrium_cli.errors import ArchiveError, StorageError
from cerebrium_cli.extract import extract_binary
from cerebrium_cli.formats import FORMATS, TAR_COMPRESSIONS, Format
from support import tarbombs

if TYPE_CHECKING:
    from support.release import Release
    from support.server import ReleaseServer

BINARY = b"\x7fELF pretend binary\n" * 100
ASSET = "cerebrium_cli_linux_amd64"  # the archive's name as the user knows it, less its format
CACHED = "sha256-" + "ab" * 32  # how the cache stores it
TAR_FORMATS: list[Format] = sorted(TAR_COMPRESSIONS)
TarMode = Literal["w:", "w:gz", "w:bz2", "w:xz"]  # what tarfile.open writes
WRITE_MODES: dict[str, TarMode] = {"": "w:", "gz": "w:gz", "bz2": "w:bz2", "xz": "w:xz"}


def _tar(
    path: Path,
    members: list[tuple[tarfile.TarInfo, bytes | None]],
    mode: TarMode = "w:gz",
    tar_format: int = tarfile.DEFAULT_FORMAT,
) -> Path:
    with tarfile.open(path, mode, format=tar_format) as tf:
        for info, data in members:
            if data is not None:
                info.size = len(data)
            tf.addfile(info, io.BytesIO(data) if data is not None else None)
    return path


def _peak_extracting(archive: Path, dest: Path) -> int:
    """The most memory Python held (bytes, tracemalloc) while the tar.gz ``archive``'s binary
    was extracted to ``dest``."""
    tracemalloc.start()
    try:
        extract_binary(archive, "tar.gz", "cerebrium", dest)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _tarball(path: Path, fmt: Format, members: list[tuple[tarfile.TarInfo, bytes | None]]) -> Path:
    """A tar of ``members`` in ``fmt``'s compression: Zstandard through zstandard, the others
    through tarfile."""
    compression = TAR_COMPRESSIONS[fmt]
    if compression != "zst":
        return _tar(path, members, WRITE_MODES[compression])
    _tar(path, members, "w:")
    path.write_bytes(zstandard.ZstdCompressor(write_checksum=True).compress(path.read_bytes()))
    return path


def _gz(data: bytes, name: bytes | None, *, size: int | None = None) -> bytes:
    """A gzip stream as RFC 1952 lays it out and GoReleaser's gz format fills it in: FNAME the
    member's path; ``size`` overrides the trailer's ISIZE (a lie, for hostile cases)."""
    flags = 0x08 if name is not None else 0
    header = b"\x1f\x8b\x08" + bytes([flags]) + struct.pack("<I", 0) + b"\x02\xff"
    if name is not None:
        header += name + b"\x00"
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    body = deflate.compress(data) + deflate.flush()
    trailer = struct.pack("<II", zlib.crc32(data), len(data) if size is None else size)
    return header + body + trailer


def _cached(tmp_path: Path, data: bytes) -> Path:
    """``data`` stored as the cache stores an archive: under its digest, not its name."""
    path = tmp_path / CACHED
    path.write_bytes(data)
    return path


def _refused(
    archive: Path, fmt: Format, dest: Path, match: str, member: str = "cerebrium", **kwargs: int
) -> str:
    """Extract ``archive`` (stored as the cache does) and expect a refusal naming the asset."""
    name = f"{ASSET}.{fmt}"
    with pytest.raises(ArchiveError, match=match) as info:
        extract_binary(archive, fmt, member, dest / "cerebrium", name=name, **kwargs)
    message = str(info.value)
    assert name in message
    assert CACHED not in message
    _nothing_written(dest)
    return message


def _info(
    name: str, type_: bytes = tarfile.REGTYPE, mode: int = 0o755, linkname: str = ""
) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = type_
    info.mode = mode
    info.linkname = linkname
    return info


def _zip(path: Path, members: list[tuple[str, bytes, int]]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data, unix_mode in members:
            info = zipfile.ZipInfo(name)
            info.external_attr = unix_mode << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return path


@pytest.fixture
def dest(tmp_path: Path) -> Path:
    out = tmp_path / "out"
    out.mkdir()
    return out


def _nothing_written(dest: Path) -> None:
    assert list(dest.iterdir()) == []


def test_extracts_the_binary_from_a_goreleaser_tar(tmp_path: Path, dest: Path) -> None:
    archive = _tar(
        tmp_path / "a.tar.gz",
        [
            (_info("LICENSE", mode=0o644), b"license"),
            (_info("cerebrium"), BINARY),
            (_info("README.md", mode=0o644), b"x"),
        ],
    )
    result = extract_binary(archive, "tar.gz", "cerebrium", dest / "cerebrium")
    assert result == dest / "cerebrium"
    assert result.read_bytes() == BINARY
    assert stat.S_IMODE(result.stat().st_mode) == 0o755
    assert sorted(p.name for p in dest.iterdir()) == ["cerebrium"]  # only the binary


def test_extracts_from_a_wrapped_directory(tmp_path: Path, dest: Path) -> None:
    archive = _tar(
        tmp_path / "a.tar.gz",
        [
            (_info("cerebrium_2.0.0_linux_amd64", tarfile.DIRTYPE), None),
            (_info("cerebrium_2.0.0_linux_amd64/cerebrium"), BINARY),
        ],
    )
    extract_binary(archive, "tar.gz", "cerebrium_2.0.0_linux_amd64/cerebrium", dest / "cerebrium")
    assert (dest / "cerebrium").read_bytes() == BINARY


@pytest.mark.parametrize("fmt", ["tar", "tar.xz"])
def test_other_tar_compressions(tmp_path: Path, dest: Path, fmt: Format) -> None:
    mode = WRITE_MODES[TAR_COMPRESSIONS[fmt]]
    archive = _tar(tmp_path / f"a.{fmt}", [(_info("cerebrium"), BINARY)], mode)
    extract_binary(archive, fmt, "cerebrium", dest / "cerebrium")
    assert (dest / "cerebrium").read_bytes() == BINARY


def test_extracts_from_zip(tmp_path: Path, dest: Path) -> None:
    archive = _zip(
        tmp_path / "a.zip", [("README.md", b"x", 0o100644), ("cerebrium.exe", BINARY, 0o100755)]
    )
    extract_binary(archive, "zip", "cerebrium.exe", dest / "cerebrium.exe")
    assert (dest / "cerebrium.exe").read_bytes() == BINARY


@pytest.mark.parametrize("unix_mode", [0, 0o644])
def test_zip_without_file_type_bits(tmp_path: Path, dest: Path, unix_mode: int) -> None:
    # Zips made on Windows carry no Unix mode, and Python's carry permissions without a file type.
    # Both are regular files.
    archive = _zip(tmp_path / "a.zip", [("cerebrium.exe", BINARY, unix_mode)])
    extract_binary(archive, "zip", "cerebrium.exe", dest / "cerebrium.exe")
    assert (dest / "cerebrium.exe").read_bytes() == BINARY


def test_setuid_and_setgid_bits_are_stripped(tmp_path: Path, dest: Path) -> None:
    archive = _tar(tmp_path / "a.tar.gz", [(_info("cerebrium", mode=0o7777), BINARY)])
    extract_binary(archive, "tar.gz", "cerebrium", dest / "cerebrium")
    mode = (dest / "cerebrium").stat().st_mode
    assert not mode & (stat.S_ISUID | stat.S_ISGID | stat.S_ISVTX)
    assert stat.S_IMODE(mode) == 0o755


def test_replaces_an_existing_file_atomically(tmp_path: Path, dest: Path) -> None:
    (dest / "cerebrium").write_bytes(b"old")
    archive = _tar(tmp_path / "a.tar.gz", [(_info("cerebrium"), BINARY)])
    extract_binary(archive, "tar.gz", "cerebrium", dest / "cerebrium")
    assert (dest / "cerebrium").read_bytes() == BINARY
    assert sorted(p.name for p in dest.iterdir()) == ["cerebrium"]  # no temp file left


def test_a_directory_in_the_binarys_place_is_a_storage_error_not_a_corrupt_archive(
    tmp_path: Path, dest: Path
) -> None:
    (dest / "cerebrium" / "in-the-way").mkdir(parents=True)
    archive = _tar(tmp_path / "a.tar.gz", [(_info("cerebrium"), BINARY)])
    with pytest.raises(StorageError, match=r"cannot put the binary from a\.tar\.gz at") as info:
        extract_binary(archive, "tar.gz", "cerebrium", dest / "cerebrium")
    assert "corrupt" not in str(info.value)
    assert sorted(p.name for p in dest.iterdir()) == ["cerebrium"]  # no temp file left
    assert list((dest / "cerebrium").iterdir()) == [dest / "cerebrium" / "in-the-way"]


HOSTILE_TARS: dict[str, Callable[[], list[tuple[tarfile.TarInfo, bytes | None]]]] = {
    "dotdot": lambda: [(_info("../evil"), b"x"), (_info("cerebrium"), BINARY)],
    "absolute": lambda: [(_info("/tmp/evil"), b"x"), (_info("cerebrium"), BINARY)],
    "symlink binary": lambda: [(_info("cerebrium", tarfile.SYMTYPE, linkname="/bin/sh"), None)],
    "hardlink binary": lambda: [
        (_info("README.md"), b"x"),
        (_info("cerebrium", tarfile.LNKTYPE, linkname="README.md"), None),
    ],
    "directory binary": lambda: [(_info("cerebrium", tarfile.DIRTYPE), None)],
    "device binary": lambda: [(_info("cerebrium", tarfile.CHRTYPE), None)],
    "fifo binary": lambda: [(_info("cerebrium", tarfile.FIFOTYPE), None)],
    "symlinked parent": lambda: [
        (_info("d", tarfile.SYMTYPE, linkname="/etc"), None),
        (_info("d/cerebrium"), BINARY),
    ],
    "duplicate": lambda: [(_info("cerebrium"), BINARY), (_info("cerebrium"), b"other")],
    "missing": lambda: [(_info("README.md"), b"x")],
    "nested with decoy": lambda: [
        (_info("cerebrium.txt"), b"decoy"),
        (_info("sub/cerebrium"), BINARY),
    ],
    # ./ names the same member (issue 13 item 4), so these are what they were without it.
    "dot duplicate": lambda: [(_info("cerebrium"), BINARY), (_info("./cerebrium"), b"other")],
    "dot dotdot": lambda: [(_info("./../evil"), b"x"), (_info("./cerebrium"), BINARY)],
    "dot symlink binary": lambda: [
        (_info("./cerebrium", tarfile.SYMTYPE, linkname="/bin/sh"), None)
    ],
    "dot root is a symlink": lambda: [
        (_info("./", tarfile.SYMTYPE, linkname="/etc"), None),
        (_info("./cerebrium"), BINARY),
    ],
}
HOSTILE_MESSAGES = {
    "dotdot": "climbs out",
    "absolute": "absolute path",
    "symlink binary": "is a link",
    "hardlink binary": "is a link",
    "directory binary": "is a directory",
    "device binary": "device or special file",
    "fifo binary": "device or special file",
    "symlinked parent": "which is a link",
    "duplicate": "ambiguous",
    "missing": "has no member 'cerebrium'",
    "nested with decoy": "has no member 'cerebrium'",
    "dot duplicate": "holds 2 members named 'cerebrium'.*ambiguous",
    "dot dotdot": "climbs out",
    "dot symlink binary": "is a link",
    "dot root is a symlink": "'cerebrium' lies under '.', which is a link",
}


@pytest.mark.parametrize("fmt", TAR_FORMATS)
@pytest.mark.parametrize("case", sorted(HOSTILE_TARS))
def test_hostile_tars_are_refused_and_nothing_is_written(
    tmp_path: Path, dest: Path, case: str, fmt: Format
) -> None:
    member = "d/cerebrium" if case == "symlinked parent" else "cerebrium"
    archive = _tarball(tmp_path / CACHED, fmt, HOSTILE_TARS[case]())
    _refused(archive, fmt, dest, HOSTILE_MESSAGES[case], member)
    assert not (tmp_path / "evil").exists()


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("..\\evil.exe", "climbs out"),
        ("C:\\evil.exe", "absolute"),
        ("C:evil.exe", "absolute"),
        ("/evil", "absolute"),
    ],
)
def test_hostile_zip_names_are_refused(tmp_path: Path, dest: Path, name: str, message: str) -> None:
    archive = _zip(
        tmp_path / "a.zip", [(name, b"x", 0o100644), ("cerebrium.exe", BINARY, 0o100755)]
    )
    with pytest.raises(ArchiveError, match=message):
        extract_binary(archive, "zip", "cerebrium.exe", dest / "cerebrium.exe")
    _nothing_written(dest)


def test_zip_symlink_binary_is_refused(tmp_path: Path, dest: Path) -> None:
    archive = _zip(tmp_path / "a.zip", [("cerebrium.exe", b"/bin/sh", 0o120777)])
    with pytest.raises(ArchiveError, match="link or special file"):
        extract_binary(archive, "zip", "cerebrium.exe", dest / "cerebrium.exe")
    _nothing_written(dest)


def test_binary_over_the_size_cap_is_refused(tmp_path: Path, dest: Path) -> None:
    archive = _tar(tmp_path / "a.tar.gz", [(_info("cerebrium"), BINARY)])
    with pytest.raises(ArchiveError, match="more than the 100 allowed"):
        extract_binary(archive, "tar.gz", "cerebrium", dest / "cerebrium", max_size=100)
    _nothing_written(dest)


def test_tar_bomb_is_refused_before_it_is_inflated(tmp_path: Path, dest: Path) -> None:
    # A member that declares 4 GiB: its header alone must stop the extractor, before any
    # decompression past it. The archive holds only 1 MiB of that data, so if the extractor
    # tried to read on it would fail as truncated instead of naming the bomb.
    import gzip

    archive = tmp_path / "bomb.tar.gz"
    info = _info("zeros")
    info.size = 4 << 30
    with gzip.open(archive, "wb") as gz:
        gz.write(info.tobuf(format=tarfile.GNU_FORMAT))
        gz.write(bytes(1 << 20))
    with pytest.raises(ArchiveError, match="decompression bomb"):
        extract_binary(archive, "tar.gz", "cerebrium", dest / "cerebrium")
    _nothing_written(dest)


def test_zip_bomb_is_refused_from_its_directory(tmp_path: Path, dest: Path) -> None:
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        with zf.open("zeros", "w", force_zip64=True) as member:
            chunk = bytes(1 << 20)
            for _ in range(64):
                member.write(chunk)
        zf.writestr("cerebrium.exe", BINARY)
    with pytest.raises(ArchiveError, match="decompression bomb"):
        extract_binary(
            archive, "zip", "cerebrium.exe", dest / "cerebrium.exe", max_unpacked=32 << 20
        )
    _nothing_written(dest)


def test_truncated_archive_is_reported_as_corrupt(tmp_path: Path, dest: Path) -> None:
    archive = _tar(tmp_path / "a.tar.gz", [(_info("cerebrium"), os.urandom(200_000))])
    data = archive.read_bytes()
    archive.write_bytes(data[: len(data) // 2])
    with pytest.raises(ArchiveError, match="corrupt, truncated"):
        extract_binary(archive, "tar.gz", "cerebrium", dest / "cerebrium")
    _nothing_written(dest)


def test_not_an_archive_at_all(tmp_path: Path, dest: Path) -> None:
    archive = tmp_path / "a.zip"
    archive.write_bytes(b"<html>captive portal</html>")
    with pytest.raises(ArchiveError, match="corrupt"):
        extract_binary(archive, "zip", "cerebrium.exe", dest / "cerebrium.exe")
    _nothing_written(dest)


def test_unsafe_member_name_from_the_config_is_refused(tmp_path: Path, dest: Path) -> None:
    archive = _tar(tmp_path / "a.tar.gz", [(_info("cerebrium"), BINARY)])
    with pytest.raises(ArchiveError, match="member name"):
        extract_binary(archive, "tar.gz", "../cerebrium", dest / "cerebrium")
    _nothing_written(dest)


def test_any_member_beneath_a_link_refuses_the_whole_archive(tmp_path: Path, dest: Path) -> None:
    # Tar-slip: a link to a directory outside, then a file written through it.
    archive = _tar(
        tmp_path / "a.tar.gz",
        [
            (_info("d", tarfile.SYMTYPE, linkname="/etc"), None),
            (_info("d/passwd"), b"x"),
            (_info("cerebrium"), BINARY),
        ],
    )
    with pytest.raises(ArchiveError, match=r"'d/passwd' lies under 'd', which is a link"):
        extract_binary(archive, "tar.gz", "cerebrium", dest / "cerebrium")
    _nothing_written(dest)


# --- reading forwards, in bounded pieces ------------------------------------------------------


@pytest.mark.parametrize(("fmt", "mode"), [("tar.gz", "w:gz"), ("tar.xz", "w:xz"), ("tar", "w:")])
def test_a_large_binary_comes_out_whole_in_every_tar_format(
    tmp_path: Path, dest: Path, fmt: Format, mode: TarMode
) -> None:
    # Compressible and incompressible stretches, several read blocks long, between other members.
    binary = os.urandom(300_000) + bytes(2_000_000) + os.urandom(123_457)
    archive = _tar(
        tmp_path / f"a.{fmt}",
        [
            (_info("README.md", mode=0o644), b"x" * 1000),
            (_info("cerebrium"), binary),
            (_info("LICENSE", mode=0o644), b"y"),
        ],
        mode,
    )
    extract_binary(archive, fmt, "cerebrium", dest / "cerebrium")
    assert (dest / "cerebrium").read_bytes() == binary


def test_inflating_holds_a_bounded_amount_in_memory(tmp_path: Path, dest: Path) -> None:
    # 64 MiB of zeros compress to 64 KiB: every read must still inflate only a block at a time.
    import gzip

    info = _info("cerebrium")
    info.size = 64 << 20
    archive = tmp_path / "zeros.tar.gz"
    with gzip.open(archive, "wb") as gz:
        gz.write(info.tobuf(format=tarfile.GNU_FORMAT))
        for _ in range(64):
            gz.write(bytes(1 << 20))
        gz.write(bytes(1024))
    peak = _peak_extracting(archive, dest / "cerebrium")
    assert (dest / "cerebrium").stat().st_size == 64 << 20
    assert peak < 2 << 20, peak


@pytest.mark.timeout(60)
@pytest.mark.parametrize("fmt", ["tar", "tar.gz"])
def test_a_header_that_points_backwards_is_refused_not_looped(
    tmp_path: Path, dest: Path, fmt: Format
) -> None:
    # A negative size (base-256) would send a reader that can seek back to the same header
    # for ever; the extractor reads forwards only.
    import gzip

    header = bytearray(_info("x").tobuf(format=tarfile.GNU_FORMAT))
    header[124:136] = b"\xff" + (256**11 - 1024).to_bytes(11, "big")  # size -1024
    header[148:156] = b" " * 8
    header[148:156] = b"%06o\x00 " % sum(header)
    data = bytes(header) + bytes(1024)
    archive = tmp_path / f"back.{fmt}"
    archive.write_bytes(gzip.compress(data) if fmt == "tar.gz" else data)
    with pytest.raises(ArchiveError, match="points back at data already read"):
        extract_binary(archive, fmt, "cerebrium", dest / "cerebrium")
    _nothing_written(dest)


@pytest.mark.parametrize("version", ["0.1", "1.0"])
def test_a_pax_sparse_binary_is_filled_in(tmp_path: Path, dest: Path, version: str) -> None:
    tar = _gnu_tar()
    source = tmp_path / "src"
    source.mkdir()
    with (source / "cerebrium").open("wb") as handle:
        handle.write(b"head" * 1000)
        handle.seek(3 << 20)
        handle.write(b"middle" * 5000)
        handle.seek(9 << 20)
        handle.write(b"tail")
    archive = tmp_path / "sparse.tar.gz"
    subprocess.run(
        [
            tar,
            "--sparse",
            f"--sparse-version={version}",
            "--format=posix",
            "-czf",
            str(archive),
            "-C",
            str(source),
            "cerebrium",
        ],
        check=True,
    )
    with tarfile.open(archive) as tf:  # the archive really is sparse, so that path is taken
        assert tf.getmember("cerebrium").sparse is not None
    extract_binary(archive, "tar.gz", "cerebrium", dest / "cerebrium")
    assert (dest / "cerebrium").read_bytes() == (source / "cerebrium").read_bytes()


# --- every format GoReleaser writes -----------------------------------------------------------


def _stage(tmp_path: Path) -> Path:
    """A directory as GoReleaser fills an archive: the binary beside LICENSE and README."""
    stage = tmp_path / "stage"
    stage.mkdir()
    (stage / "cerebrium").write_bytes(BINARY)
    (stage / "cerebrium").chmod(0o755)
    (stage / "LICENSE").write_text("license")
    (stage / "README.md").write_text("readme")
    return stage


def _good_tarball(fmt: Format) -> Callable[[Path], bytes]:
    members: list[tuple[tarfile.TarInfo, bytes | None]] = [
        (_info("LICENSE", mode=0o644), b"license"),
        (_info("cerebrium"), BINARY),
    ]
    return lambda path: _tarball(path, fmt, members).read_bytes()


GOOD: dict[Format, Callable[[Path], bytes]] = {
    **{fmt: _good_tarball(fmt) for fmt in TAR_COMPRESSIONS},
    "zip": lambda path: _zip(
        path, [("LICENSE", b"license", 0o100644), ("cerebrium", BINARY, 0o100755)]
    ).read_bytes(),
    "gz": lambda path: _gz(BINARY, b"cerebrium"),
    "binary": lambda path: BINARY,
}


def test_every_format_has_a_test_archive() -> None:
    assert set(GOOD) == set(FORMATS)


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_gives_the_binary_and_only_it(tmp_path: Path, dest: Path, fmt: Format) -> None:
    archive = _cached(tmp_path, GOOD[fmt](tmp_path / "build"))
    result = extract_binary(archive, fmt, "cerebrium", dest / "cerebrium", name=f"{ASSET}.{fmt}")
    assert result == dest / "cerebrium"
    assert result.read_bytes() == BINARY
    assert stat.S_IMODE(result.stat().st_mode) == 0o755
    assert [p.name for p in dest.iterdir()] == ["cerebrium"]
    assert archive.read_bytes()  # the archive itself is left as it was, for the cache


@pytest.mark.parametrize("fmt", FORMATS)
def test_messages_name_the_archive_as_the_user_knows_it(
    tmp_path: Path, dest: Path, fmt: Format
) -> None:
    # Issue 13 item 4: with the cache on, messages said "sha256-<hex> has no member ...".
    archive = _cached(tmp_path, GOOD[fmt](tmp_path / "build"))
    _refused(archive, fmt, dest, "more than the 10 allowed", max_size=10)
    if fmt != "binary":  # the asset is the binary: there is no member to miss
        _refused(archive, fmt, dest, "has no member 'other'", member="other")


def test_without_a_name_messages_use_the_file_name(tmp_path: Path, dest: Path) -> None:
    archive = _tar(tmp_path / "a.tar.gz", [(_info("README.md"), b"x")])
    with pytest.raises(ArchiveError, match=r"^a\.tar\.gz has no member"):
        extract_binary(archive, "tar.gz", "cerebrium", dest / "cerebrium")


def test_an_unknown_format_is_refused(tmp_path: Path, dest: Path) -> None:
    archive = _cached(tmp_path, GOOD["tar.gz"](tmp_path / "build"))
    with pytest.raises(ArchiveError, match=r"archive format 'rar' cannot be extracted.*tar\.zst"):
        # A value the type forbids, as an untyped caller could pass it.
        extract_binary(archive, cast("Format", "rar"), "cerebrium", dest / "cerebrium")
    _nothing_written(dest)


# --- tar -C stage -czf A . (issue 13 item 4) --------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "flags"),
    [("tar.gz", ["-z"]), ("tar.xz", ["-J"]), ("tar.zst", ["--zstd"]), ("tar", [])],
)
def test_a_tar_of_the_current_directory_made_by_the_tar_command(
    tmp_path: Path, dest: Path, fmt: Format, flags: list[str]
) -> None:
    # `tar -C stage -czf A .` stores './', './cerebrium', ...: it used to be refused with
    # "has no member 'cerebrium'"; the binary is ./cerebrium.
    tar = shutil.which("tar")
    assert tar is not None, "tar is on every machine this runs on"
    if fmt == "tar.zst" and shutil.which("zstd") is None:
        if sys.platform != "linux":
            pytest.skip("tar --zstd runs the zstd command, which macOS and Windows lack")
        raise AssertionError("tar --zstd runs the zstd command, on every Linux CI runs on")
    stage = _stage(tmp_path)
    archive = tmp_path / CACHED
    subprocess.run([tar, "-C", str(stage), *flags, "-cf", str(archive), "."], check=True)
    listing = subprocess.run([tar, *flags, "-tf", str(archive)], capture_output=True, text=True)
    assert "./cerebrium" in listing.stdout.split()  # the input of the issue, as tar wrote it
    assert "./" in listing.stdout.split()
    extract_binary(archive, fmt, "cerebrium", dest / "cerebrium", name=f"{ASSET}.{fmt}")
    assert (dest / "cerebrium").read_bytes() == BINARY
    assert [p.name for p in dest.iterdir()] == ["cerebrium"]


def test_a_dot_prefixed_binary_in_a_wrapped_directory(tmp_path: Path, dest: Path) -> None:
    archive = _tar(
        tmp_path / "a.tar.gz",
        [
            (_info("./", tarfile.DIRTYPE), None),
            (_info("./wrap/", tarfile.DIRTYPE), None),
            (_info("./wrap/cerebrium"), BINARY),
        ],
    )
    extract_binary(archive, "tar.gz", "wrap/cerebrium", dest / "cerebrium")
    assert (dest / "cerebrium").read_bytes() == BINARY


def test_a_zip_with_dot_prefixed_names(tmp_path: Path, dest: Path) -> None:
    archive = _zip(tmp_path / "a.zip", [("./cerebrium.exe", BINARY, 0o100755)])
    extract_binary(archive, "zip", "cerebrium.exe", dest / "cerebrium.exe")
    assert (dest / "cerebrium.exe").read_bytes() == BINARY


def test_a_zip_with_the_binary_twice_once_dot_prefixed(tmp_path: Path, dest: Path) -> None:
    archive = _zip(
        tmp_path / CACHED,
        [("cerebrium", BINARY, 0o100755), ("./cerebrium", b"other", 0o100755)],
    )
    _refused(archive, "zip", dest, "ambiguous")


# --- Zstandard --------------------------------------------------------------------------------


def test_a_tar_zst_of_several_frames_is_read_across_them(tmp_path: Path, dest: Path) -> None:
    # As the zstd command reads concatenated frames (and writes them with --rsyncable, -B...).
    plain = _tar(tmp_path / "a.tar", [(_info("cerebrium"), BINARY)], "w:").read_bytes()
    cut = len(plain) // 3
    compress = zstandard.ZstdCompressor().compress
    archive = _cached(tmp_path, compress(plain[:cut]) + compress(plain[cut:]))
    extract_binary(archive, "tzst", "cerebrium", dest / "cerebrium")
    assert (dest / "cerebrium").read_bytes() == BINARY


def test_zstandard_is_imported_only_for_zstandard_archives(tmp_path: Path) -> None:
    _tar(tmp_path / "a.tar.gz", [(_info("cerebrium"), BINARY)])
    code = (
        f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); import conftest; "
        "from pathlib import Path; from cerebrium_cli.extract import extract_binary; "
        f"extract_binary(Path({str(tmp_path / 'a.tar.gz')!r}), 'tar.gz', 'cerebrium', "
        f"Path({str(tmp_path / 'out' / 'cerebrium')!r})); "
        "assert 'zstandard' not in sys.modules, 'imported'"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr


@pytest.mark.parametrize("fmt", ["tar.zst", "tzst"])
def test_without_zstandard_the_error_says_what_to_install(
    tmp_path: Path, dest: Path, fmt: Format, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = _cached(tmp_path, GOOD[fmt](tmp_path / "build"))
    monkeypatch.setitem(sys.modules, "zstandard", None)  # import zstandard: ImportError
    message = _refused(archive, fmt, dest, "needs the zstandard package")
    assert "pip install zstandard" in message


# --- hostile streams in every tar compression -------------------------------------------------


@pytest.mark.parametrize("fmt", TAR_FORMATS)
def test_a_declared_bomb_is_refused_before_it_is_inflated(
    tmp_path: Path, dest: Path, fmt: Format
) -> None:
    # A member that declares 4 GiB, followed by 1 MiB of its data: its header alone stops the
    # extractor (reading on would fail as truncated instead).
    info = _info("zeros")
    info.size = 4 << 30
    plain = info.tobuf(format=tarfile.GNU_FORMAT) + bytes(1 << 20)
    archive = _cached(tmp_path, _compress(plain, fmt))
    _refused(archive, fmt, dest, "declares more than .* decompression bomb")


@pytest.mark.parametrize("fmt", TAR_FORMATS)
def test_an_undeclared_bomb_in_an_extended_header_is_refused(
    tmp_path: Path, dest: Path, fmt: Format
) -> None:
    # A PAX header claiming 64 MiB of records: tarfile reads an extended header whole, into
    # memory, and no member size declares it. Compressed, it is a few KiB.
    info = _info("././@PaxHeader", tarfile.XHDTYPE)
    info.size = 64 << 20
    plain = info.tobuf(format=tarfile.GNU_FORMAT) + bytes(64 << 20) + bytes(1024)
    archive = _cached(tmp_path, _compress(plain, fmt))
    tracemalloc.start()
    try:
        _refused(archive, fmt, dest, "extended header data.*decompression bomb")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 16 << 20, peak  # xz's own 8 MiB dictionary, and never the 64 MiB header


@pytest.mark.parametrize("fmt", TAR_FORMATS)
def test_zeros_after_the_end_of_the_tar_are_bounded(
    tmp_path: Path, dest: Path, fmt: Format
) -> None:
    plain = _tar(tmp_path / "a.tar", [(_info("cerebrium"), BINARY)], "w:").read_bytes()
    archive = _cached(tmp_path, _compress(plain + bytes(8 << 20), fmt))
    _refused(
        archive, fmt, dest, "after the end of its tar.*decompression bomb", max_unpacked=4 << 20
    )


@pytest.mark.parametrize("fmt", TAR_FORMATS)
def test_a_truncated_tar_is_refused(tmp_path: Path, dest: Path, fmt: Format) -> None:
    data = GOOD[fmt](tmp_path / "build")
    plain = _tar(tmp_path / "b.tar", [(_info("cerebrium"), os.urandom(200_000))], "w:")
    data = _compress(plain.read_bytes(), fmt)
    archive = _cached(tmp_path, data[: len(data) // 2])
    _refused(archive, fmt, dest, "corrupt, truncated")


@pytest.mark.parametrize(
    ("fmt", "cut"),
    [
        ("tar.gz", 6),  # into gzip's trailer
        ("tar.xz", 6),  # into xz's stream footer
        ("tar.zst", 6),  # into the last block
        pytest.param(
            "tar.zst",
            3,  # into the frame's checksum alone
            marks=pytest.mark.xfail(
                strict=True,
                reason="zstandard's readers cannot tell a frame cut short from a finished one",
            ),
        ),
    ],
)
def test_a_compressed_stream_cut_after_the_tar_is_refused(
    tmp_path: Path, dest: Path, fmt: Format, cut: int
) -> None:
    # The tar is whole, the compressed stream is not: its own check never came.
    data = GOOD[fmt](tmp_path / "build")
    archive = _cached(tmp_path, data[:-cut])
    _refused(archive, fmt, dest, "truncated")


@pytest.mark.parametrize("fmt", ["tar.gz", "tar.xz", "tar.zst"])
def test_a_flipped_byte_in_the_binary_is_caught_by_the_stream_check(
    tmp_path: Path, dest: Path, fmt: Format
) -> None:
    # Incompressible data is stored nearly as it is: a byte flipped in the middle of it gives
    # a wrong binary that only the stream's own check (CRC32, CRC64, XXH64) can see.
    binary = os.urandom(300_000)
    plain = _tar(tmp_path / "a.tar", [(_info("cerebrium"), binary)], "w:").read_bytes()
    data = bytearray(_compress(plain, fmt))
    data[len(data) // 2] ^= 0x01
    _refused(_cached(tmp_path, bytes(data)), fmt, dest, "corrupt")


@pytest.mark.parametrize("fmt", TAR_FORMATS)
def test_not_a_tar_at_all(tmp_path: Path, dest: Path, fmt: Format) -> None:
    archive = _cached(tmp_path, b"<html>captive portal</html>" * 40)
    _refused(archive, fmt, dest, "corrupt")


def _compress(plain: bytes, fmt: Format) -> bytes:
    import lzma

    compression = TAR_COMPRESSIONS[fmt]
    if compression == "gz":
        return gzip.compress(plain)
    if compression == "xz":
        return lzma.compress(plain)
    if compression == "zst":
        return zstandard.ZstdCompressor(write_checksum=True).compress(plain)
    return plain


# --- gz: the binary alone, gzip-compressed ----------------------------------------------------


def test_a_gz_made_by_the_gzip_command(tmp_path: Path, dest: Path) -> None:
    gzip_command = shutil.which("gzip")
    assert gzip_command is not None, "gzip is on every machine this runs on"
    stage = _stage(tmp_path)
    subprocess.run([gzip_command, "-9", "-k", str(stage / "cerebrium")], check=True)
    archive = _cached(tmp_path, (stage / "cerebrium.gz").read_bytes())
    extract_binary(archive, "gz", "cerebrium", dest / "cerebrium", name=f"{ASSET}.gz")
    assert (dest / "cerebrium").read_bytes() == BINARY


def test_a_gz_without_a_stored_name_is_the_binary(tmp_path: Path, dest: Path) -> None:
    archive = _cached(tmp_path, gzip.compress(BINARY))  # as gzip -n writes it
    extract_binary(archive, "gz", "cerebrium", dest / "cerebrium")
    assert (dest / "cerebrium").read_bytes() == BINARY


@pytest.mark.parametrize("stored", [b"wrap/cerebrium", b"./wrap/cerebrium"])
def test_a_gz_of_a_wrapped_binary(tmp_path: Path, dest: Path, stored: bytes) -> None:
    # GoReleaser's gz stores the member's path, wrap_in_directory included (pkg/archive/gzip).
    archive = _cached(tmp_path, _gz(BINARY, stored))
    extract_binary(archive, "gz", "wrap/cerebrium", dest / "cerebrium")
    assert (dest / "cerebrium").read_bytes() == BINARY


HOSTILE_GZ: dict[str, tuple[Callable[[], bytes], str]] = {
    "dotdot": (lambda: _gz(BINARY, b"../cerebrium"), "climbs out"),
    "absolute": (lambda: _gz(BINARY, b"/usr/local/bin/cerebrium"), "absolute path"),
    "another file": (
        lambda: _gz(b"license", b"LICENSE"),
        r"has no member 'cerebrium' \(it holds: LICENSE\)",
    ),
    "trailing garbage": (
        lambda: _gz(BINARY, b"cerebrium") + b"garbage!" + bytes(4),  # read as ISIZE 0
        r"after the end of a gzip member comes b'garbage!', which starts neither another one "
        r"nor padding; the archive is corrupt",
    ),
    "zeros then garbage": (
        lambda: _gz(BINARY, b"cerebrium") + bytes(8) + b"\x1f" + bytes(4),
        r"comes b'\\x1f\\x00\\x00\\x00\\x00', which starts neither",
    ),
    "truncated": (lambda: _gz(os.urandom(100_000), b"cerebrium")[:50_000], "truncated"),
    "trailer cut": (lambda: _gz(BINARY, b"cerebrium")[:-4], "corrupt|truncated"),
    "bad crc": (
        lambda: (lambda d: d[:-8] + bytes([d[-8] ^ 1]) + d[-7:])(_gz(BINARY, b"cerebrium")),
        "corrupt",
    ),
    "size lie": (lambda: _gz(BINARY, b"cerebrium", size=len(BINARY) - 1), "corrupt"),
    "name too long": (lambda: _gz(BINARY, b"a" * 5000), "longer than 4096"),
    "html": (lambda: b"<html>captive portal</html>" * 40, "corrupt"),
    # The trailer declares more than the cap; the body is not even deflate: refused from the
    # declaration, never inflated.
    "declared bomb": (
        lambda: _gz(b"", b"cerebrium")[:-8] + b"junk" + struct.pack("<I", 1 << 31),
        "declares 2147483648 bytes for the binary 'cerebrium', more than the 1048576 allowed",
    ),
    # The trailer declares 100 bytes; the body inflates to 64 MiB: refused as it grows.
    "undeclared bomb": (
        lambda: _gz(bytes(64 << 20), b"cerebrium", size=100),
        "inflates past 1048576 bytes",
    ),
}


@pytest.mark.parametrize("case", sorted(HOSTILE_GZ))
def test_hostile_gz_is_refused_and_nothing_is_written(
    tmp_path: Path, dest: Path, case: str
) -> None:
    build, message = HOSTILE_GZ[case]
    _refused(_cached(tmp_path, build()), "gz", dest, message, max_size=1 << 20)


# --- binary: the asset is the binary ----------------------------------------------------------


@pytest.mark.parametrize("member", ["cerebrium", ""])  # a binary asset has no members to name
def test_a_binary_asset_is_copied_as_it_is(tmp_path: Path, dest: Path, member: str) -> None:
    asset = _cached(tmp_path, BINARY)
    asset.chmod(0o4600)  # whatever the download's mode, the installed binary's is 0755
    extract_binary(asset, "binary", member, dest / "cerebrium")
    assert (dest / "cerebrium").read_bytes() == BINARY
    assert stat.S_IMODE((dest / "cerebrium").stat().st_mode) == 0o755
    assert asset.read_bytes() == BINARY


def test_a_binary_asset_over_the_cap_is_refused(tmp_path: Path, dest: Path) -> None:
    asset = _cached(tmp_path, BINARY)
    _refused(
        asset, "binary", dest, f"is {len(BINARY)} bytes, more than the 100 allowed", max_size=100
    )


def test_an_xz_asking_for_a_huge_dictionary_is_refused(tmp_path: Path, dest: Path) -> None:
    # The LZMA2 filter's properties byte sets the dictionary the decoder allocates (xz file
    # format 1.2.0, sections 3.1 and 5.3.1); 40 asks for 4 GiB. The block header's CRC32 is
    # fixed up, so only the memory limit can refuse it.
    import lzma

    plain = _tar(tmp_path / "a.tar", [(_info("cerebrium"), BINARY)], "w:").read_bytes()
    data = bytearray(lzma.compress(plain))
    size = (data[12] + 1) * 4  # the block header follows the 12-byte stream header
    assert (data[13], data[14], data[15]) == (0, 0x21, 1)  # one filter, LZMA2, 1 property byte
    data[16] = 40
    data[12 + size - 4 : 12 + size] = struct.pack("<I", zlib.crc32(bytes(data[12 : 12 + size - 4])))
    assert lzma.decompress(bytes(data)) == plain  # valid, for a decoder without a limit
    _refused(_cached(tmp_path, bytes(data)), "tar.xz", dest, "corrupt.*[Mm]emory usage limit")


# --- several gzip members, xz streams; GNU sparse members: read as the tools read them --------


def _gnu_tar() -> str:
    """GNU tar's path: it writes the archives these tests read (skipped where bsdtar ships)."""
    tar = shutil.which("tar")
    gnu = (
        tar is not None
        and "GNU" in subprocess.run([tar, "--version"], capture_output=True, text=True).stdout
    )
    if not gnu and sys.platform != "linux":
        pytest.skip("GNU tar writes these archives; macOS and Windows ship bsdtar")
    assert tar is not None
    assert gnu, "GNU tar is part of every Linux this runs on (CI: Debian)"
    return tar


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None and sys.platform != "linux":
        pytest.skip(f"{name} is not installed here")
    assert path is not None, f"{name} is on every Linux this runs on (CI: Debian)"
    return path


def _concatenated(tmp_path: Path, tool: str, parts: list[bytes]) -> bytes:
    """Each part compressed by ``tool -c`` (``gzip`` or ``xz``), appended as ``cat`` would."""
    out = b""
    for number, part in enumerate(parts):
        piece = tmp_path / f"part{number}"
        piece.write_bytes(part)
        out += subprocess.run([tool, "-c", str(piece)], capture_output=True, check=True).stdout
    return out


# Incompressible, and larger than a read of the compressed file (64 KiB): a stream that starts
# in one read goes on across several.
LARGE_BINARY = random.Random("large").randbytes(300_000)


def _goreleaser_tar(tmp_path: Path) -> tuple[bytes, int]:
    """A plain tar of LICENSE, README.md, then ``LARGE_BINARY``, written by GNU tar, and the
    offset of the binary's header in it."""
    stage = _stage(tmp_path)
    (stage / "cerebrium").write_bytes(LARGE_BINARY)
    plain = tmp_path / "plain.tar"
    subprocess.run(
        [_gnu_tar(), "--format=gnu", "-cf", str(plain), "-C", str(stage),
         "LICENSE", "README.md", "cerebrium"],
        check=True,
    )  # fmt: skip
    with tarfile.open(plain) as tf:
        offset = tf.getmember("cerebrium").offset
    return plain.read_bytes(), offset


@pytest.mark.parametrize("fmt", ["tar.gz", "tgz", "tar.xz", "txz"])
@pytest.mark.parametrize("cut", ["at the binary's header", "inside the binary"])
def test_a_tar_in_two_compressed_streams_is_read_across_them(
    tmp_path: Path, dest: Path, fmt: Format, cut: str
) -> None:
    # gzip -c a >x; gzip -c b >>x (or xz): the binary in the second member or stream. GNU tar
    # (through gzip -d, xz -d) reads the whole tar, and so must the extractor.
    plain, offset = _goreleaser_tar(tmp_path)
    at = offset if cut == "at the binary's header" else offset + 512 + len(LARGE_BINARY) // 2
    tool = _tool("gzip" if TAR_COMPRESSIONS[fmt] == "gz" else "xz")
    archive = _cached(tmp_path, _concatenated(tmp_path, tool, [plain[:at], plain[at:]]))
    listed = subprocess.run(
        [_gnu_tar(), "-tf", str(archive)], capture_output=True, text=True, check=True
    )
    assert listed.stdout.split() == ["LICENSE", "README.md", "cerebrium"]  # the tools agree
    extract_binary(archive, fmt, "cerebrium", dest / "cerebrium")
    assert (dest / "cerebrium").read_bytes() == LARGE_BINARY


def test_xz_stream_padding_between_and_after_streams_is_read(tmp_path: Path, dest: Path) -> None:
    # Stream Padding: zeros in multiples of four bytes (the .xz file format 1.2.0, 2.2).
    plain, offset = _goreleaser_tar(tmp_path)
    xz = _tool("xz")
    first, second = (
        _concatenated(tmp_path, xz, [plain[:offset]]),
        _concatenated(tmp_path, xz, [plain[offset:]]),
    )
    data = first + bytes(8) + second + bytes(4)
    assert subprocess.run([xz, "-dc"], input=data, capture_output=True).stdout == plain
    extract_binary(_cached(tmp_path, data), "tar.xz", "cerebrium", dest / "cerebrium")
    assert (dest / "cerebrium").read_bytes() == LARGE_BINARY


@pytest.mark.parametrize(
    ("fmt", "after", "message"),
    [
        ("tar.xz", bytes(3), "3 bytes of padding follow an xz stream, where the xz format "
         "allows a multiple of four; the archive is corrupt"),
        ("tar.xz", b"garbage!", "after the end of an xz stream comes b'garbage!', which starts "
         "neither another one nor padding; the archive is corrupt"),
        ("tar.gz", b"garbage!", "after the end of a gzip member comes b'garbage!'"),
        # A second gzip member cut short after its magic and method.
        ("tar.gz", b"\x1f\x8b\x08", "ends inside its compressed stream: it is truncated"),
    ],
)  # fmt: skip
def test_what_follows_a_stream_must_be_another_or_padding(
    tmp_path: Path, dest: Path, fmt: Format, after: bytes, message: str
) -> None:
    # xz -d refuses these; gzip -d refuses a cut member and only warns of garbage ("trailing
    # garbage ignored", exit status 2): the extractor refuses all of them.
    plain, _ = _goreleaser_tar(tmp_path)
    tool = _tool("gzip" if fmt == "tar.gz" else "xz")
    archive = _cached(tmp_path, _concatenated(tmp_path, tool, [plain]) + after)
    assert subprocess.run([tool, "-dc", str(archive)], capture_output=True).returncode != 0
    _refused(archive, fmt, dest, re.escape(message))


def test_gzip_zeros_after_the_last_member_are_padding(tmp_path: Path, dest: Path) -> None:
    plain, _ = _goreleaser_tar(tmp_path)
    gzip_command = _tool("gzip")
    archive = _cached(tmp_path, _concatenated(tmp_path, gzip_command, [plain]) + bytes(100))
    assert subprocess.run([gzip_command, "-dc", str(archive)], capture_output=True).returncode == 0
    extract_binary(archive, "tar.gz", "cerebrium", dest / "cerebrium")
    assert (dest / "cerebrium").read_bytes() == LARGE_BINARY


def test_a_gz_of_two_members_is_the_binary_whole(tmp_path: Path, dest: Path) -> None:
    # As gzip -d reads it (RFC 1952 2.2): the members' contents one after another; the first
    # member's header names the file.
    gzip_command = _tool("gzip")
    half = len(LARGE_BINARY) // 2
    (tmp_path / "first").mkdir()
    (tmp_path / "first" / "cerebrium").write_bytes(LARGE_BINARY[:half])
    head = subprocess.run(
        [gzip_command, "-c", str(tmp_path / "first" / "cerebrium")], capture_output=True, check=True
    ).stdout
    data = head + _concatenated(tmp_path, gzip_command, [LARGE_BINARY[half:]]) + bytes(10)
    assert (
        subprocess.run([gzip_command, "-dc"], input=data, capture_output=True).stdout
        == LARGE_BINARY
    )
    extract_binary(_cached(tmp_path, data), "gz", "cerebrium", dest / "cerebrium")
    assert (dest / "cerebrium").read_bytes() == LARGE_BINARY


def test_a_gnu_sparse_binary_is_filled_in(tmp_path: Path, dest: Path) -> None:
    # GNU tar --sparse in its default (gnu) format: type 'S', the map in the header and, past
    # four regions, in extension headers. GNU tar extracts it; so must the extractor.
    source = tmp_path / "src"
    source.mkdir()
    with (source / "cerebrium").open("wb") as handle:
        for number in range(7):  # seven data regions: the header holds four
            handle.seek(number << 20)
            handle.write(bytes([number + 1]) * 5000)
        handle.truncate(9 << 20)  # and a hole at the end
    archive = tmp_path / "sparse.tar.gz"
    tar = _gnu_tar()
    subprocess.run(
        [tar, "--sparse", "--format=gnu", "-czf", str(archive), "-C", str(source), "cerebrium"],
        check=True,
    )
    with tarfile.open(archive) as tf:  # the archive really is GNU-sparse, so that path is taken
        assert tf.getmember("cerebrium").type == tarfile.GNUTYPE_SPARSE
    extract_binary(archive, "tar.gz", "cerebrium", dest / "cerebrium")
    assert (dest / "cerebrium").read_bytes() == (source / "cerebrium").read_bytes()
    assert stat.S_IMODE((dest / "cerebrium").stat().st_mode) == 0o755


@pytest.mark.e2e
@pytest.mark.skipif(sys.platform == "win32", reason="POSIX")
def test_pip_installs_a_release_whose_tar_gz_is_two_gzip_members(
    tmp_path: Path,
    sdist: Path,
    wheelhouse: Path,
    ca_file: Path,
    server: ReleaseServer,
    server_root: Path,
    release: Release,
) -> None:
    # The real release's archive, recompressed by gzip as two members, the binary in the second,
    # and listed in checksums.txt: pip installs it and the command runs.
    from conftest import VERSION
    from support.installs import assert_installed, copy_release, install, settings

    out = copy_release(release, server_root / "two-gzip-members")
    archive = out / "cerebrium_cli_linux_amd64.tar.gz"
    plain = gzip.decompress(archive.read_bytes())
    with tarfile.open(fileobj=io.BytesIO(plain)) as tf:
        offset = tf.getmember("cerebrium").offset
    archive.write_bytes(_concatenated(tmp_path, _tool("gzip"), [plain[:offset], plain[offset:]]))
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    checksums = out / "checksums.txt"
    checksums.write_text(
        "".join(
            f"{digest}  {archive.name}\n" if line.endswith(f"  {archive.name}") else f"{line}\n"
            for line in checksums.read_text().splitlines()
        )
    )
    env = settings(ca_file, f"{server.url}/two-gzip-members/", tmp_path / "cache")
    venv, result = install(tmp_path, str(sdist), wheelhouse=wheelhouse, env=env)
    assert_installed(venv, result, VERSION)


@pytest.mark.parametrize("first", [True, False], ids=["first member", "after another"])
def test_a_gnu_sparse_map_of_a_million_extension_blocks_is_refused_in_bounded_memory(
    tmp_path: Path, dest: Path, first: bool
) -> None:
    # Red team: a type 'S' member chaining a million extension headers (1.7 MiB gzipped) made
    # tarfile build a 21-million-entry map before the member was seen: 3.9 GiB and 28 s.
    other = b""
    if not first:
        info = tarfile.TarInfo("README.md")
        info.size = 5
        other = info.tobuf(tarfile.GNU_FORMAT) + b"hello".ljust(512, b"\0")
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb") as packed:
        packed.write(other)
        packed.write(tarbombs.old_gnu_sparse(1_000_000))
        packed.write(bytes(1024))
    archive = tmp_path / "sparse.tar.gz"
    archive.write_bytes(buffer.getvalue())
    with pytest.raises(ArchiveError, match=r"one member's tar headers .* run past 4194304 bytes"):
        extract_binary(archive, "tar.gz", "cerebrium", dest / "cerebrium")
    assert list(dest.iterdir()) == []


def test_a_gnu_sparse_map_of_a_thousand_extension_blocks_is_read(
    tmp_path: Path, dest: Path
) -> None:
    # The bound is far above what GNU tar writes for a real binary's holes: this map still reads.
    archive = tmp_path / "sparse.tar.gz"
    archive.write_bytes(gzip.compress(tarbombs.old_gnu_sparse(1000) + bytes(1024)))
    extract_binary(archive, "tar.gz", "cerebrium", dest / "cerebrium")
    assert (dest / "cerebrium").read_bytes() == b"\0x" + bytes(98)


@pytest.mark.parametrize("kind", [tarfile.GNUTYPE_LONGNAME, tarfile.XHDTYPE], ids=["L", "x"])
def test_two_thousand_chained_extended_headers_are_refused_without_a_traceback(
    tmp_path: Path, dest: Path, kind: bytes
) -> None:
    # Red team: tarfile follows each long name or PAX header to the next by recursion, so 2000
    # of them before the binary (2 MiB, gzipped to a few KiB) ended in a RecursionError.
    data = tarbombs.chained_headers(kind, 2000, b"\x7fELF")
    archive = tmp_path / "chained.tar.gz"
    archive.write_bytes(gzip.compress(data + bytes(1024)))
    with pytest.raises(ArchiveError, match="chains more extended tar headers"):
        extract_binary(archive, "tar.gz", "cerebrium", dest / "cerebrium")
    assert list(dest.iterdir()) == []


def test_a_name_of_many_components_beside_a_link_is_checked_in_bounded_time(
    tmp_path: Path, dest: Path
) -> None:
    # Red team: each name's parents were looked up one by one among the links, its length
    # squared: one PAX name of 40,000 components took 6 s, a 1 MiB one a quarter of an hour.
    link = tarfile.TarInfo("elsewhere")
    link.type, link.linkname = tarfile.SYMTYPE, "/tmp"
    deep = tarfile.TarInfo("a/" * 40_000 + "x")
    members = [(link, None), (deep, b""), (_info("cerebrium"), BINARY)]
    archive = _tar(tmp_path / "deep.tar.gz", members, tar_format=tarfile.PAX_FORMAT)
    started = time.monotonic()
    extract_binary(archive, "tar.gz", "cerebrium", dest / "cerebrium")
    assert time.monotonic() - started < 1
    assert (dest / "cerebrium").read_bytes() == BINARY


def test_an_archive_of_a_hundred_thousand_members_is_refused(tmp_path: Path, dest: Path) -> None:
    # Red team: a million empty members gzip to 2.2 MiB and took 25 s and most of a GiB (ten
    # million: 22 MiB, and gigabytes); a release archive holds a binary and a few files.
    empty = tarfile.TarInfo("d")
    binary = _info("cerebrium")
    binary.size = len(BINARY)
    data = empty.tobuf(tarfile.GNU_FORMAT) * 100_001 + binary.tobuf(tarfile.GNU_FORMAT)
    archive = tmp_path / "many.tar.gz"
    archive.write_bytes(gzip.compress(data + BINARY.ljust(2560, b"\0") + bytes(1024)))
    with pytest.raises(ArchiveError, match="lists more than 100000 members or 16777216 bytes"):
        extract_binary(archive, "tar.gz", "cerebrium", dest / "cerebrium")
    assert list(dest.iterdir()) == []


def test_the_headers_of_members_read_are_not_kept(tmp_path: Path, dest: Path) -> None:
    # Red team: tarfile keeps every member's header, PAX records and all (each up to 1 MiB), so
    # members of 1 MiB comments held a MiB each until the archive was closed.
    members: list[tuple[tarfile.TarInfo, bytes | None]] = []
    for number in range(100):
        info = tarfile.TarInfo(f"doc{number}")
        info.pax_headers = {"comment": "x" * ((1 << 20) - 1024)}
        members.append((info, b""))
    members.append((_info("cerebrium"), BINARY))
    archive = _tar(tmp_path / "comments.tar.gz", members, tar_format=tarfile.PAX_FORMAT)
    peak = _peak_extracting(archive, dest / "cerebrium")
    assert peak < 20 << 20, peak
    assert (dest / "cerebrium").read_bytes() == BINARY


@pytest.mark.parametrize(
    ("realsize", "sparse_map"),
    [("100", b"1" * 512), ("9" * 5000, b"1\n0\n10\n")],
    ids=["a map line without its newline", "a realsize of 5000 digits"],
)
def test_a_malformed_gnu_sparse_map_is_refused_without_a_traceback(
    tmp_path: Path, dest: Path, realsize: str, sparse_map: bytes
) -> None:
    # Red team: tarfile raised ValueError on these (a map line cut short; int() refusing more
    # than 4300 digits), which no caller expected.
    info = tarfile.TarInfo("GNUSparseFile.0/cerebrium")
    info.pax_headers = {
        "GNU.sparse.major": "1",
        "GNU.sparse.minor": "0",
        "GNU.sparse.name": "cerebrium",
        "GNU.sparse.realsize": realsize,
    }
    data = sparse_map.ljust(512, b"\0") + b"x" * 10
    archive = _tar(tmp_path / "sparse.tar.gz", [(info, data)], tar_format=tarfile.PAX_FORMAT)
    with pytest.raises(ArchiveError, match=r"is corrupt, truncated or of an unsupported kind"):
        extract_binary(archive, "tar.gz", "cerebrium", dest / "cerebrium")
    assert list(dest.iterdir()) == []
