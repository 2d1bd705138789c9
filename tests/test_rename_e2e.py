"""Wrapping another GoReleaser CLI needs only its ``goreleaser.yaml``: no trace of this one.

The package is built from a checkout whose ``goreleaser.yaml`` describes another project
(``acme``, binary ``acmectl``, its own archive names and repository), installed through pip
against a release in that project's naming, and then every place the wrapper speaks is searched
for "cerebrium": what the build hook says, the commands' output, help and errors, the installed
files' paths and the distribution's metadata. The test binary's own output is not the wrapper's
and is not searched.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from conftest import VERSION

if TYPE_CHECKING:
    from support.installs import Installer
    from support.venvs import Venv

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(sys.platform == "win32", reason="POSIX paths in the release"),
]

CONFIG = """\
version: 2
project_name: acme
builds:
  - binary: acmectl
    goos: [linux, darwin, windows]
    goarch: [amd64, arm64]
archives:
  - name_template: "acme_{{ .Version }}_{{ .Os }}_{{ .Arch }}"
    formats: [tar.gz]
    format_overrides:
      - goos: windows
        formats: [zip]
checksum:
  name_template: checksums.txt
release:
  github:
    owner: acme-corp
    name: acme
"""


def _search(text: str) -> list[str]:
    return [line for line in text.splitlines() if "cerebrium" in line.lower()]


PREFIX = "ACME_"  # the environment prefix derived from project_name


@dataclass(frozen=True)
class Acme:
    """The acme package, installed with its bootstrap extra against acme's release."""

    sdist: Path
    venv: Venv
    env: dict[str, str]  # the settings it was installed with
    result: subprocess.CompletedProcess[str]  # what pip printed and returned


@pytest.fixture(scope="module")
def acme(
    tmp_path_factory: pytest.TempPathFactory,
    go_binaries: dict[tuple[str, str], Path],
    server_root: Path,
    installers: Installer,
) -> Acme:
    from support.release import make_archive, write_checksums
    from support.sdist import build_sdist, copy_checkout

    tmp = tmp_path_factory.mktemp("acme")
    checkout = copy_checkout(tmp / "checkout")
    (checkout / "goreleaser.yaml").write_text(CONFIG)
    sdist = build_sdist(tmp / "dist", checkout)
    assert sdist.name == f"acme-{VERSION}.tar.gz"

    release = server_root / "acme"
    release.mkdir()
    archives = [
        make_archive(binary, release / f"acme_{VERSION}_{goos}_{goarch}.{ext}", goos, "acmectl")
        for (goos, goarch), binary in go_binaries.items()
        for ext in ["zip" if goos == "windows" else "tar.gz"]
    ]
    write_checksums(archives, release / "checksums.txt")

    installer = installers.at(tmp)
    env = installer.env("acme", prefix=PREFIX)
    venv, result = installer.install(env, extra="[bootstrap]", sdist=sdist, prefix=PREFIX)
    assert result.returncode == 0, result.stdout + result.stderr
    return Acme(sdist, venv, env, result)


def test_the_install_speaks_of_acme_only(acme: Acme) -> None:
    output = acme.result.stdout + acme.result.stderr
    stderr = acme.result.stderr.splitlines()
    build_output = [line for line in stderr if line.lstrip().startswith("acme")]
    assert build_output, "the build hook said nothing about acme"
    assert _search(output) == []


def test_the_command_runs_the_binary(acme: Acme) -> None:
    venv = acme.venv
    run = venv.run(venv.script("acmectl"), "version")
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip().endswith(VERSION)
    assert not venv.script("cerebrium").exists()


def test_installed_paths_and_metadata_name_acme_only(acme: Acme) -> None:
    venv = acme.venv
    show = venv.pip("show", "--files", "--verbose", "acme")
    assert show.returncode == 0, show.stderr
    assert "acme_cli/" in show.stdout
    assert _search(show.stdout) == []
    (dist_info,) = venv.path.glob("lib/python*/site-packages/acme-*.dist-info")
    for name in ("METADATA", "RECORD", "entry_points.txt", "WHEEL"):
        assert _search((dist_info / name).read_text()) == [], name
    package = dist_info.parent / "acme_cli"
    assert [p.name for p in (package / "bin").iterdir()] == ["acmectl"]
    assert not list(dist_info.parent.glob("cerebrium*"))


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["info"],
        ["names"],
        ["verify", "--help"],
        ["fetch", "--help"],
        ["fetch", "--platform", "plan9/amd64", "--dest", "x"],  # a usage error
        ["pin", "--from", "/nonexistent/release"],  # a command's error
    ],
)
def test_every_command_message_names_acme(acme: Acme, args: list[str]) -> None:
    run = acme.venv.run(acme.venv.python, "-m", "acme_cli.bootstrap", *args, env=acme.env)
    assert "Traceback" not in run.stderr
    output = run.stdout + run.stderr
    # `info` runs the binary for its version line; that line is the binary's, not ours.
    ours = "\n".join(line for line in output.splitlines() if not line.startswith("binary version"))
    assert _search(ours) == [], args


def test_an_install_refusal_names_acme(acme: Acme, tmp_path: Path, installer: Installer) -> None:
    offline = {**acme.env, "ACME_OFFLINE": "1", "ACME_CACHE_DIR": str(tmp_path / "empty-cache")}
    _, result = installer.install(offline, sdist=acme.sdist, prefix=PREFIX)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "ACME_OFFLINE is set" in output
    assert _search(output) == []
