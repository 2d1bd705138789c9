"""What an sdist build asks for beyond pyproject.toml: zstandard for this machine's tar.zst.

The machine is patched into ``current_target`` as ``platform`` reports it (system, machine,
pointer size, byte order), so each case goes the whole way an sdist build on that machine goes:
machine -> target -> the target the release serves it from -> that archive's format, on a
trivy-shaped release (``crossbuild.TRIVY_SHAPE``: tar.zst except Windows' zip).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cerebrium_cli import build_requirements as needs
from cerebrium_cli.description import read_config, record
from cerebrium_cli.platforms import Target, current_target
from support.crossbuild import write_trivy_shape

# (platform.system(), platform.machine(), pointer bits, byte order) -> whether the archive the
# build installs from is the tar.zst (Windows' is a zip; unbuilt machines stop the build).
MACHINES = [
    (("Linux", "x86_64", 64, "little"), True),
    (("Linux", "aarch64", 64, "little"), True),
    (("Linux", "armv7l", 32, "little"), True),  # no GOARM 7: served by the GOARM 6 archive
    (("Linux", "armv6l", 32, "little"), True),
    (("Linux", "aarch64", 32, "little"), True),  # 32-bit Python on a 64-bit ARM: arm, GOARM 6
    (("Linux", "x86_64", 32, "little"), True),  # 32-bit Python on a 64-bit PC: 386
    (("Linux", "i686", 32, "little"), True),
    (("Linux", "ppc64le", 64, "little"), True),
    (("Linux", "s390x", 64, "big"), True),
    (("Linux", "riscv64", 64, "little"), True),
    (("Darwin", "arm64", 64, "little"), True),
    (("Windows", "AMD64", 64, "little"), False),  # format_overrides: zip
    (("Windows", "x86", 32, "little"), False),
    (("Windows", "ARM64", 64, "little"), False),
    (("Linux", "armv5tel", 32, "little"), False),  # older than GOARM 6: no build serves it
    (("Linux", "mips64", 64, "little"), False),  # not built: the build stops, listing them
    (("FreeBSD", "amd64", 64, "little"), False),
]


def _machine(
    monkeypatch: pytest.MonkeyPatch, system: str, machine: str, bits: int, order: str
) -> None:
    target = current_target(system, machine, bits, order)
    monkeypatch.setattr(needs, "current_target", lambda: target)


def _project(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, formats: str, recorded: bool) -> None:
    """This build's description: the project's goreleaser.yaml (a checkout) or the sdist's
    record of it; no release key pinned."""
    config = write_trivy_shape(tmp_path / "goreleaser.yaml", formats)
    record_path = tmp_path / "release.json"
    if recorded:
        record(read_config(config), record_path)
    monkeypatch.setattr(needs, "default_config_path", lambda: config)
    monkeypatch.setattr(needs, "default_record_path", lambda: record_path)
    monkeypatch.setattr(needs, "default_key_path", lambda: tmp_path / "cosign.pub")


MACHINE_IDS = [" ".join(map(str, machine)) for machine, _ in MACHINES]


@pytest.mark.parametrize(("machine", "zst"), MACHINES, ids=MACHINE_IDS)
@pytest.mark.parametrize("recorded", [True, False], ids=["sdist", "checkout"])
def test_zstandard_when_this_machines_archive_is_a_tar_zst(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    machine: tuple[str, str, int, str],
    zst: bool,
    recorded: bool,
) -> None:
    _project(monkeypatch, tmp_path, "tar.zst", recorded)
    _machine(monkeypatch, *machine)
    wanted = needs.wheel_requirements({})
    assert (needs.ZSTANDARD in wanted) is zst, wanted
    assert (needs.PYYAML in wanted) is not recorded  # a checkout reads the YAML


@pytest.mark.parametrize("formats", ["tar.gz", "tar.xz", "zip", "binary"])
def test_no_zstandard_for_other_formats(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, formats: str
) -> None:
    _project(monkeypatch, tmp_path, formats, recorded=True)
    _machine(monkeypatch, "Linux", "armv7l", 32, "little")
    assert needs.wheel_requirements({}) == []


def test_the_first_readable_format_decides(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # GoReleaser writes one archive per format; the wrapper installs from the first it reads.
    for formats, zst in (("tar.zst, tar.gz", True), ("tar.gz, tar.zst", False)):
        folder = tmp_path / formats.replace(", ", "+")
        folder.mkdir()
        _project(monkeypatch, folder, formats, recorded=True)
        _machine(monkeypatch, "Linux", "x86_64", 64, "little")
        assert (needs.ZSTANDARD in needs.wheel_requirements({})) is zst, formats


def test_the_armv7l_machine_takes_the_armv6_archive(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # What the requirement is decided from is the archive the build installs: GOARM 6 here.
    _project(monkeypatch, tmp_path, "tar.zst", recorded=True)
    release = read_config(tmp_path / "goreleaser.yaml").release()
    armv7l = current_target("Linux", "armv7l", 32, "little")
    assert armv7l == Target("linux", "arm", "7")
    assert armv7l not in release.targets
    assert release.check_target(armv7l) == Target("linux", "arm", "6")
    assert release.archive_format(release.check_target(armv7l)) == "tar.zst"
