"""The build hook's own logic: wheel tags for the build machine and errors without tracebacks."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
from cerebrium_cli import build
from cerebrium_cli import build_requirements as needs
from cerebrium_cli.errors import ConfigError
from cerebrium_cli.evidence import Recorded
from cerebrium_cli.platforms import Target
from cerebrium_cli.release import Release
from setuptools import Distribution
from setuptools.command.bdist_wheel import bdist_wheel
from support.executables import elf, macho, pe

ROOT = Path(__file__).resolve().parent.parent


def _wheel_command(monkeypatch: pytest.MonkeyPatch, target: Target) -> bdist_wheel:
    release, description = build.load()
    monkeypatch.setattr(build, "current_target", lambda: target)
    classes = build.command_classes(release, description)
    command: bdist_wheel = classes["bdist_wheel"](
        build.BinaryDistribution({"name": "cerebrium", "version": "2.0.0"})
    )
    command.ensure_finalized()
    return command


def _tree_with(
    monkeypatch: pytest.MonkeyPatch, command: bdist_wheel, root: Path, name: str, data: bytes
) -> None:
    """The wheel's tree (install_lib's folder) at ``root``, holding ``data`` as the binary."""
    from types import SimpleNamespace

    bin_dir = root / "cerebrium_cli" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / name).write_bytes(data)
    finalized = SimpleNamespace(install_dir=str(root))
    monkeypatch.setattr(command, "get_finalized_command", lambda name: finalized)


@pytest.mark.parametrize(
    ("target", "binary", "platform_tag"),
    [
        (
            Target("linux", "arm64"),
            elf(machine=183),
            "manylinux_2_17_aarch64.manylinux2014_aarch64.musllinux_1_1_aarch64",
        ),
        (
            Target("darwin", "arm64"),
            macho(cputype=0x0100000C, minimum=(12, 0, 0)),
            "macosx_12_0_arm64",
        ),
        (Target("darwin", "amd64"), macho(minimum=(10, 13, 0)), "macosx_10_13_x86_64"),
        (Target("windows", "amd64"), pe(), "win_amd64"),
    ],
)
def test_wheel_is_tagged_for_what_its_binary_is(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    target: Target,
    binary: bytes,
    platform_tag: str,
) -> None:
    command = _wheel_command(monkeypatch, target)
    exe = ".exe" if target.os == "windows" else ""
    _tree_with(monkeypatch, command, tmp_path, f"cerebrium{exe}", binary)
    assert command.get_tag() == ("py3", "none", platform_tag)
    assert command.get_tag() == ("py3", "none", platform_tag)  # read once, asked twice
    assert command.root_is_pure is False


@pytest.mark.parametrize(
    ("binary", "what"),
    [
        (elf(machine=183), "holds a Linux arm64 executable (ELF 64-bit LSB, static)"),
        (macho(), "holds a macOS amd64 executable"),
        (b"#!/bin/sh\necho hi\n", "is a script: it begins with 23 21 2f 62"),
    ],
)
def test_a_binary_not_for_the_build_machine_stops_the_build(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, binary: bytes, what: str
) -> None:
    command = _wheel_command(monkeypatch, Target("linux", "amd64"))
    _tree_with(monkeypatch, command, tmp_path, "cerebrium", binary)
    with pytest.raises(SystemExit) as info:
        command.get_tag()
    message = str(info.value.code)
    assert message.startswith("error: ")
    assert "cerebrium_cli_linux_amd64.tar.gz" in message
    assert what in message
    assert message.endswith("Nothing was installed.")
    assert info.value.__cause__ is None


def test_a_wheel_made_without_the_prefetched_binary_stops_the_build(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A setuptools whose bdist_wheel never calls get_tag, where the binary is put in.
    command = _wheel_command(monkeypatch, Target("linux", "amd64"))
    monkeypatch.setattr(bdist_wheel, "run", lambda self: None)
    monkeypatch.setattr(build, "prefetching", lambda: True)
    with pytest.raises(SystemExit) as info:
        command.run()
    message = str(info.value.code)
    assert message.startswith("error: the wheel would be made without the binary")
    assert message.endswith("Nothing was installed.")
    monkeypatch.setattr(build, "prefetching", lambda: False)
    command.run()  # taken, or fetched by build_py: nothing to say


def test_a_wheel_tree_without_the_package_where_expected_stops_the_build(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # A setuptools installing the package somewhere else than install_lib's folder.
    from types import SimpleNamespace

    command = _wheel_command(monkeypatch, Target("linux", "amd64"))
    monkeypatch.setattr(build, "prefetching", lambda: True)
    taken: list[Path] = []

    def binary_into(release: Release, bin_dir: Path) -> Recorded:
        taken.append(bin_dir)
        bin_dir.mkdir()
        (bin_dir / "cerebrium").write_bytes(elf())
        return Recorded(bin_dir / "cerebrium", {"verification.json": b"{}\n"})

    monkeypatch.setattr(build, "binary_into", binary_into)
    finalized = SimpleNamespace(install_dir=str(tmp_path))
    monkeypatch.setattr(command, "get_finalized_command", lambda name: finalized)
    with pytest.raises(SystemExit, match="would be made without the binary"):
        command.get_tag()
    assert taken == []
    (tmp_path / "cerebrium_cli").mkdir()
    (tmp_path / "cerebrium_cli" / "__init__.py").write_text("")
    assert command.get_tag()[2].startswith("manylinux_2_17_x86_64")
    assert taken == [tmp_path / "cerebrium_cli" / "bin"]
    # The record the fetch made goes into the .dist-info, where setuptools lists it in RECORD.
    monkeypatch.setattr(bdist_wheel, "write_wheelfile", lambda self, *a, **k: None)
    command.write_wheelfile(str(tmp_path / "x.dist-info"))
    assert (tmp_path / "x.dist-info" / "verification.json").read_bytes() == b"{}\n"


def test_a_wheel_without_the_record_of_what_was_verified_stops_the_build(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # The binary was put in by build_py, and that fetch recorded nothing: never ship it so.
    command = _wheel_command(monkeypatch, Target("linux", "amd64"))
    monkeypatch.setattr(bdist_wheel, "write_wheelfile", lambda self, *a, **k: None)
    monkeypatch.setattr(build, "prefetching", lambda: False)
    with pytest.raises(SystemExit) as info:
        command.write_wheelfile(str(tmp_path / "x.dist-info"))
    message = str(info.value.code)
    assert message.startswith("error: the wheel would be made without the record of what was")
    assert message.endswith("Nothing was installed.")
    assert not (tmp_path / "x.dist-info").exists()


def test_unsupported_build_machine_stops_with_the_message_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    command = _wheel_command(monkeypatch, Target("linux", "riscv64"))
    with pytest.raises(SystemExit) as info:
        command.get_tag()
    message = str(info.value.code)
    assert message.startswith(
        "error: cerebrium publishes no build for this platform, linux/riscv64"
    )
    assert "https://github.com/CerebriumAI/cerebrium/releases" in message
    assert info.value.__cause__ is None
    assert info.value.__suppress_context__  # no chained traceback behind the message


def test_binary_distribution_is_not_pure() -> None:
    assert build.BinaryDistribution().has_ext_modules()
    assert not Distribution().has_ext_modules()


def test_load_reads_the_top_level_config() -> None:
    release, description = build.load()
    assert description.source == str(ROOT / "goreleaser.yaml")
    assert release.project_name == "cerebrium"


def _requirements(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    *,
    recorded: bool,
    key: bool = False,
    env: dict[str, str] | None = None,
) -> list[str]:
    """wheel_requirements with or without a record and a pinned key, for this machine."""
    from cerebrium_cli.description import read_description, record

    tmp_path.mkdir(parents=True, exist_ok=True)
    record_path, key_path = tmp_path / "release.json", tmp_path / "cosign.pub"
    if recorded:
        record(read_description(), record_path)
    if key:
        key_path.write_text("-----BEGIN PUBLIC KEY-----\n")  # only its presence counts here
    monkeypatch.setattr(needs, "default_record_path", lambda: record_path)
    monkeypatch.setattr(needs, "default_key_path", lambda: key_path)
    monkeypatch.setattr(needs, "current_target", lambda: Target("linux", "amd64"))
    return needs.wheel_requirements(env or {})


def test_an_sdist_build_needs_nothing_beyond_the_static_requirements(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert _requirements(monkeypatch, tmp_path, recorded=True) == []
    assert needs.sdist_requirements() == []  # an sdist of an sdist
    monkeypatch.setattr(needs, "default_record_path", lambda: tmp_path / "none.json")
    assert needs.sdist_requirements() == [needs.PYYAML]  # an sdist of a checkout


def test_a_checkout_build_adds_pyyaml_and_a_pinned_key_adds_cryptography(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert _requirements(monkeypatch, tmp_path, recorded=False) == [needs.PYYAML]
    assert _requirements(monkeypatch, tmp_path / "k", recorded=True, key=True) == [
        needs.CRYPTOGRAPHY
    ]


@pytest.mark.parametrize(
    ("verify", "key", "sigstore"),
    [("auto", False, False), ("signature", False, True), ("signature", True, False),
     ("attestation", True, True)],
)  # fmt: skip
def test_sigstore_only_when_the_policy_needs_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, verify: str, key: bool, sigstore: bool
) -> None:
    from cerebrium_cli import keyless

    env = {"CEREBRIUM_VERIFY": verify}
    needs = _requirements(monkeypatch, tmp_path, recorded=True, key=key, env=env)
    assert all((r in needs) is sigstore for r in keyless.REQUIREMENTS)


@pytest.mark.parametrize(
    ("proxies", "socks"),
    [({}, False), ({"HTTPS_PROXY": "http://proxy.corp:3128"}, False),
     ({"ALL_PROXY": "socks5://127.0.0.1:1080"}, True),
     ({"https_proxy": "SOCKS5h://user:pw@proxy:1080"}, True),
     ({"NO_PROXY": "socks.example"}, False)],
)  # fmt: skip
def test_socksio_only_for_a_socks_proxy(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, proxies: dict[str, str], socks: bool
) -> None:
    for recorded in (True, False):  # answered from the record's text, or parsed from the YAML
        needs_ = _requirements(
            monkeypatch, tmp_path / str(recorded), recorded=recorded, env=proxies
        )
        assert (needs.SOCKSIO in needs_) is socks, (recorded, needs_)


def test_zstandard_only_for_a_tar_zst_archive_on_this_machine(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for archive_format, expected in (("tar.zst", [needs.ZSTANDARD]), ("tar.xz", [])):
        folder = tmp_path / archive_format
        _requirements(monkeypatch, folder, recorded=True)  # records this checkout's description
        recorded = json.loads((folder / "release.json").read_text())
        for archive in recorded["config"]["archives"]:
            archive["formats"] = [archive_format]
        (folder / "release.json").write_text(json.dumps(recorded))
        assert needs.wheel_requirements({}) == expected, archive_format


def test_a_record_that_cannot_need_more_is_answered_without_parsing_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # A record no parse would accept: only the text and the environment are read, unless the
    # environment asks for a proof, when the policy must be known exactly.
    monkeypatch.setattr(needs, "default_record_path", lambda: tmp_path / "release.json")
    monkeypatch.setattr(needs, "default_key_path", lambda: tmp_path / "cosign.pub")
    (tmp_path / "release.json").write_text('{"format": 1, "config": {"builds": 7}}')
    assert needs.wheel_requirements({}) == []
    with pytest.raises(ConfigError, match="project_name must be set"):
        needs.wheel_requirements({"CEREBRIUM_VERIFY": "signature"})


def test_without_pyyaml_yet_a_checkout_build_asks_for_a_superset(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import sys

    from cerebrium_cli import keyless

    monkeypatch.setitem(sys.modules, "yaml", None)  # the isolated environment before PyYAML
    env = {"CEREBRIUM_VERIFY": "attestation"}
    assert _requirements(monkeypatch, tmp_path, recorded=False, env=env) == [
        needs.PYYAML,
        *keyless.REQUIREMENTS,
    ]
    config = tmp_path / "zst" / "goreleaser.yaml"
    config.parent.mkdir()
    config.write_text("archives: [{formats: [tar.zst]}]\n")
    monkeypatch.setattr(needs, "default_config_path", lambda: config)
    zst = _requirements(monkeypatch, tmp_path / "zst", recorded=False)
    assert zst == [needs.PYYAML, needs.ZSTANDARD]


def test_the_backends_static_requirements_are_pyprojects() -> None:
    from cerebrium_cli._backend import STATIC_REQUIREMENTS

    if sys.version_info < (3, 11):
        pytest.skip("tomllib is in Python 3.11 and later")
    else:  # mypy reads this branch only for Python 3.11 and later
        import tomllib

        pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
        assert list(STATIC_REQUIREMENTS) == pyproject["build-system"]["requires"]


def test_the_static_imports_are_the_static_requirements_modules() -> None:
    # The prefetch child looks for these modules before it fetches anything.
    from cerebrium_cli._backend import STATIC_IMPORTS, STATIC_REQUIREMENTS

    names = tuple(re.split(r"[\[>=<]", requirement)[0] for requirement in STATIC_REQUIREMENTS)
    assert names == STATIC_IMPORTS


def test_missing_requirements_are_named_with_the_installed_version() -> None:
    from importlib import metadata

    from cerebrium_cli._backend import missing

    pytest_version = metadata.version("pytest")
    assert missing(["pytest", "pytest>=1.0"]) == []
    assert missing(["pytest>=999.1", "no-such-dist-xyz>=1"]) == [
        f"pytest>=999.1 (pytest {pytest_version} is installed)",
        "no-such-dist-xyz>=1 (not installed)",
    ]


def test_an_sdists_pkg_info_is_the_wheels_metadata(tmp_path: Path, sdist: Path) -> None:
    import tarfile

    from cerebrium_cli._backend import metadata_from_pkg_info

    with tarfile.open(sdist) as tf:
        handle = tf.extractfile(f"{sdist.name.removesuffix('.tar.gz')}/PKG-INFO")
        assert handle is not None
        (tmp_path / "PKG-INFO").write_bytes(handle.read())
    name = metadata_from_pkg_info(tmp_path / "PKG-INFO", tmp_path / "meta")
    assert name == "cerebrium-2.0.0.dist-info"
    written = (tmp_path / "meta" / name / "METADATA").read_bytes()
    assert written == (tmp_path / "PKG-INFO").read_bytes()
    assert metadata_from_pkg_info(tmp_path / "none", tmp_path / "m2") is None  # a checkout
    (tmp_path / "PKG-INFO").write_bytes(written.replace(b"Name:", b"License-File: L\nName:"))
    assert metadata_from_pkg_info(tmp_path / "PKG-INFO", tmp_path / "m3") is None
