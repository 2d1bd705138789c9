"""Platform wheels from a GoReleaser-shaped release: tags, checks, installs, reproducibility."""

from __future__ import annotations

import base64
import csv
import email
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from conftest import ROOT, VERSION
from support.gocli import macos_minimum

if TYPE_CHECKING:
    from support.goreleaser import GoReleaser
    from support.installs import Tools
    from support.release import Release
    from support.server import ReleaseServer

pytestmark = [pytest.mark.e2e, pytest.mark.skipif(sys.platform == "win32", reason="POSIX")]

# The darwin tags are the minimum macOS the binaries declare: what the machine's Go writes
# (12.0 from Go 1.25), not a fixed guess (they were macosx_10_12_x86_64 and macosx_11_0_arm64).
MACOS = "{}_{}".format(*macos_minimum())
TAG_OF = {
    ("linux", "amd64"): "manylinux_2_17_x86_64.manylinux2014_x86_64.musllinux_1_1_x86_64",
    ("linux", "arm64"): "manylinux_2_17_aarch64.manylinux2014_aarch64.musllinux_1_1_aarch64",
    ("darwin", "amd64"): f"macosx_{MACOS}_x86_64",
    ("darwin", "arm64"): f"macosx_{MACOS}_arm64",
    ("windows", "amd64"): "win_amd64",
    ("windows", "arm64"): "win_arm64",
}
EXPECTED_TAGS = set(TAG_OF.values())


def _wheels(
    tools: Tools, source: str, out: Path, *extra: str, **more: str
) -> subprocess.CompletedProcess[str]:
    venv, env = tools
    env = {**env, **more}
    command = [
        "python",
        "-m",
        "cerebrium_cli.bootstrap",
        "wheels",
        "--from",
        source,
        "--out",
        str(out),
        *extra,
    ]
    return venv.run(*command, env=env, timeout=300)


@pytest.fixture(scope="module")
def wheel_dir(
    tmp_path_factory: pytest.TempPathFactory, tools: Tools, server: ReleaseServer
) -> Path:
    out = tmp_path_factory.mktemp("wheels")
    result = _wheels(tools, f"{server.url}/good/", out)
    assert result.returncode == 0, result.stderr
    return out


def test_six_wheels_with_platform_tags_and_none_any(wheel_dir: Path) -> None:
    names = sorted(p.name for p in wheel_dir.glob("*.whl"))
    assert len(names) == 6
    tags = {
        name.removeprefix(f"cerebrium-{VERSION}-py3-none-").removesuffix(".whl") for name in names
    }
    assert tags == EXPECTED_TAGS
    assert not any(name.endswith("-any.whl") for name in names)


def test_twine_check_strict_and_check_wheel_contents_pass(wheel_dir: Path) -> None:
    wheels = [str(p) for p in sorted(wheel_dir.glob("*.whl"))]
    twine = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", *wheels],
        capture_output=True,
        text=True,
    )
    assert twine.returncode == 0, twine.stdout + twine.stderr
    cwc = subprocess.run(
        [sys.executable, "-m", "check_wheel_contents", *wheels], capture_output=True, text=True
    )
    assert cwc.returncode == 0, cwc.stdout + cwc.stderr


def test_each_wheel_holds_its_targets_binary_and_a_correct_record(
    wheel_dir: Path, release: Release
) -> None:
    for (goos, goarch), archive in release.archives.items():
        exe = ".exe" if goos == "windows" else ""
        wheel = wheel_dir / f"cerebrium-{VERSION}-py3-none-{TAG_OF[goos, goarch]}.whl"
        with zipfile.ZipFile(wheel) as zf:
            member = f"cerebrium_cli/bin/cerebrium{exe}"
            assert zf.getinfo(member).external_attr >> 16 == 0o100755
            assert zf.read(member) == _binary_in(archive, f"cerebrium{exe}")
            rows = list(
                csv.reader(io.StringIO(zf.read(f"cerebrium-{VERSION}.dist-info/RECORD").decode()))
            )
            assert {row[0] for row in rows} == set(zf.namelist())
            for path, digest, size in rows:
                if path.endswith("/RECORD"):
                    continue
                data = zf.read(path)
                b64 = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
                assert digest == f"sha256={b64}"
                assert int(size) == len(data)


def _binary_in(archive: Path, member: str) -> bytes:
    if archive.name.endswith(".zip"):
        with zipfile.ZipFile(archive) as zf:
            return zf.read(member)
    with tarfile.open(archive) as tf:
        handle = tf.extractfile(member)
        assert handle is not None
        return handle.read()


def test_metadata_matches_the_sdist(wheel_dir: Path, sdist: Path) -> None:
    with tarfile.open(sdist) as tf:
        handle = tf.extractfile(f"cerebrium-{VERSION}/PKG-INFO")
        assert handle is not None
        pkg_info = email.message_from_bytes(handle.read())
    wheel = next(wheel_dir.glob("*x86_64.manylinux*.whl"))
    with zipfile.ZipFile(wheel) as zf:
        meta = email.message_from_bytes(zf.read(f"cerebrium-{VERSION}.dist-info/METADATA"))
        entry_points = zf.read(f"cerebrium-{VERSION}.dist-info/entry_points.txt").decode()
    for field in ("Name", "Version", "Summary", "Home-page", "Requires-Python", "License"):
        assert meta.get(field) == pkg_info.get(field), field
    assert meta.get_all("Provides-Extra") == pkg_info.get_all("Provides-Extra")
    assert "cerebrium = cerebrium_cli.__main__:main" in entry_points


def _contents(wheel: Path) -> dict[str, bytes]:
    """A wheel's files, but for the record of where its archive was read (``verification.json``
    and RECORD, which lists its digest)."""
    with zipfile.ZipFile(wheel) as zf:
        skip = ("/verification.json", "/RECORD")
        return {n: zf.read(n) for n in zf.namelist() if not n.endswith(skip)}


def test_wheels_from_this_projects_own_dist_are_the_installed_package(
    tmp_path: Path, tools: Tools, wheel_dir: Path, goreleaser: GoReleaser
) -> None:
    # The release workflow makes the wheels from GoReleaser's dist/ (README, "Maintainer:
    # releasing"): for this project's own dist/ they are the installed package, as the wheels
    # made from the published release are, with the same binaries.
    dist = Path(shutil.copytree(goreleaser.run(ROOT / "goreleaser.yaml").dir, tmp_path / "dist"))
    out = tmp_path / "out"
    result = _wheels(tools, str(dist), out)
    assert result.returncode == 0, result.stderr
    made = sorted(out.glob("*.whl"))
    assert [w.name for w in made] == sorted(w.name for w in wheel_dir.glob("*.whl"))
    for wheel in made:
        assert _contents(wheel) == _contents(wheel_dir / wheel.name), wheel.name


def test_wheels_from_this_projects_dist_of_another_tag_are_refused(
    tmp_path: Path, tools: Tools, goreleaser: GoReleaser
) -> None:
    dist = Path(shutil.copytree(goreleaser.run(ROOT / "goreleaser.yaml").dir, tmp_path / "dist"))
    metadata = json.loads((dist / "metadata.json").read_text())
    (dist / "metadata.json").write_text(json.dumps({**metadata, "tag": "v9.9.9"}))
    out = tmp_path / "out"
    result = _wheels(tools, str(dist), out)
    assert result.returncode == 1
    assert "GoReleaser's build of v9.9.9" in result.stderr
    assert f"cerebrium {VERSION} (v{VERSION})" in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists() or list(out.iterdir()) == []


def test_pip_installs_from_the_wheels_alone_with_no_server(tmp_path: Path, wheel_dir: Path) -> None:
    from support.venvs import Venv

    venv = Venv.create(tmp_path / "venv")
    # No CEREBRIUM_RELEASE_URL, no certificates, no index: nothing but the wheel folder.
    result = venv.pip("install", "--no-index", "--find-links", str(wheel_dir), "cerebrium")
    assert result.returncode == 0, result.stderr
    assert "Building wheel" not in result.stdout
    run = venv.run("cerebrium", "version")
    assert run.stdout.strip() == f"cerebrium version {VERSION}"
    binary = next(venv.path.glob("lib/python*/site-packages/cerebrium_cli/bin/cerebrium"))
    assert os.access(binary, os.X_OK)


def test_a_binary_that_lost_its_exec_bit_gets_a_repair_that_works(
    tmp_path: Path, wheel_dir: Path
) -> None:
    # The installed command, not the shim alone (test_shim.py): its message names the binary
    # and the chmod that repairs it, and that chmod does.
    from support.venvs import Venv

    venv = Venv.create(tmp_path / "venv")
    result = venv.pip("install", "--no-index", "--find-links", str(wheel_dir), "cerebrium")
    assert result.returncode == 0, result.stderr
    binary = next(venv.path.glob("lib/python*/site-packages/cerebrium_cli/bin/cerebrium"))
    binary.chmod(0o644)
    run = venv.run("cerebrium", "version")
    assert run.returncode == 1
    assert run.stdout == ""
    assert "Traceback" not in run.stderr
    assert run.stderr.splitlines() == [
        f"cerebrium: cannot run {binary}: Permission denied: it has lost its execute permission.",
        f"Repair it: chmod +x {binary}",
        "or reinstall it: python -m pip install --force-reinstall --no-cache-dir cerebrium",
    ]
    subprocess.run(["chmod", "+x", str(binary)], check=True)
    assert venv.run("cerebrium", "version").stdout.strip() == f"cerebrium version {VERSION}"


def test_uv_installs_offline_from_the_wheels(tmp_path: Path, wheel_dir: Path) -> None:
    uv = shutil.which("uv") or str(Path(sys.executable).parent / "uv")
    venv_dir = tmp_path / "venv"
    subprocess.run(
        [uv, "venv", "--offline", "--python", sys.executable, str(venv_dir)],
        check=True,
        capture_output=True,
    )
    python = venv_dir / "bin" / "python"
    result = subprocess.run(
        [
            uv,
            "pip",
            "install",
            "--offline",
            "--no-index",
            "--find-links",
            str(wheel_dir),
            "--python",
            str(python),
            "cerebrium",
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "UV_NO_CONFIG": "1", "UV_CACHE_DIR": str(tmp_path / "uv-cache")},
    )
    assert result.returncode == 0, result.stderr
    run = subprocess.run(
        [venv_dir / "bin" / "cerebrium", "version"], capture_output=True, text=True
    )
    assert run.stdout.strip() == f"cerebrium version {VERSION}"


def test_building_twice_gives_identical_bytes(
    tmp_path: Path, tools: Tools, server: ReleaseServer, wheel_dir: Path
) -> None:
    again = tmp_path / "again"
    assert _wheels(tools, f"{server.url}/good/", again).returncode == 0
    for wheel in wheel_dir.glob("*.whl"):
        assert (again / wheel.name).read_bytes() == wheel.read_bytes(), wheel.name


def test_a_tampered_archive_gets_no_wheel_and_a_clear_error(
    tmp_path: Path, tools: Tools, server: ReleaseServer, server_root: Path, release: Release
) -> None:
    bad = server_root / "wheels-tampered"
    shutil.copytree(release.dir, bad)
    archive = bad / "cerebrium_cli_darwin_arm64.tar.gz"
    archive.write_bytes(archive.read_bytes()[:-10] + b"0123456789")
    out = tmp_path / "out"
    # A warm cache holding the genuine archive under the published digest must not stand in
    # for the tampered one: wheels reads what --from points at.
    venv, env = tools
    cache = tmp_path / "warm"
    warm = venv.run(
        "python",
        "-m",
        "cerebrium_cli.bootstrap",
        "fetch",
        "--platform",
        "darwin/arm64",
        "--dest",
        str(tmp_path / "bin"),
        env={**env, "CEREBRIUM_CACHE_DIR": str(cache)},
        timeout=300,
    )
    assert warm.returncode == 0, warm.stderr
    assert list((cache / "archives").glob("sha256-*"))
    result = _wheels(tools, f"{server.url}/wheels-tampered/", out, CEREBRIUM_CACHE_DIR=str(cache))
    assert result.returncode == 1
    assert "darwin/arm64" in result.stderr
    assert "does not match the checksum" in result.stderr
    assert "no wheel was written" in result.stderr
    assert "nothing was installed" not in result.stderr.lower()  # words that fit the command
    assert not out.exists()  # no wheel for the others either: a release is published whole


def test_an_sbom_vouched_for_by_the_checksums_travels_in_the_wheel(
    tmp_path: Path, tools: Tools, server: ReleaseServer, server_root: Path, release: Release
) -> None:
    from support.release import write_checksums

    with_sbom = server_root / "with-sbom"
    shutil.copytree(release.dir, with_sbom)
    sbom_name = "cerebrium_cli_linux_amd64.tar.gz.sbom.json"
    (with_sbom / sbom_name).write_text(
        '{"bomFormat": "CycloneDX", "specVersion": "1.5", "components": []}\n'
    )
    write_checksums(
        sorted(p for p in with_sbom.iterdir() if p.name != "checksums.txt"),
        with_sbom / "checksums.txt",
    )
    out = tmp_path / "out"
    result = _wheels(tools, f"{server.url}/with-sbom/", out, "--platform", "linux/amd64")
    assert result.returncode == 0, result.stderr
    (wheel,) = out.glob("*.whl")
    with zipfile.ZipFile(wheel) as zf:
        assert (
            zf.read(f"cerebrium-{VERSION}.dist-info/sboms/{sbom_name}")
            == (with_sbom / sbom_name).read_bytes()
        )


def test_the_darwin_tags_are_the_minimums_the_binaries_declare(
    tmp_path: Path,
    tools: Tools,
    server: ReleaseServer,
    server_root: Path,
    go_binaries: dict[tuple[str, str], Path],
    old_darwin_binaries: dict[str, dict[tuple[str, str], Path]],
) -> None:
    from support.release import make_release

    # One release, two Go toolchains: its darwin/amd64 binary by go1.22 (macOS 10.13 in its
    # LC_BUILD_VERSION), its darwin/arm64 binary by the machine's Go.
    binaries = {
        **go_binaries,
        ("darwin", "amd64"): old_darwin_binaries["go1.22.12"]["darwin", "amd64"],
    }
    make_release(binaries, VERSION, server_root / "wheels-old-darwin")
    out = tmp_path / "out"
    result = _wheels(tools, f"{server.url}/wheels-old-darwin/", out)
    assert result.returncode == 0, result.stderr
    tags = {
        p.name.removeprefix(f"cerebrium-{VERSION}-py3-none-").removesuffix(".whl")
        for p in out.glob("*.whl")
    }
    assert tags == (EXPECTED_TAGS - {TAG_OF["darwin", "amd64"]}) | {"macosx_10_13_x86_64"}
    # The log says what each binary is and the tag that follows from it.
    assert (
        "cerebrium from cerebrium_cli_darwin_amd64.tar.gz is a macOS amd64 executable "
        "(Mach-O 64-bit, macOS >= 10.13): wheel tag macosx_10_13_x86_64"
    ) in result.stderr
    arm64 = f"macOS >= {MACOS.replace('_', '.')}): wheel tag {TAG_OF['darwin', 'arm64']}"
    assert f"is a macOS arm64 executable (Mach-O 64-bit, {arm64}" in result.stderr


def test_a_binary_for_another_target_gets_no_wheel(
    tmp_path: Path,
    tools: Tools,
    server: ReleaseServer,
    server_root: Path,
    go_binaries: dict[tuple[str, str], Path],
) -> None:
    from support.release import make_release

    # The linux_amd64 archive holds the arm64 binary; the darwin_arm64 one a Linux binary.
    binaries = {
        **go_binaries,
        ("linux", "amd64"): go_binaries["linux", "arm64"],
        ("darwin", "arm64"): go_binaries["linux", "arm64"],
    }
    make_release(binaries, VERSION, server_root / "wheels-wrong-binary")
    out = tmp_path / "out"
    result = _wheels(tools, f"{server.url}/wheels-wrong-binary/", out)
    assert result.returncode == 1
    assert "2 of the release's archives could not be verified" in result.stderr
    assert (
        "linux/amd64: cerebrium_cli_linux_amd64.tar.gz holds a Linux arm64 executable "
        "(ELF 64-bit LSB, static), not an executable for linux/amd64"
    ) in result.stderr
    assert (
        "darwin/arm64: cerebrium_cli_darwin_arm64.tar.gz holds a Linux arm64 executable"
        in result.stderr
    )
    assert "Traceback" not in result.stderr
    assert not out.exists()  # no wheel for the others either: a release is published whole
