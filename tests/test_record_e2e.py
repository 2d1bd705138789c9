"""End to end: what was verified travels with the install, and ``verify --installed`` checks it.

Both ways a wheel is made: ``pip install`` of the sdist (the build hook, its prefetch child)
and a platform wheel from ``bootstrap wheels``, installed by pip with no server. Each install's
``.dist-info`` lists ``verification.json`` and the SBOM in its ``RECORD``; ``verify --installed``
passes, then refuses once one byte of the installed binary changes, and refuses a missing or
garbled record, each with one ``error:`` paragraph and exit status 1, offline.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from conftest import TAG, VERSION
from support.venvs import Venv

if TYPE_CHECKING:
    from support.installs import Tools
    from support.release import Release
    from support.server import ReleaseServer

pytestmark = [pytest.mark.e2e, pytest.mark.skipif(sys.platform == "win32", reason="POSIX")]

ARCHIVE = "cerebrium_cli_linux_amd64.tar.gz"  # this machine's (the tests run on linux/amd64)
DIST_INFO = f"cerebrium-{VERSION}.dist-info"
SBOM = "sboms/cerebrium.cdx.json"
OFFLINE = {"CEREBRIUM_OFFLINE": "1", "HTTPS_PROXY": "http://127.0.0.1:9"}  # nothing to reach


def _verify(venv: Venv) -> subprocess.CompletedProcess[str]:
    return venv.run("python", "-m", "cerebrium_cli.bootstrap", "verify", "--installed", env=OFFLINE)


def _site(venv: Venv) -> Path:
    return next(venv.path.glob("lib/python*/site-packages"))


def _recorded(venv: Venv) -> set[str]:
    """The paths the installed distribution's RECORD lists."""
    text = (_site(venv) / DIST_INFO / "RECORD").read_text()
    return {row[0] for row in csv.reader(io.StringIO(text))}


def _binary_in(archive: Path) -> bytes:
    with tarfile.open(archive) as tf:
        handle = tf.extractfile("cerebrium")
        assert handle is not None
        return handle.read()


@pytest.fixture(scope="module")
def from_sdist(tools: Tools) -> Venv:
    """The sdist installed by pip from the good release, with the bootstrap extra (conftest's
    ``tools``: the tests that change its files put them back)."""
    return tools[0]


@pytest.fixture(scope="module")
def platform_wheels(
    tmp_path_factory: pytest.TempPathFactory, tools: Tools, server: ReleaseServer
) -> Path:
    """The folder of the platform wheel ``bootstrap wheels`` makes for this machine."""
    tool_venv, env = tools
    out = tmp_path_factory.mktemp("record-wheels")
    made = tool_venv.run(
        "python", "-m", "cerebrium_cli.bootstrap", "wheels", "--from", f"{server.url}/good/",
        "--out", str(out), "--platform", "linux/amd64", env=env, timeout=300,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    return out


@pytest.fixture(scope="module")
def from_wheel(
    tmp_path_factory: pytest.TempPathFactory, platform_wheels: Path, wheelhouse: Path
) -> Venv:
    """The platform wheel installed with the bootstrap extra, with no server."""
    venv = Venv.create(tmp_path_factory.mktemp("record-wheel") / "venv")
    links = ["--find-links", str(platform_wheels), "--find-links", str(wheelhouse)]
    result = venv.pip("install", "--no-index", *links, "cerebrium[bootstrap]")
    assert result.returncode == 0, result.stderr
    return venv


@pytest.fixture(params=["from_sdist", "from_wheel"])
def installed(request: pytest.FixtureRequest) -> Venv:
    """Each way the package is installed."""
    venv: Venv = request.getfixturevalue(request.param)
    return venv


def test_the_record_and_the_sbom_are_in_the_dist_info_and_its_record(
    installed: Venv, release: Release
) -> None:
    venv = installed
    listed = _recorded(venv)
    assert f"{DIST_INFO}/verification.json" in listed
    assert f"{DIST_INFO}/{SBOM}" in listed
    record = json.loads((_site(venv) / DIST_INFO / "verification.json").read_text())
    archive = release.archives["linux", "amd64"]
    binary = _binary_in(archive)
    assert record["tag"] == TAG
    assert record["target"] == "linux/amd64"
    assert record["archive"] == {
        "name": ARCHIVE,
        "algorithm": "sha256",
        "digest": hashlib.sha256(archive.read_bytes()).hexdigest(),
    }
    assert record["checksums"]["name"] == "checksums.txt"
    assert record["checksums"]["source"].endswith("/good/checksums.txt")
    assert record["checksums"]["trust"] == "integrity only"  # the test package pins nothing
    assert record["vouched_by"] == {
        "pins": False, "key": None, "keyless": None, "attestation": None, "kept_signed": False,
    }  # fmt: skip
    assert record["binary"] == {
        "path": "cerebrium_cli/bin/cerebrium",
        "sha256": hashlib.sha256(binary).hexdigest(),
        "size": len(binary),
    }
    main = record["build_info"]["main"]
    assert main["path"] == "github.com/cerebriumai/cerebrium"
    assert main["version"].startswith("v")  # as Go stamped it from the release's commit
    assert record["build_info"]["go_version"].startswith("go1.")
    sbom = json.loads((_site(venv) / DIST_INFO / SBOM).read_text())
    assert sbom["metadata"]["component"]["name"] == "github.com/cerebriumai/cerebrium"
    assert {"name": "cdx:gomod:binary:hash:SHA-256", "value": record["binary"]["sha256"]} in sbom[
        "metadata"
    ]["properties"]


def test_the_sdists_record_matches_the_platform_wheels(from_sdist: Venv, from_wheel: Venv) -> None:
    # The same archive, verified the same way, by the two paths: the same record and SBOM.
    for name in ("verification.json", SBOM):
        assert (_site(from_sdist) / DIST_INFO / name).read_bytes() == (
            _site(from_wheel) / DIST_INFO / name
        ).read_bytes()


def test_verify_installed_passes_then_refuses_a_changed_binary(installed: Venv) -> None:
    venv = installed
    good = _verify(venv)
    assert good.returncode == 0, good.stderr
    binary = _site(venv) / "cerebrium_cli" / "bin" / "cerebrium"
    digest = hashlib.sha256(binary.read_bytes()).hexdigest()
    assert f"binary: {binary}: sha256 {digest}, as recorded at install" in good.stdout
    assert f"archive: {ARCHIVE} (linux/amd64, {TAG}): sha256 " in good.stdout
    assert "pins: none in this package" in good.stdout
    assert "build info: go1." in good.stdout
    assert good.stdout.strip().endswith("was installed")
    original = binary.read_bytes()
    changed = bytearray(original)
    changed[len(changed) // 2] ^= 0x01
    try:
        binary.write_bytes(bytes(changed))
        bad = _verify(venv)
    finally:
        binary.write_bytes(original)
    assert bad.returncode == 1
    assert bad.stdout == ""
    assert bad.stderr.startswith(f"error: the installed binary {binary} does not match")
    assert "the record made at install" in bad.stderr
    assert f"Expected: {digest}" in bad.stderr
    assert f"Got:      {hashlib.sha256(changed).hexdigest()}" in bad.stderr
    assert "It has changed since it was installed" in bad.stderr
    assert "pip install --force-reinstall --no-cache-dir cerebrium" in bad.stderr
    assert "Traceback" not in bad.stderr
    assert _verify(venv).returncode == 0  # restored


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (None, "verification.json is missing, so nothing records what was verified"),
        (b"{\x00 not json", "verification.json is not a JSON record"),
        (b'{"format": 1, "tag": "v2.0.0"}', "verification.json has no text at target"),
        (b'{"format": 7}', "verification.json has format 7; this package reads format 1"),
        (b" " * ((1 << 20) + 1), "verification.json is larger than 1048576 bytes"),
    ],
    ids=["missing", "garbled", "incomplete", "another-format", "too-large"],
)
def test_verify_installed_refuses_a_missing_or_garbled_record(
    from_sdist: Venv, content: bytes | None, says: str
) -> None:
    path = _site(from_sdist) / DIST_INFO / "verification.json"
    original = path.read_bytes()
    try:
        if content is None:
            path.unlink()
        else:
            path.write_bytes(content)
        result = _verify(from_sdist)
    finally:
        path.write_bytes(original)
    assert result.returncode == 1
    assert result.stderr.startswith("error: ")
    assert says in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_verify_installed_checks_the_record_against_the_pins(
    from_sdist: Venv, release: Release
) -> None:
    # The test release is not pinned; pins as a released package carries them are put in.
    pins = _site(from_sdist) / "cerebrium_cli" / "pinned-checksums.txt"
    digest = hashlib.sha256(release.archives["linux", "amd64"].read_bytes()).hexdigest()
    try:
        pins.write_text(f"{digest}  {ARCHIVE}\n{'0' * 64}  other.zip\n")
        good = _verify(from_sdist)
        pins.write_text(f"{'0' * 64}  {ARCHIVE}\n")
        bad = _verify(from_sdist)
    finally:
        pins.unlink(missing_ok=True)
    assert good.returncode == 0, good.stderr
    assert f"pins: {ARCHIVE} is pinned with that digest ({pins})" in good.stdout
    assert bad.returncode == 1
    assert bad.stderr.startswith(f"error: {_site(from_sdist) / DIST_INFO / 'verification.json'}")
    assert f"says {ARCHIVE} had sha256 {digest}, but the checksums pinned" in bad.stderr
    assert f"have {'0' * 64}: the binary did not come from the release" in bad.stderr


def test_verify_installed_without_the_binary_says_where_it_looked(from_sdist: Venv) -> None:
    bin_dir = _site(from_sdist) / "cerebrium_cli" / "bin"
    aside = bin_dir.with_name("bin-aside")
    bin_dir.rename(aside)
    try:
        result = _verify(from_sdist)
    finally:
        aside.rename(bin_dir)
    assert result.returncode == 1
    assert result.stderr.startswith("error: cerebrium: cannot find the cerebrium binary: ")
    assert str(bin_dir) in result.stderr
    assert "Traceback" not in result.stderr


def test_without_the_bootstrap_extra_the_commands_say_what_they_need(
    tmp_path: Path, platform_wheels: Path
) -> None:
    # The platform wheel alone (no httpx, packaging, PyYAML): every bootstrap command, `verify
    # --installed` too (it reads the release description), names the extra; never a traceback.
    venv = Venv.create(tmp_path / "venv")
    result = venv.pip("install", "--no-index", "--find-links", str(platform_wheels), "cerebrium")
    assert result.returncode == 0, result.stderr
    assert venv.run("python", "-c", "import packaging").returncode != 0  # really without it
    assert venv.run("cerebrium", "version").stdout.strip() == f"cerebrium version {VERSION}"
    for command in (["verify", "--installed"], ["info"], ["names"]):
        said = venv.run("python", "-m", "cerebrium_cli.bootstrap", *command, env=OFFLINE)
        assert "Traceback" not in said.stderr, command
        assert said.returncode == 1, command
        assert said.stderr == (
            "error: this command needs 'packaging', from the bootstrap extra: "
            "python -m pip install 'cerebrium[bootstrap]'\n"
        ), command
