"""GoReleaser's dist/ tampered with, as an attacker with write access to it would: ``bootstrap
wheels --from dist/`` and ``sdist --from dist/`` must fail closed (issue 20).

Each case starts from a copy of a real GoReleaser dist/ of this project's goreleaser.yaml and
changes one thing, so that only the check under test can stop it; the command runs as the
maintainer runs it, in a process of its own. It must exit 1 with an ``error:`` line that names
the problem, print no traceback, leave ``--out`` empty and write nothing into the dist/. The
last two make the disk fail under ``bootstrap.main`` in this process: wheels are all or none.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from conftest import ROOT

if TYPE_CHECKING:
    from support.goreleaser import Dist, GoReleaser
    from support.installs import Tools

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(sys.platform == "win32", reason="GoReleaser runs on POSIX here"),
]

LINUX = "linux/amd64"  # the target whose archive most cases change
CHECKSUMS = "checksums.txt"


@pytest.fixture(scope="module")
def real_dist(goreleaser: GoReleaser) -> Dist:
    """GoReleaser's dist/ of this project's goreleaser.yaml (the session's run, shared)."""
    return goreleaser.run(ROOT / "goreleaser.yaml")


@dataclass
class Tampered:
    """A copy of the real dist/ for one test to change, and where the command writes."""

    dist: Path
    out: Path
    outside: Path  # a folder beside dist/, where the attacker's files are
    names: dict[str, str]  # target ("linux/amd64") -> its archive's name, as goreleaser.yaml says
    binary: str  # the binary's name in an archive of LINUX
    tools: Tools  # the installed package, as the release workflow installs it

    @property
    def name(self) -> str:
        """LINUX's archive: the one most cases change."""
        return self.names[LINUX]

    def archive(self, target: str = LINUX) -> Path:
        return self.dist / self.names[target]  # archives are at the top of dist/

    def entries(self) -> list[dict[str, object]]:
        entries: list[dict[str, object]] = json.loads((self.dist / "artifacts.json").read_text())
        return entries

    def point(self, name: str, path: str) -> None:
        """artifacts.json says the release file ``name`` is at ``path``."""
        entries = self.entries()
        for entry in entries:
            if entry["name"] == name:
                entry["path"] = path
        (self.dist / "artifacts.json").write_text(json.dumps(entries))

    def run(self, command: str, *args: str) -> subprocess.CompletedProcess[str]:
        """``command`` run as the release workflow runs it: by the installed package (its own
        dist/ makes the installed package's wheels), with no setting of ours in the way."""
        venv, env = self.tools
        env = {k: v for k, v in env.items() if not k.startswith("CEREBRIUM_")}
        argv = [command, "--from", str(self.dist), "--out", str(self.out), *args]
        return venv.run("python", "-m", "cerebrium_cli.bootstrap", *argv, env=env, timeout=600)

    def in_process(self, *args: str) -> list[str]:
        """``wheels`` arguments for :func:`bootstrap.main` in this process, which runs from the
        sources, not installed: dist/ read with its configuration, as another project's."""
        config = str(self.dist / "config.yaml")
        return [
            "wheels",
            "--from",
            str(self.dist),
            "--config",
            config,
            "--out",
            str(self.out),
            *args,
        ]


@pytest.fixture
def tampered(real_dist: Dist, tmp_path: Path, tools: Tools) -> Tampered:
    from support.goreleaser import BINARY

    dist = Path(shutil.copytree(real_dist.dir, tmp_path / "dist", symlinks=True))
    (tmp_path / "outside").mkdir()
    names = {a.target: a.name for a in real_dist.archives}
    (binary,) = [a.name for a in real_dist.of_type(BINARY) if a.target == LINUX]
    return Tampered(dist, tmp_path / "out", tmp_path / "outside", names, binary, tools)


def _files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")} if folder.exists() else set()


def _refused(tampered: Tampered, command: str, *args: str) -> str:
    """Run ``command``; assert it failed closed; its stderr."""
    before = _files(tampered.dist)
    result = tampered.run(command, *args)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert "error: " in result.stderr
    assert result.stdout == ""  # no path of a written file
    assert _files(tampered.out) == set()  # no wheel, no sdist, no temporary file
    assert not [p for p in tampered.out.parent.iterdir() if p.name.startswith(".out")]
    assert _files(tampered.dist) == before  # nothing left in the dist/ either
    return result.stderr


COMMANDS = ["wheels", "sdist"]


@pytest.mark.parametrize("command", COMMANDS)
def test_an_archive_at_an_absolute_path_outside_dist_is_refused(
    tampered: Tampered, command: str
) -> None:
    # A genuine copy of the archive, listed in checksums.txt: only where it is gives it away.
    elsewhere = Path(shutil.copy(tampered.archive(), tampered.outside / tampered.name))
    tampered.point(tampered.name, str(elsewhere))
    err = _refused(tampered, command)
    assert f"{tampered.dist / 'artifacts.json'}: {tampered.name!r} is at {str(elsewhere)!r}" in err
    assert f"outside {tampered.dist}" in err


@pytest.mark.parametrize("command", COMMANDS)
def test_an_archive_path_climbing_out_of_dist_is_refused(tampered: Tampered, command: str) -> None:
    shutil.copy(tampered.archive(), tampered.outside / tampered.name)
    climbing = f"dist/../outside/{tampered.name}"
    tampered.point(tampered.name, climbing)
    err = _refused(tampered, command)
    escaped = tampered.outside / tampered.name
    assert f"{tampered.name!r} is at {climbing!r} ({escaped}), outside {tampered.dist}" in err


@pytest.mark.parametrize("command", COMMANDS)
def test_an_archive_that_is_a_link_out_of_dist_is_refused(tampered: Tampered, command: str) -> None:
    elsewhere = Path(shutil.copy(tampered.archive(), tampered.outside / tampered.name))
    tampered.archive().unlink()
    tampered.archive().symlink_to(elsewhere)
    err = _refused(tampered, command)
    assert f"{tampered.name!r} is at 'dist/{tampered.name}' (through a link, {elsewhere})" in err
    assert f"outside {tampered.dist}; only the files inside this dist/ are read" in err


def test_an_unlisted_file_that_is_a_link_out_of_dist_is_refused(tampered: Tampered) -> None:
    # dist/ files artifacts.json does not list (an SBOM, a signature) are read from its top:
    # one that leads out of it is refused, not read, even before the checksums judge it.
    sbom = tampered.dist / f"{tampered.name}.sbom.json"
    elsewhere = tampered.outside / sbom.name
    elsewhere.write_text('{"bomFormat": "CycloneDX", "specVersion": "1.5", "components": []}')
    sbom.symlink_to(elsewhere)
    err = _refused(tampered, "wheels", "--platform", LINUX)
    assert f"{sbom} leads outside {tampered.dist} (through a link, {elsewhere})" in err


def test_an_archive_changed_after_its_checksum_is_refused_naming_both_digests(
    tampered: Tampered,
) -> None:
    archive = tampered.archive()
    expected = hashlib.sha256(archive.read_bytes()).hexdigest()
    archive.write_bytes(archive.read_bytes() + b"\0")
    got = hashlib.sha256(archive.read_bytes()).hexdigest()
    err = _refused(tampered, "wheels", "--platform", LINUX)
    assert tampered.name in err
    assert expected in err
    assert got in err
    assert "changed after GoReleaser wrote the checksums of" in err
    assert "build the release again (goreleaser release --clean)" in err


def test_an_archive_missing_from_the_checksums_is_refused(tampered: Tampered) -> None:
    checksums = tampered.dist / CHECKSUMS
    lines = checksums.read_text().splitlines(keepends=True)
    kept = [line for line in lines if not line.rstrip().endswith(f" {tampered.name}")]
    assert len(kept) == len(lines) - 1
    checksums.write_text("".join(kept))
    err = _refused(tampered, "wheels", "--platform", LINUX)
    assert tampered.name in err
    assert CHECKSUMS in err


def test_a_missing_checksums_file_is_refused(tampered: Tampered) -> None:
    (tampered.dist / CHECKSUMS).unlink()
    err = _refused(tampered, "wheels")
    # One error for every target, said once: the targets it stopped, then what stopped them.
    (listed,) = [line for line in err.splitlines() if CHECKSUMS in line]
    assert listed.startswith("  linux/amd64, linux/arm64, ")


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize(
    ("record", "written", "message"),
    [
        ("artifacts.json", b"{ not json", "is not GoReleaser's list of artifacts"),
        ("artifacts.json", b'["x.tar.gz"]', "entry 0 is not an object"),
        ("metadata.json", None, "the dist/ directory of a finished goreleaser release?"),
    ],
)
def test_a_malformed_or_missing_record_is_refused(
    tampered: Tampered, command: str, record: str, written: bytes | None, message: str
) -> None:
    if written is None:
        (tampered.dist / record).unlink()
    else:
        (tampered.dist / record).write_bytes(written)
    err = _refused(tampered, command)
    assert str(tampered.dist / record) in err
    assert message in err


def _genuine_binary(archive: Path, binary: str) -> tuple[tarfile.TarInfo, bytes]:
    with tarfile.open(archive) as tar:
        member = tar.getmember(binary)
        handle = tar.extractfile(member)
        assert handle is not None
        return member, handle.read()


@pytest.mark.parametrize(
    ("case", "message"),
    [("dotdot", "climbs out with '..'"), ("absolute", "is an absolute path")],
)
def test_a_hostile_archive_vouched_for_by_the_checksums_writes_nothing(
    tampered: Tampered, case: str, message: str
) -> None:
    # The genuine binary, beside a member that escapes; checksums.txt rewritten to match, so
    # only the extractor stands in the way.
    target = tampered.outside / "evil"
    name = {"dotdot": "../" * 12 + str(target).lstrip("/"), "absolute": str(target)}[case]
    archive = tampered.archive()
    member, binary = _genuine_binary(archive, tampered.binary)
    payload = b"#!/bin/sh\necho pwned\n"
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        evil = tarfile.TarInfo(name)
        evil.size, evil.mode = len(payload), 0o755
        tar.addfile(evil, io.BytesIO(payload))
        tar.addfile(member, io.BytesIO(binary))
    old = hashlib.sha256(archive.read_bytes()).hexdigest()
    archive.write_bytes(buffer.getvalue())
    new = hashlib.sha256(archive.read_bytes()).hexdigest()
    checksums = tampered.dist / CHECKSUMS
    checksums.write_text(checksums.read_text().replace(old, new))
    err = _refused(tampered, "wheels", "--platform", LINUX)
    assert message in err
    assert "refusing" in err
    assert list(tampered.outside.iterdir()) == []  # nothing was written outside


def test_one_tampered_target_leaves_no_wheel_for_any(tampered: Tampered) -> None:
    # Fail closed: the other targets verify, but a release missing a platform is not written.
    archive = tampered.archive("darwin/arm64")
    archive.write_bytes(archive.read_bytes()[:-10] + b"0123456789")
    err = _refused(tampered, "wheels")
    assert "1 of the release's archives could not be verified" in err
    assert "darwin/arm64: " in err
    assert "no wheel was written, for them or any other target" in err
    assert f"({tampered.out} is as it was" in err
    assert f"{LINUX}: " not in err


def test_the_untampered_copy_makes_every_wheel(tampered: Tampered, real_dist: Dist) -> None:
    # The cases above fail for what was changed, not for the copy or the way the command runs.
    result = tampered.run("wheels", "-q")
    assert result.returncode == 0, result.stderr
    wheels = sorted(p.name for p in tampered.out.iterdir())
    assert len(wheels) == len({a.platform for a in real_dist.archives})
    assert all(name.endswith(".whl") for name in wheels)
    assert not [p for p in tampered.out.parent.iterdir() if p.name.startswith(".out")]


def test_wheels_are_staged_inside_out_where_its_parent_takes_no_folder(
    tampered: Tampered, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tempfile

    from cerebrium_cli import bootstrap

    real = tempfile.mkdtemp

    def mkdtemp(suffix: str, prefix: str, dir: Path) -> str:
        if dir == tampered.out.parent:  # as a read-only parent would
            raise PermissionError(13, "Permission denied", str(dir))
        return real(suffix, prefix, dir)

    monkeypatch.setattr(tempfile, "mkdtemp", mkdtemp)
    assert bootstrap.main(tampered.in_process("-q", "--platform", LINUX)) == 0
    (wheel,) = tampered.out.iterdir()  # the staging folder inside it is gone
    assert wheel.suffix == ".whl"


def test_a_move_into_out_that_fails_leaves_none_of_the_wheels(
    tampered: Tampered, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from cerebrium_cli import bootstrap

    real, moved = os.replace, list[Path]()

    def replace(source: Path, dest: Path) -> None:
        if Path(dest).parent == tampered.out:
            if moved:  # the second wheel's move fails: out of space, say
                raise OSError(28, "No space left on device")
            moved.append(dest)
        real(source, dest)

    monkeypatch.setattr(os, "replace", replace)
    assert bootstrap.main(tampered.in_process("-q")) == 1
    err = capsys.readouterr().err
    assert f"error: cannot move the wheels into {tampered.out}: " in err
    assert "No space left on device" in err
    assert len(moved) == 1
    assert _files(tampered.out) == set()  # the one moved in is taken back
    assert not [p for p in tampered.out.parent.iterdir() if p.name.startswith(".out")]
