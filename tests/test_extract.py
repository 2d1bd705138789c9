"""Extraction against real tar and zip archives, hostile ones included.

Every refusal also proves that nothing was written: the destination directory stays empty.
"""

from __future__ import annotations

import io
import os
import stat
import sys
import tarfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from cerebrium_cli.errors import ArchiveError
from cerebrium_cli.extract import extract_binary

BINARY = b"\x7fELF pretend binary\n" * 100


def _tar(
    path: Path, members: list[tuple[tarfile.TarInfo, bytes | None]], mode: str = "w:gz"
) -> Path:
    with tarfile.open(path, mode) as tf:  # type: ignore[call-overload]
        for info, data in members:
            if data is not None:
                info.size = len(data)
            tf.addfile(info, io.BytesIO(data) if data is not None else None)
    return path


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
def test_other_tar_compressions(tmp_path: Path, dest: Path, fmt: str) -> None:
    mode = {"tar": "w:", "tar.xz": "w:xz"}[fmt]
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
    # Zips made on Windows carry no Unix mode, and Python's carry permissions without a file
    # type: both are regular files.
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
}


@pytest.mark.parametrize("case", sorted(HOSTILE_TARS))
def test_hostile_tars_are_refused_and_nothing_is_written(
    tmp_path: Path, dest: Path, case: str
) -> None:
    member = "d/cerebrium" if case == "symlinked parent" else "cerebrium"
    archive = _tar(tmp_path / "a.tar.gz", HOSTILE_TARS[case]())
    with pytest.raises(ArchiveError, match=HOSTILE_MESSAGES[case]):
        extract_binary(archive, "tar.gz", member, dest / "cerebrium")
    _nothing_written(dest)
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
    tmp_path: Path, dest: Path, fmt: str, mode: str
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
    import tracemalloc

    info = _info("cerebrium")
    info.size = 64 << 20
    archive = tmp_path / "zeros.tar.gz"
    with gzip.open(archive, "wb") as gz:
        gz.write(info.tobuf(format=tarfile.GNU_FORMAT))
        for _ in range(64):
            gz.write(bytes(1 << 20))
        gz.write(bytes(1024))
    tracemalloc.start()
    try:
        extract_binary(archive, "tar.gz", "cerebrium", dest / "cerebrium")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (dest / "cerebrium").stat().st_size == 64 << 20
    assert peak < 2 << 20, peak


@pytest.mark.timeout(60)
@pytest.mark.parametrize("fmt", ["tar", "tar.gz"])
def test_a_header_that_points_backwards_is_refused_not_looped(
    tmp_path: Path, dest: Path, fmt: str
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
    import shutil
    import subprocess

    tar = shutil.which("tar")
    gnu = (
        tar is not None
        and "GNU" in subprocess.run([tar, "--version"], capture_output=True, text=True).stdout
    )
    if not gnu and sys.platform != "linux":
        pytest.skip("GNU tar writes the sparse archive; macOS and Windows ship bsdtar")
    assert tar is not None
    assert gnu, "GNU tar is part of every Linux this runs on (CI: Debian); it writes the archive"
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
