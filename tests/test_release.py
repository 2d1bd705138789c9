"""The release description read from goreleaser.yaml: names, targets, defaults and errors."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import yaml
from cerebrium_cli.description import load_release
from cerebrium_cli.errors import ConfigError, UnsupportedPlatformError
from cerebrium_cli.platforms import SUPPORTED, Target
from cerebrium_cli.release import parse_release

ROOT = Path(__file__).resolve().parent.parent


def _release(text: str):  # type: ignore[no-untyped-def]
    return parse_release(yaml.safe_load(textwrap.dedent(text)), "test.yaml")


MINIMAL = """
    project_name: tool
    release: {github: {owner: someone, name: tool}}
"""


def test_projects_release_description() -> None:
    release = load_release()
    assert release.project_name == "cerebrium"
    assert release.repository == "CerebriumAI/cerebrium"
    assert release.command_name == "cerebrium"
    assert release.import_name == "cerebrium_cli"
    assert release.env_prefix == "CEREBRIUM_"
    assert set(release.targets) == set(SUPPORTED)
    assert (
        release.release_url("v2.0.0")
        == "https://github.com/CerebriumAI/cerebrium/releases/download/v2.0.0/"
    )


@pytest.mark.parametrize("tag", ["v2.0.0", "v2.1.0-beta.1", "v2.1.0-rc.1"])
def test_names_agree_with_goreleasers_naming_for_every_target(tag: str) -> None:
    # GoReleaser's naming for our config, spelled out by hand: the archive name template with
    # .Version = tag without "v", zip on Windows, binary at the root, checksums.txt.
    release = load_release()
    version = tag[1:]
    for target in SUPPORTED:
        ext = "zip" if target.os == "windows" else "tar.gz"
        assert (
            release.archive_name(target, tag)
            == f"cerebrium_{version}_{target.os}_{target.arch}.{ext}"
        )
        exe = ".exe" if target.os == "windows" else ""
        assert release.binary_member(target, tag) == f"cerebrium{exe}"
    assert release.checksum_name(tag) == "checksums.txt"


def test_goreleaser_yaml_is_a_real_v2_config() -> None:
    # The fields GoReleaser itself needs to build what the wrapper expects.
    config = yaml.safe_load((ROOT / "goreleaser.yaml").read_text())
    assert config["version"] == 2
    build = config["builds"][0]
    assert "CGO_ENABLED=0" in build["env"]
    assert any("main.version={{ .Version }}" in flag for flag in build["ldflags"])
    assert config["archives"][0]["format_overrides"] == [{"goos": "windows", "formats": ["zip"]}]


def test_goreleaser_defaults_apply_where_fields_are_absent() -> None:
    release = _release(MINIMAL)
    # Default goos x goarch, restricted to the platforms a wheel can carry.
    assert set(release.targets) == set(SUPPORTED)
    assert release.command_name == "tool"
    target = Target("linux", "amd64")
    assert (
        release.archive_name(target, "v1.2.3") == "tool_1.2.3_linux_amd64.tar.gz"
    )  # Amd64 v1: no suffix
    assert (
        release.archive_name(Target("darwin", "arm64"), "v1.2.3")
        == "tool_1.2.3_darwin_arm64.tar.gz"
    )
    assert release.checksum_name("v1.2.3") == "tool_1.2.3_checksums.txt"
    assert release.checksum_algorithm == "sha256"
    assert release.binary_member(target, "v1.2.3") == "tool"


def test_a_typical_third_party_config() -> None:
    # The uname-style template from GoReleaser's own `goreleaser init`, wrapped in a directory.
    release = _release(
        """
        project_name: other
        release: {github: {owner: acme, name: other-cli}}
        builds:
          - binary: "{{ .ProjectName }}-cli"
            goos: [linux, windows, darwin]
            goarch: [amd64, arm64, "386"]
            ignore:
              - goos: windows
                goarch: arm64
        archives:
          - format: tar.gz
            wrap_in_directory: true
            name_template: >-
              {{ .ProjectName }}_
              {{- title .Os }}_
              {{- if eq .Arch "amd64" }}x86_64
              {{- else if eq .Arch "386" }}i386
              {{- else }}{{ .Arch }}{{ end }}
            format_overrides:
              - goos: windows
                format: zip
        checksum:
          name_template: "{{ .ProjectName }}_{{ .Tag }}_SHA256SUMS"
        """
    )
    assert Target("windows", "arm64") not in release.targets
    assert len(release.targets) == 5
    linux = Target("linux", "amd64")
    assert release.archive_name(linux, "v3.0.0") == "other_Linux_x86_64.tar.gz"
    assert release.binary_member(linux, "v3.0.0") == "other_Linux_x86_64/other-cli"
    win = Target("windows", "amd64")
    assert release.archive_name(win, "v3.0.0") == "other_Windows_x86_64.zip"
    assert release.binary_member(win, "v3.0.0") == "other_Windows_x86_64/other-cli.exe"
    assert release.checksum_name("v3.0.0") == "other_v3.0.0_SHA256SUMS"
    assert release.command_name == "other-cli"
    assert release.env_prefix == "OTHER_"
    assert release.import_name == "other_cli"


def test_wrap_in_directory_template() -> None:
    release = _release(MINIMAL + '    archives: [{wrap_in_directory: "{{ .Os }}-dir"}]\n')
    assert release.binary_member(Target("linux", "arm64"), "v1.0.0") == "linux-dir/tool"


def test_unsupported_platform_names_it_the_list_and_the_releases_page() -> None:
    release = load_release()
    with pytest.raises(UnsupportedPlatformError) as info:
        release.check_target(Target("linux", "riscv64"))
    message = str(info.value)
    assert "linux/riscv64" in message
    assert "linux/amd64" in message
    assert "windows/arm64" in message
    assert "https://github.com/CerebriumAI/cerebrium/releases" in message


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("    checksum: {algorithm: md5}\n", "checksum.algorithm 'md5' is not supported"),
        ("    archives: [{formats: [binary]}]\n", "published as binary"),
        ("    builds: [{goos: [freebsd]}]\n", "targets none of the platforms"),
        ('    archives: [{name_template: "{{ .Nope }}"}]\n', "Nope"),
        ('    archives: [{name_template: "../{{ .Os }}"}]\n', "not a usable file name"),
    ],
)
def test_unusable_configs_are_refused_clearly(extra: str, message: str) -> None:
    def names() -> str:
        return _release(MINIMAL + extra).archive_name(Target("linux", "amd64"), "v1.0.0")

    with pytest.raises(ConfigError, match=message):
        names()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[]", "the document must be a mapping"),
        ("project_name: x\n", "release.github must be a mapping"),
        ("project_name: x\nrelease: {github: {owner: o}}\n", "release.github.name must be set"),
        ("release: {github: {owner: o, name: n}}\n", "project_name must be set"),
    ],
)
def test_missing_fields_are_named(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_release(yaml.safe_load(text), "test.yaml")


def test_unreadable_or_invalid_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read the release description"):
        load_release(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("project_name: [\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_release(bad)
