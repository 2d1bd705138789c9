"""The release description read from goreleaser.yaml: names, targets, repositories and refusals.

The configurations below are in the shapes real projects publish (GoReleaser's defaults,
golangci-lint, goreleaser itself, gum, trivy); the expected names are the asset names those
projects' real releases carry, written out by hand, not computed.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import yaml
from cerebrium_cli.description import load_release
from cerebrium_cli.errors import ConfigError, UnsupportedPlatformError
from cerebrium_cli.platforms import SUPPORTED, Target, parse_target
from cerebrium_cli.release import Release, parse_release
from cerebrium_cli.repository import parse_remote

ROOT = Path(__file__).resolve().parent.parent
LINUX = Target("linux", "amd64")
LINUX_ARM = Target("linux", "arm64")
MAC = Target("darwin", "amd64")
MAC_ARM = Target("darwin", "arm64")
WINDOWS = Target("windows", "amd64")


def _release(text: str, *, origin: str | None = None) -> Release:
    data = yaml.safe_load(textwrap.dedent(text))
    return parse_release(data, "test.yaml", origin=origin)


def _names(release: Release, tag: str) -> dict[str, str]:
    return {str(t): release.archive_name(t, tag) for t in release.targets}


# --- this repository's goreleaser.yaml: the real Cerebrium releases ------------------------------


def test_projects_release_description() -> None:
    release = load_release()
    assert release.project_name == "cerebrium"
    assert release.repository == "CerebriumAI/cerebrium"
    assert release.command_name == "cerebrium"
    assert release.import_name == "cerebrium_cli"
    assert release.env_prefix == "CEREBRIUM_"
    assert set(release.targets) == set(SUPPORTED)
    assert (
        release.release_url("v2.1.1-beta.9")
        == "https://github.com/CerebriumAI/cerebrium/releases/download/v2.1.1-beta.9/"
    )


@pytest.mark.parametrize("tag", ["v2.0.0", "v2.6.0", "v2.1.1-beta.9"])
def test_names_are_those_of_the_real_cerebrium_releases(tag: str) -> None:
    # As published on github.com/CerebriumAI/cerebrium/releases: no version in the names.
    release = load_release()
    assert _names(release, tag) == {
        "linux/amd64": "cerebrium_cli_linux_amd64.tar.gz",
        "linux/arm64": "cerebrium_cli_linux_arm64.tar.gz",
        "darwin/amd64": "cerebrium_cli_darwin_amd64.tar.gz",
        "darwin/arm64": "cerebrium_cli_darwin_arm64.tar.gz",
        "windows/amd64": "cerebrium_cli_windows_amd64.zip",
        "windows/arm64": "cerebrium_cli_windows_arm64.zip",
    }
    for target in SUPPORTED:
        exe = ".exe" if target.os == "windows" else ""
        assert release.binary_member(target, tag) == f"cerebrium{exe}"  # wrap_in_directory: false
    assert release.checksum_name(tag) == "checksums.txt"
    assert release.checksum_algorithm == "sha256"
    assert not release.checksum_split


def test_goreleaser_yaml_states_the_real_release_facts() -> None:
    config = yaml.safe_load((ROOT / "goreleaser.yaml").read_text())
    assert config["version"] == 2
    build = config["builds"][0]
    assert build["main"] == "./cmd/cerebrium"
    assert "CGO_ENABLED=0" in build["env"]
    # The real build block: no -trimpath (which would drop the ldflags from the binary's build
    # information), the version injected into internal/version.
    assert "-trimpath" not in build.get("flags", [])
    assert (
        "-X github.com/cerebriumai/cerebrium/internal/version.Version={{.Version}}"
        in build["ldflags"]
    )
    archive = config["archives"][0]
    assert archive["files"] == ["LICENSE*", "README*", "CHANGELOG*"]
    assert archive["format_overrides"] == [{"goos": "windows", "formats": ["zip"]}]
    assert config["release"]["prerelease"] == "auto"
    assert config["nfpms"][0]["formats"] == ["deb", "rpm"]
    assert {"notarize", "homebrew_casks", "snapshot", "changelog"} <= set(config)
    # Not claimed: the real releases carry no signatures and no SBOMs.
    assert "signs" not in config
    assert "sboms" not in config


# --- configurations in the shapes real projects publish -------------------------------------------


def test_goreleasers_defaults() -> None:
    # An empty config: GoReleaser's defaults everywhere. 386 has no wheel; Windows gets tar.gz
    # too, since the default has no format override.
    release = _release("project_name: tool\n")
    assert _names(release, "v1.2.3") == {
        "linux/amd64": "tool_1.2.3_linux_amd64.tar.gz",
        "linux/arm64": "tool_1.2.3_linux_arm64.tar.gz",
        "darwin/amd64": "tool_1.2.3_darwin_amd64.tar.gz",
        "darwin/arm64": "tool_1.2.3_darwin_arm64.tar.gz",
        "windows/amd64": "tool_1.2.3_windows_amd64.tar.gz",
        "windows/arm64": "tool_1.2.3_windows_arm64.tar.gz",
        # GoReleaser's default goarch has 386; darwin/386 is no pair Go builds, so none.
        "linux/386": "tool_1.2.3_linux_386.tar.gz",
        "windows/386": "tool_1.2.3_windows_386.tar.gz",
    }
    assert release.checksum_name("v1.2.3") == "tool_1.2.3_checksums.txt"
    assert release.binary_member(WINDOWS, "v1.2.3") == "tool.exe"
    assert release.command_name == "tool"
    assert release.repository == ""  # no release block, no origin: unknown, and not needed


GOLANGCI_LINT = """
    version: 2
    project_name: golangci-lint
    builds:
      - binary: golangci-lint
        main: ./cmd/golangci-lint/
        env: [CGO_ENABLED=0]
        goos: [darwin, windows, freebsd, netbsd, linux, illumos]
        goarch: [amd64, arm64, arm, "386", ppc64le, s390x, mips64, mips64le, riscv64, loong64]
        goarm: ["6", "7"]
        gomips: [softfloat, hardfloat]
        ignore:
          - goos: darwin
            goarch: "386"
          - goos: freebsd
            goarch: arm64
        ldflags:
          - -s -w -X main.version={{.Version}} -X main.commit={{.ShortCommit}}
          - -X main.date={{.Date}}
    archives:
      - formats: [tar.gz]
        wrap_in_directory: true
        format_overrides:
          - goos: windows
            formats: [zip]
        name_template: >-
          {{ .ProjectName }}-{{ .Version }}-{{ .Os }}-{{ .Arch }}
          {{- with .Arm }}v{{ . }}{{ end }}{{ with .Mips }}-{{ . }}{{ end }}
        files: [LICENSE, README.md]
    checksum:
      name_template: '{{ .ProjectName }}-{{ .Version }}-checksums.txt'
    release:
      github: {owner: golangci, name: golangci-lint}
    nfpms:
      - formats: [deb, rpm]
"""


def test_golangci_lint() -> None:
    release = _release(GOLANGCI_LINT)
    tag = "v1.64.8"
    assert release.archive_name(LINUX, tag) == "golangci-lint-1.64.8-linux-amd64.tar.gz"
    assert release.archive_name(WINDOWS, tag) == "golangci-lint-1.64.8-windows-amd64.zip"
    assert (
        release.binary_member(WINDOWS, tag)
        == "golangci-lint-1.64.8-windows-amd64/golangci-lint.exe"
    )
    assert release.checksum_name(tag) == "golangci-lint-1.64.8-checksums.txt"
    assert (
        release.release_url(tag)
        == "https://github.com/golangci/golangci-lint/releases/download/v1.64.8/"
    )
    # The ldflags read .ShortCommit: only asset names are rendered, so that is fine.
    assert set(SUPPORTED) <= set(release.targets)
    # Every target it builds, the variant joined as the archive names join it.
    names = {str(t): release.archive_name(t, tag) for t in release.targets}
    assert names["linux/armv6"] == "golangci-lint-1.64.8-linux-armv6.tar.gz"
    assert names["linux/armv7"] == "golangci-lint-1.64.8-linux-armv7.tar.gz"
    assert names["linux/mips64le"] == "golangci-lint-1.64.8-linux-mips64le-hardfloat.tar.gz"
    assert names["linux/mips64le_softfloat"] == (
        "golangci-lint-1.64.8-linux-mips64le-softfloat.tar.gz"
    )
    assert names["illumos/amd64"] == "golangci-lint-1.64.8-illumos-amd64.tar.gz"
    assert "darwin/386" not in names
    assert "freebsd/arm64" not in names
    assert "illumos/arm64" not in names  # not a pair Go builds
    # Which get wheels: PyPI's tags decide.
    wheels = {name for name in names if release.no_wheel(parse_target(name)) is None}
    assert wheels == {
        *(f"linux/{a}" for a in ("amd64", "arm64", "386", "armv6", "armv7", "ppc64le", "s390x")),
        "linux/riscv64",
        *(f"{o}/{a}" for o in ("darwin", "windows") for a in ("amd64", "arm64")),
        "windows/386",
    }
    reason = release.no_wheel(parse_target("freebsd/amd64"))
    assert (
        reason
        == "freebsd/amd64 gets no wheel: PyPI takes wheels for Linux, macOS and Windows only, "
        "not freebsd"
    )
    assert "loongarch64" in (release.no_wheel(parse_target("linux/loong64")) or "")
    # An armv7l machine takes GOARM 7; its binary fields are the build's.
    assert release.check_target(parse_target("linux/armv7")) == Target("linux", "arm", "7")
    assert not release.armv7l_from(Target("linux", "arm", "6"))


GORELEASER = """
    version: 2
    project_name: goreleaser
    builds:
      - env: [CGO_ENABLED=0]
        goos: [linux, darwin, windows]
        goarch: ["386", amd64, arm, arm64, ppc64, riscv64]
        goarm: ["7"]
        ignore:
          - goos: windows
            goarch: arm
        mod_timestamp: "{{ .CommitTimestamp }}"
        flags: [-trimpath]
    universal_binaries:
      - replace: false
    archives:
      - name_template: >-
          {{- .ProjectName }}_
          {{- title .Os }}_
          {{- if eq .Arch "amd64" }}x86_64
          {{- else if eq .Arch "386" }}i386
          {{- else }}{{ .Arch }}{{ end }}
          {{- if .Arm }}v{{ .Arm }}{{ end -}}
        format_overrides:
          - goos: windows
            formats: [zip]
        builds_info:
          group: root
          owner: root
          mtime: "{{ .CommitDate }}"
        files:
          - src: README.md
            info: {owner: root, group: root, mtime: "{{ .CommitDate }}"}
          - LICENSE.md
          - completions/*
    checksum:
      name_template: checksums.txt
    sboms:
      - artifacts: archive
    signs:
      - cmd: cosign
        artifacts: checksum
"""


def test_goreleaser_itself_with_universal_binaries_not_replacing() -> None:
    # replace: false: goreleaser_Darwin_all.tar.gz is published beside the per-arch archives,
    # darwin/all, a target of its own; each Mac keeps its architecture's.
    release = _release(GORELEASER)
    assert _names(release, "v2.15.1") == {
        "linux/amd64": "goreleaser_Linux_x86_64.tar.gz",
        "linux/arm64": "goreleaser_Linux_arm64.tar.gz",
        "darwin/amd64": "goreleaser_Darwin_x86_64.tar.gz",
        "darwin/arm64": "goreleaser_Darwin_arm64.tar.gz",
        "windows/amd64": "goreleaser_Windows_x86_64.zip",
        "windows/arm64": "goreleaser_Windows_arm64.zip",
        # its other targets, as its release publishes them
        "linux/386": "goreleaser_Linux_i386.tar.gz",
        "linux/armv7": "goreleaser_Linux_armv7.tar.gz",
        "linux/ppc64": "goreleaser_Linux_ppc64.tar.gz",
        "linux/riscv64": "goreleaser_Linux_riscv64.tar.gz",
        "windows/386": "goreleaser_Windows_i386.zip",
        "darwin/all": "goreleaser_Darwin_all.tar.gz",
    }
    assert release.check_target(MAC_ARM) == MAC_ARM
    assert release.binary_member(MAC, "v2.15.1") == "goreleaser"
    assert release.checksum_name("v2.15.1") == "checksums.txt"


GUM = """
    version: 2
    project_name: gum
    builds:
      - env: [CGO_ENABLED=0]
        goos: [linux, darwin, windows, freebsd, openbsd, netbsd]
        goarch: [amd64, arm64, "386", arm]
        goarm: ["7"]
        ldflags: -s -w -X main.Version=v{{ .Version }} -X main.CommitSHA={{ .Commit }}
    archives:
      - name_template: >-
          {{ .ProjectName }}_
          {{- .Version }}_
          {{- title .Os }}_
          {{- if eq .Arch "amd64" }}x86_64
          {{- else if eq .Arch "386" }}i386
          {{- else }}{{ .Arch }}{{ end }}
          {{- with .Arm }}v{{ . }}{{ end }}
        wrap_in_directory: true
        format_overrides:
          - goos: windows
            formats: [zip]
        files: [README*, LICENSE*, manpages/*, completions/*]
    checksum:
      name_template: checksums.txt
    release:
      github: {owner: charmbracelet, name: gum}
"""


def test_gum_wrapped_in_a_directory_named_like_the_archive() -> None:
    release = _release(GUM)
    tag = "v0.14.5"
    assert release.archive_name(LINUX, tag) == "gum_0.14.5_Linux_x86_64.tar.gz"
    assert release.binary_member(LINUX, tag) == "gum_0.14.5_Linux_x86_64/gum"
    assert release.archive_name(MAC_ARM, tag) == "gum_0.14.5_Darwin_arm64.tar.gz"
    assert release.binary_member(WINDOWS, tag) == "gum_0.14.5_Windows_x86_64/gum.exe"


TRIVY = """
    version: 2
    project_name: trivy
    builds:
      - id: build-linux
        main: ./cmd/trivy/
        binary: trivy
        env: [CGO_ENABLED=0]
        goos: [linux]
        goarch: ["386", arm, amd64, arm64, s390x, ppc64le]
        goarm: ["7"]
      - id: build-bsd
        main: ./cmd/trivy/
        binary: trivy
        goos: [freebsd]
        goarch: ["386", amd64, arm]
      - id: build-macos
        main: ./cmd/trivy/
        binary: trivy
        goos: [darwin]
        goarch: [amd64, arm64]
      - id: build-windows
        main: ./cmd/trivy/
        binary: trivy
        goos: [windows]
        goarch: [amd64]
    archives:
      - id: archive
        format: tar.gz
        name_template: >-
          {{ .ProjectName }}_{{ .Version }}_
          {{- if eq .Os "darwin" }}macOS
          {{- else if eq .Os "linux" }}Linux
          {{- else if eq .Os "freebsd" }}FreeBSD
          {{- else}}{{- .Os }}{{ end }}-
          {{- if eq .Arch "amd64" }}64bit
          {{- else if eq .Arch "386" }}32bit
          {{- else if eq .Arch "arm" }}ARM
          {{- else if eq .Arch "arm64" }}ARM64
          {{- else if eq .Arch "ppc64le" }}PPC64LE
          {{- else }}{{ .Arch }}{{ end }}
          {{- if .Arm }}v{{ .Arm }}{{ end }}
        files: [README.md, LICENSE, contrib/*.tpl]
        format_overrides:
          - goos: windows
            format: zip
    checksum:
      name_template: "{{ .ProjectName }}_{{ .Version }}_checksums.txt"
"""


def test_trivy_one_binary_built_per_os_dash_separated_no_release_block() -> None:
    release = _release(TRIVY)
    tag = "v0.58.0"
    assert _names(release, tag) == {
        "linux/amd64": "trivy_0.58.0_Linux-64bit.tar.gz",
        "linux/arm64": "trivy_0.58.0_Linux-ARM64.tar.gz",
        "darwin/amd64": "trivy_0.58.0_macOS-64bit.tar.gz",
        "darwin/arm64": "trivy_0.58.0_macOS-ARM64.tar.gz",
        "windows/amd64": "trivy_0.58.0_windows-64bit.zip",
        # Every other target it builds, wheel or not.
        "linux/386": "trivy_0.58.0_Linux-32bit.tar.gz",
        "linux/armv7": "trivy_0.58.0_Linux-ARMv7.tar.gz",
        "linux/s390x": "trivy_0.58.0_Linux-s390x.tar.gz",
        "linux/ppc64le": "trivy_0.58.0_Linux-PPC64LE.tar.gz",
        "freebsd/386": "trivy_0.58.0_FreeBSD-32bit.tar.gz",
        "freebsd/amd64": "trivy_0.58.0_FreeBSD-64bit.tar.gz",
        "freebsd/armv6": "trivy_0.58.0_FreeBSD-ARMv6.tar.gz",
    }
    assert release.checksum_name(tag) == "trivy_0.58.0_checksums.txt"
    with pytest.raises(ConfigError, match="TRIVY_RELEASE_URL"):
        release.release_url(tag)


def test_includes_are_refused_since_names_may_come_from_them() -> None:
    with pytest.raises(ConfigError, match=r"includes is not read.*dist/config\.yaml"):
        _release("project_name: gum\nincludes: [{from_url: {url: charmbracelet/meta/x.yaml}}]\n")


# --- formats, checksums, levels, universal binaries, layout ---------------------------------------


def test_binary_format_names_the_binary_itself() -> None:
    # GoReleaser's defaultBinaryNameTemplate, and .exe on Windows (archive.go skip()).
    release = _release("project_name: tool\narchives: [{formats: [binary]}]\n")
    assert release.archive_format(LINUX) == "binary"
    assert release.archive_name(LINUX, "v1.0.0") == "tool_1.0.0_linux_amd64"
    assert release.archive_name(WINDOWS, "v1.0.0") == "tool_1.0.0_windows_amd64.exe"
    assert release.binary_member(WINDOWS, "v1.0.0") == "tool_1.0.0_windows_amd64.exe"
    assert release.binary_name(WINDOWS, "v1.0.0") == "tool.exe"


def test_binary_format_with_a_template_and_a_binary_name() -> None:
    release = _release(
        """
        project_name: tool
        builds: [{binary: tl, goos: [linux, windows], goarch: [arm64]}]
        archives: [{formats: [binary], name_template: "{{ .Binary }}-{{ .Os }}-{{ .Arch }}"}]
        """
    )
    assert release.archive_name(LINUX_ARM, "v1.0.0") == "tl-linux-arm64"
    assert release.archive_name(Target("windows", "arm64"), "v1.0.0") == "tl-windows-arm64.exe"


@pytest.mark.parametrize(
    ("checksum", "expected"),
    [
        ("{split: true}", "tool_1.0.0_linux_amd64.tar.gz.sha256"),
        ("{split: true, algorithm: sha512}", "tool_1.0.0_linux_amd64.tar.gz.sha512"),
        (
            '{split: true, name_template: "{{ .ArtifactName }}-{{ .Os }}.{{ .Algorithm }}sum"}',
            "tool_1.0.0_linux_amd64.tar.gz-linux.sha256sum",
        ),
    ],
)
def test_split_checksums_name_one_file_per_artifact(checksum: str, expected: str) -> None:
    release = _release(f"project_name: tool\nchecksum: {checksum}\n")
    assert release.checksum_split
    archive = release.archive_name(LINUX, "v1.0.0")
    assert release.checksum_name("v1.0.0", archive) == expected
    with pytest.raises(ConfigError, match=r"checksum\.split is true"):
        release.checksum_name("v1.0.0")


def test_combined_checksums_ignore_the_artifact() -> None:
    release = _release("project_name: tool\nchecksum: {algorithm: sha512}\n")
    assert release.checksum_algorithm == "sha512"
    assert release.checksum_name("v1.0.0", "anything") == "tool_1.0.0_checksums.txt"


@pytest.mark.parametrize(
    "algorithm",
    [
        "sha256",
        "sha224",
        "sha384",
        "sha512",
        "sha3-224",
        "sha3-256",
        "sha3-384",
        "sha3-512",
        "blake2b",
        "blake2s",
    ],
)
def test_checksum_algorithms_goreleaser_offers_and_we_verify(algorithm: str) -> None:
    assert (
        _release(f"project_name: t\nchecksum: {{algorithm: {algorithm}}}\n").checksum_algorithm
        == algorithm
    )


@pytest.mark.parametrize(
    ("algorithm", "reason"),
    [
        ("md5", "broken"),
        ("sha1", "broken"),
        ("crc32", "not a cryptographic hash"),
        ("blake3", "standard library"),
    ],
)
def test_weak_or_unverifiable_algorithms_are_refused_naming_the_setting(
    algorithm: str, reason: str
) -> None:
    from cerebrium_cli.digests import ALGORITHMS, REFUSED_ALGORITHMS

    # One table: every algorithm GoReleaser offers is verified or refused, never both.
    assert not set(ALGORITHMS) & set(REFUSED_ALGORITHMS)
    with pytest.raises(ConfigError) as info:
        _release(f"project_name: t\nchecksum: {{algorithm: {algorithm}}}\n")
    message = str(info.value)
    assert f"checksum.algorithm {algorithm!r}" in message
    assert reason in message
    assert "test.yaml" in message


def test_goamd64_v3_is_in_the_default_name() -> None:
    release = _release("project_name: tool\nbuilds: [{goamd64: [v3], goos: [linux]}]\n")
    assert release.archive_name(LINUX, "v1.0.0") == "tool_1.0.0_linux_amd64v3.tar.gz"
    assert release.archive_name(LINUX_ARM, "v1.0.0") == "tool_1.0.0_linux_arm64.tar.gz"


@pytest.mark.parametrize(("levels", "expected"), [("[v3, v1]", ""), ("[v4, v2, v3]", "v2")])
def test_of_several_goamd64_levels_the_one_every_amd64_machine_runs(
    levels: str, expected: str
) -> None:
    release = _release(f"project_name: t\nbuilds: [{{goamd64: {levels}, goos: [linux]}}]\n")
    assert release.archive_name(LINUX, "v1.0.0") == f"t_1.0.0_linux_amd64{expected}.tar.gz"


@pytest.mark.parametrize(
    ("build", "target", "level"),
    [
        ("goamd64: [v3]", LINUX, "GOAMD64=v3"),
        ("goamd64: [v3, v1]", LINUX, None),  # the baseline is built: every machine runs it
        ("goamd64: [v4, v2]", LINUX, "GOAMD64=v2"),
        ("goarm64: [v9.0]", LINUX_ARM, "GOARM64=v9.0"),
        ("goarm64: [v8.0]", LINUX_ARM, None),
        ("goarch: [ppc64le], goppc64: [power9]", Target("linux", "ppc64le"), "GOPPC64=power9"),
        (
            "goarch: [riscv64], goriscv64: [rva22u64]",
            Target("linux", "riscv64"),
            "GORISCV64=rva22u64",
        ),
        ("goarch: ['386'], go386: [softfloat]", Target("linux", "386"), None),  # below sse2
        ("goarch: [arm], goarm: ['7']", Target("linux", "arm", "7"), None),  # a target, not a level
    ],
)
def test_the_level_a_binary_needs_above_its_architectures_baseline(
    build: str, target: Target, level: str | None
) -> None:
    release = _release(f"project_name: t\nbuilds: [{{goos: [linux], {build}}}]\n")
    assert release.level(target) == level


def test_target_field_carries_the_microarchitecture_level() -> None:
    release = _release(
        """
        project_name: t
        builds: [{goos: [linux], goamd64: [v2]}]
        archives: [{name_template: "{{ .ProjectName }}-{{ .Target }}"}]
        """
    )
    assert release.archive_name(LINUX, "v1.0.0") == "t-linux_amd64_v2.tar.gz"
    assert release.archive_name(LINUX_ARM, "v1.0.0") == "t-linux_arm64_v8.0.tar.gz"


UNIVERSAL = """
    project_name: tool
    builds: [{goos: [linux, darwin], goarch: [amd64, arm64]}]
    universal_binaries: [{replace: true}]
"""


def test_universal_binary_replacing_the_darwin_ones_serves_both_macs() -> None:
    release = _release(UNIVERSAL)
    assert release.archive_name(MAC, "v1.0.0") == "tool_1.0.0_darwin_all.tar.gz"
    assert release.archive_name(MAC_ARM, "v1.0.0") == "tool_1.0.0_darwin_all.tar.gz"
    assert release.archive_name(LINUX, "v1.0.0") == "tool_1.0.0_linux_amd64.tar.gz"
    assert release.binary_member(MAC_ARM, "v1.0.0") == "tool"
    # One target, darwin/all, in place of the two it replaces: each Mac is served by it.
    assert [str(t) for t in release.targets if t.os == "darwin"] == ["darwin/all"]
    assert release.check_target(MAC) == release.check_target(MAC_ARM) == Target("darwin", "all")


def test_universal_binary_name_template_and_uname_style_arch() -> None:
    release = _release(
        """
        project_name: tool
        builds: [{binary: tl, goos: [darwin]}]
        universal_binaries: [{replace: true, name_template: "{{ .ProjectName }}-universal"}]
        archives:
          - name_template: >-
              {{ .Binary }}_{{ title .Os }}_
              {{- if eq .Arch "all" }}universal{{ else }}{{ .Arch }}{{ end }}
            wrap_in_directory: true
        """
    )
    # The universal artifact is named by its name_template and keeps the build's .Binary.
    assert release.archive_name(MAC, "v1.0.0") == "tl_Darwin_universal.tar.gz"
    assert release.binary_member(MAC, "v1.0.0") == "tl_Darwin_universal/tool-universal"


def test_universal_binary_of_another_build_id_does_not_replace() -> None:
    release = _release(UNIVERSAL.replace("[{replace: true}]", "[{replace: true, ids: [other]}]"))
    assert release.archive_name(MAC, "v1.0.0") == "tool_1.0.0_darwin_amd64.tar.gz"


@pytest.mark.parametrize(
    ("wrap", "member"),
    [
        ("true", "tool_1.0.0_linux_arm64/tool"),
        ("false", "tool"),
        ('"{{ .ProjectName }}-{{ .Tag }}"', "tool-v1.0.0/tool"),
    ],
)
def test_wrap_in_directory(wrap: str, member: str) -> None:
    release = _release(f"project_name: tool\narchives: [{{wrap_in_directory: {wrap}}}]\n")
    assert release.binary_member(LINUX_ARM, "v1.0.0") == member


def test_binary_in_a_directory_and_strip_binary_directory() -> None:
    config = "project_name: t\nbuilds: [{binary: bin/t, goos: [linux]}]\n"
    release = _release(config)
    assert release.binary_member(LINUX, "v1.0.0") == "bin/t"
    assert release.binary_name(LINUX, "v1.0.0") == "t"
    assert release.command_name == "t"
    stripped = _release(config + "archives: [{strip_binary_directory: true}]\n")
    assert stripped.binary_member(LINUX, "v1.0.0") == "t"


def test_ignore_rules_remove_targets_field_by_field() -> None:
    release = _release(
        """
        project_name: t
        builds:
          - goos: [linux, windows, darwin]
            goarch: [amd64, arm64]
            goamd64: [v1, v3]
            ignore:
              - {goos: windows, goarch: arm64}
              - {goos: darwin}
              - {goos: linux, goamd64: v1}
        """
    )
    assert release.targets == (LINUX, LINUX_ARM, WINDOWS)
    # linux amd64 v1 is ignored, so v3 is what linux/amd64 installs.
    assert release.archive_name(LINUX, "v1.0.0") == "t_1.0.0_linux_amd64v3.tar.gz"
    with pytest.raises(UnsupportedPlatformError, match="darwin/arm64"):
        release.check_target(MAC_ARM)


def test_explicit_targets_and_first_class() -> None:
    release = _release("project_name: t\nbuilds: [{targets: [linux_amd64_v2, go_first_class]}]\n")
    # go_first_class: Go's first-class ports, 386 and arm (GoReleaser's GOARM 6) among them.
    first_class = {Target("linux", "386"), Target("windows", "386"), Target("linux", "arm", "6")}
    assert set(release.targets) == set(SUPPORTED) - {Target("windows", "arm64")} | first_class
    # the first listed wins for linux/amd64: v2 is listed, but so is v1 (first class): v1.
    assert release.archive_name(LINUX, "v1.0.0") == "t_1.0.0_linux_amd64.tar.gz"


def test_archive_holding_the_cli_is_chosen_by_ids() -> None:
    release = _release(
        """
        project_name: tool
        builds:
          - {id: helper, binary: helper, goos: [linux]}
          - {id: cli, goos: [linux]}
        archives:
          - {id: helpers, ids: [helper], name_template: "helper_{{ .Os }}"}
          - {id: main, builds: [cli], name_template: "cli_{{ .Os }}_{{ .Arch }}"}
        """
    )
    # builds[1] is the CLI: its binary is the project name.
    assert release.command_name == "tool"
    assert release.archive_name(LINUX, "v1.0.0") == "cli_linux_amd64.tar.gz"


def test_format_overrides_match_goos_by_prefix_and_ignore_incomplete_entries() -> None:
    release = _release(
        """
        project_name: t
        archives:
          - formats: [tar.xz, tar.gz]
            format_overrides:
              - {formats: [zip]}
              - {goos: windows}
              - {goos: win, formats: [gz, zip]}
              - {goos: darwin, formats: [unknown, tar.zst]}
        """
    )
    assert release.archive_format(LINUX) == "tar.xz"
    assert release.archive_format(WINDOWS) == "gz"
    assert release.archive_name(MAC, "v1.0.0") == "t_1.0.0_darwin_amd64.tar.zst"


# --- template fields ------------------------------------------------------------------------------


def test_template_fields_goreleaser_documents() -> None:
    template = (
        "{{ .ProjectName }}|{{ .Version }}|{{ .RawVersion }}|{{ .Tag }}|{{ .Major }}."
        "{{ .Minor }}.{{ .Patch }}|{{ .Prerelease }}|{{ .Os }}|{{ .Arch }}|{{ .Amd64 }}|"
        "{{ .Arm64 }}|{{ .Target }}|{{ .Binary }}|{{ .ArtifactName }}|{{ .ArtifactExt }}|"
        "{{ .IsSnapshot }}|{{ .Env.CHANNEL }}"
    )
    release = _release(
        "project_name: p\nbuilds: [{binary: b}]\n"
        f"archives: [{{formats: [binary], name_template: '{template}'}}]\n",
    )
    assert release.archive_name(WINDOWS, "v2.1.0-beta.1", {"CHANNEL": "stable"}) == (
        "p|2.1.0-beta.1|2.1.0|v2.1.0-beta.1|2.1.0|beta.1|windows|amd64|v1||windows_amd64_v1"
        "|b|b.exe|.exe|false|stable.exe"
    )


def test_env_list_comes_before_the_environment_and_is_templated() -> None:
    config = """
        project_name: t
        env: ["SUFFIX={{ .Env.BASE }}-x", "IGNORED"]
        archives: [{name_template: "{{ .ProjectName }}_{{ .Env.SUFFIX }}"}]
    """
    release = _release(config)
    environ = {"BASE": "b", "SUFFIX": "from-environment"}
    assert release.archive_name(LINUX, "v1.0.0", environ) == "t_b-x.tar.gz"


def test_unset_environment_variable_is_refused_by_name_without_listing_the_environment() -> None:
    config = 'project_name: t\narchives: [{name_template: "{{ .Env.NOPE }}"}]\n'
    release = _release(config)
    with pytest.raises(ConfigError) as info:
        release.archive_name(LINUX, "v1.0.0", {"SECRET_TOKEN": "hunter2"})
    message = str(info.value)
    assert "'NOPE' is not set" in message
    assert "archives[0].name_template" in message
    assert "SECRET" not in message
    assert "hunter2" not in message


@pytest.mark.parametrize("field", ["Commit", "ShortCommit", "Date", "Timestamp", "PreviousTag"])
def test_fields_an_install_cannot_know_are_refused_with_name_and_position(field: str) -> None:
    release = _release(
        f'project_name: t\narchives: [{{}}, {{name_template: "{{{{ .{field} }}}}"}}]\n'
        "builds: [{goos: [linux]}]\n"
        "checksum: {name_template: 'sums-{{ .%s }}.txt'}\n" % field
    )
    with pytest.raises(ConfigError) as info:
        release.checksum_name("v1.0.0")
    message = str(info.value)
    assert f"'.{field}'" in message
    assert "checksum.name_template" in message
    assert "test.yaml" in message


def test_unknowable_field_only_fails_when_read() -> None:
    # Go evaluates lazily: a branch not taken never reads .Commit.
    release = _release(
        "project_name: t\n"
        'archives: [{name_template: "t{{ if .IsSnapshot }}{{ .Commit }}{{ end }}"}]\n'
    )
    assert release.archive_name(LINUX, "v1.0.0") == "t.tar.gz"


# --- repositories ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("config", "url", "page"),
    [
        (
            "release: {github: {owner: acme, name: tool}}\n"
            "github_urls: {download: 'https://github.acme.test/'}\n",
            "https://github.acme.test/acme/tool/releases/download/v1.0.0/",
            "https://github.acme.test/acme/tool/releases",
        ),
        (
            "release: {gitlab: {owner: group/sub, name: tool}}\n",
            "https://gitlab.com/group/sub/tool/-/releases/v1.0.0/downloads/",
            "https://gitlab.com/group/sub/tool/-/releases",
        ),
        (
            "release: {gitlab: {owner: acme, name: tool}}\n"
            "gitlab_urls: {download: 'https://git.acme.test', api: 'https://git.acme.test/api/v4/',"
            " use_package_registry: true}\n",
            "https://git.acme.test/api/v4/projects/acme%2Ftool/packages/generic/tool/1.0.0/",
            "https://git.acme.test/acme/tool/-/releases",
        ),
        (
            "release: {gitea: {owner: acme, name: tool}}\n"
            "gitea_urls: {api: 'https://codeberg.org/api/v1'}\n",
            "https://codeberg.org/acme/tool/releases/download/v1.0.0/",
            "https://codeberg.org/acme/tool/releases",
        ),
    ],
)
def test_release_blocks_and_their_download_urls(config: str, url: str, page: str) -> None:
    release = _release("project_name: tool\n" + config)
    assert release.release_url("v1.0.0") == url
    assert release.releases_page == page


def test_tag_is_path_escaped_in_urls() -> None:
    release = _release("project_name: t\nrelease: {github: {owner: o, name: t}}\n")
    assert release.release_url("v1.0.0+build/x") == (
        "https://github.com/o/t/releases/download/v1.0.0+build%2Fx/"
    )


@pytest.mark.parametrize(
    ("origin", "url"),
    [
        (
            "https://github.com/acme/tool.git",
            "https://github.com/acme/tool/releases/download/v1.0.0/",
        ),
        ("git@github.com:acme/tool.git", "https://github.com/acme/tool/releases/download/v1.0.0/"),
        (
            "ssh://git@github.com:22/acme/tool",
            "https://github.com/acme/tool/releases/download/v1.0.0/",
        ),
        (
            "https://oauth2:token@gitlab.com/group/sub/tool.git",
            "https://gitlab.com/group/sub/tool/-/releases/v1.0.0/downloads/",
        ),
        (
            "git@codeberg.org:acme/tool.git",
            "https://codeberg.org/acme/tool/releases/download/v1.0.0/",
        ),
    ],
)
def test_origin_names_the_repository_without_a_release_block(origin: str, url: str) -> None:
    release = _release("project_name: tool\n", origin=origin)
    assert release.release_url("v1.0.0") == url


def test_self_hosted_origin_takes_its_kind_from_the_urls_block() -> None:
    config = "project_name: tool\ngitea_urls: {download: 'https://git.acme.test'}\n"
    release = _release(config, origin="git@git.acme.test:acme/tool.git")
    assert (
        release.release_url("v1.0.0") == "https://git.acme.test/acme/tool/releases/download/v1.0.0/"
    )
    # Without the urls block the server's kind is unknown: the names still work (they need no
    # repository), and an install is told why the release location is unknown.
    unknown = _release("project_name: tool\n", origin="git@git.acme.test:acme/tool.git")
    assert unknown.repository == ""
    with pytest.raises(ConfigError, match=r"'git\.acme\.test'"):
        unknown.release_url("v1.0.0")


@pytest.mark.parametrize("origin", ["/srv/git/tool", "file:///work/main", "https://github.com/x"])
def test_an_origin_naming_no_repository_leaves_it_unknown_until_an_install_needs_it(
    origin: str,
) -> None:
    release = _release("project_name: tool\n", origin=origin)
    assert release.archive_name(Target("linux", "amd64"), "v1.0.0")
    with pytest.raises(ConfigError, match=r"does not name a repository.*RELEASE_URL"):
        release.release_url("v1.0.0")


def test_an_explicit_release_block_wins_over_origin() -> None:
    release = _release(
        "project_name: t\nrelease: {github: {owner: real, name: t}}\n",
        origin="git@github.com:fork/t.git",
    )
    assert release.repository == "real/t"


@pytest.mark.parametrize(
    ("url", "parts"),
    [
        ("https://github.com/a/b", ("github.com", "a", "b")),
        ("git@gitlab.com:g/s/b.git", ("gitlab.com", "g/s", "b")),
        ("ssh://git@host.test:2222/a/b.git/", ("host.test", "a", "b")),
    ],
)
def test_parse_remote(url: str, parts: tuple[str, str, str]) -> None:
    assert parse_remote(url) == parts


@pytest.mark.parametrize("url", ["", "/srv/git/tool", "https://github.com/only", "file:///x/y"])
def test_unusable_remotes_are_refused_without_showing_credentials(url: str) -> None:
    with pytest.raises(ConfigError, match="does not name a repository"):
        parse_remote(url)
    with pytest.raises(ConfigError) as info:
        parse_remote("https://user:s3cret@github.com/")
    assert "s3cret" not in str(info.value)


def test_release_disabled_means_no_location() -> None:
    release = _release("project_name: t\nrelease: {disable: true, github: {owner: o, name: t}}\n")
    with pytest.raises(ConfigError, match=r"release\.disable"):
        release.release_url("v1.0.0")


def test_two_release_blocks_are_refused() -> None:
    with pytest.raises(ConfigError, match="GoReleaser allows one"):
        _release("project_name: t\nrelease: {github: {owner: o, name: t}, gitlab: {name: t}}\n")


# --- refusals -------------------------------------------------------------------------------------


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
        ("archives: [{formats: [none]}]\n", r"archives\[0\]\.formats publishes .* as none"),
        (
            "archives: [{format_overrides: [{goos: linux, formats: [deb]}]}]\n",
            r"archives\[0\]\.format_overrides\[0\] publishes the archive for linux/amd64 as deb",
        ),
        ("builds: [{goos: [plan9], goarch: [arm64]}]\n", "build no target"),
        ('archives: [{name_template: "{{ .Nope }}"}]\n', r"archives\[0\]\.name_template.*Nope"),
        ('archives: [{name_template: "../{{ .Os }}"}]\n', "not a usable file name"),
        ("archives: [{ids: [other]}]\n", r"no archive packs .*archives\[\]\.ids"),
        ("checksum: {ids: [other]}\n", "checksum.ids"),
        ("builds: [{builder: rust}]\n", r"builds\[0\]\.builder"),
    ],
)
def test_unusable_configs_are_refused_naming_the_setting(extra: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        _release("project_name: tool\n" + extra).archive_name(LINUX, "v1.0.0")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[]", "the document must be a mapping"),
        ("release: {github: {owner: o}}\n", "project_name must be set"),
        ("project_name: x\nrelease: {github: {name: n}}\n", "release.github.owner must be set"),
        ("project_name: x\nchecksum: {disable: true}\n", "checksum.disable"),
        ("project_name: x\nbuilds: {goos: linux}\n", "builds must be a list"),
    ],
)
def test_missing_or_malformed_fields_are_named(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_release(yaml.safe_load(text), "test.yaml")


def test_project_name_defaults_to_the_release_name() -> None:
    assert _release("release: {gitlab: {owner: g, name: tool}}\n").project_name == "tool"


# --- GoReleaser's defaults where the configuration is silent --------------------------------------

# go-task/task's .goreleaser.yml (v3.40), as published: no project_name, no release block.
TASK = """
version: 2
builds:
  - binary: task
    main: ./cmd/task
    goos: [windows, darwin, linux, freebsd]
    goarch: ['386', amd64, arm, arm64, riscv64]
    goarm: ['6']
    ignore:
      - {goos: darwin, goarch: '386'}
      - {goos: darwin, goarch: riscv64}
      - {goos: windows, goarch: riscv64}
archives:
  - name_template: '{{.Binary}}_{{.Os}}_{{.Arch}}'
    format_overrides:
      - goos: windows
        formats: [zip]
checksum:
  name_template: 'task_checksums.txt'
nfpms:
  - file_name_template: '{{.ProjectName}}_{{.Os}}_{{.Arch}}'
"""
TASK_ORIGIN = "https://github.com/go-task/task.git"
TASK_MODULE = "github.com/go-task/task/v3"


def test_go_task_without_project_name_takes_it_from_the_git_remote() -> None:
    # The release defaulter fills release.github.name from the remote before the project
    # defaulter reads it (pkg/defaults order), so the remote wins over go.mod's "v3": the real
    # task_linux_amd64.deb proves GoReleaser named the project "task".
    release = parse_release(
        yaml.safe_load(TASK), "task.yaml", origin=TASK_ORIGIN, module=TASK_MODULE
    )
    assert release.project_name == "task"
    assert release.command_name == "task"
    assert release.repository == "go-task/task"
    assert release.archive_name(LINUX, "v3.40.0") == "task_linux_amd64.tar.gz"
    assert release.archive_name(WINDOWS, "v3.40.0") == "task_windows_amd64.zip"
    assert release.checksum_name("v3.40.0") == "task_checksums.txt"


def test_project_name_from_go_mod_without_a_remote_and_when_the_release_is_disabled() -> None:
    config = yaml.safe_load(TASK)
    assert parse_release(config, "t.yaml", module=TASK_MODULE).project_name == "v3"
    assert parse_release(config, "t.yaml", module="example.com/tool").project_name == "tool"
    # With release.disable the release defaulter is skipped: go.mod comes before the remote.
    disabled = {**config, "release": {"disable": True}}
    both = parse_release(disabled, "t.yaml", origin=TASK_ORIGIN, module="example.com/tool")
    assert both.project_name == "tool"
    assert parse_release(disabled, "t.yaml", origin=TASK_ORIGIN).project_name == "task"


@pytest.mark.parametrize("origin", [None, "/srv/git/task", "https://github.com/nobody"])
def test_no_project_name_and_nothing_to_guess_it_from_is_refused_with_the_way_out(
    origin: str | None,
) -> None:
    with pytest.raises(ConfigError) as info:
        parse_release(yaml.safe_load(TASK), "task.yaml", origin=origin)
    message = str(info.value)
    assert message.startswith("task.yaml: project_name must be set")
    assert "git remote 'origin'" in message
    assert "go.mod" in message
    assert "set project_name" in message


# sigstore/cosign's .goreleaser.yml (v2.4), abridged to the settings that name assets.
COSIGN = """
project_name: cosign
builds:
- {id: linux, binary: 'cosign-linux-{{ .Arch }}', no_unique_dist_dir: true,
   goos: [linux], goarch: [amd64, arm64, arm, s390x, ppc64le], goarm: ['7']}
- {id: linux-pivkey-pkcs11key-amd64, binary: cosign-linux-pivkey-pkcs11key-amd64,
   goos: [linux], goarch: [amd64]}
- {id: darwin-amd64, binary: cosign-darwin-amd64, goos: [darwin], goarch: [amd64]}
- {id: darwin-arm64, binary: cosign-darwin-arm64, goos: [darwin], goarch: [arm64]}
- {id: windows-amd64, binary: cosign-windows-amd64, goos: [windows], goarch: [amd64]}
- {id: linux-cosigned, binary: 'cosigned-linux-{{ .Arch }}', goos: [linux],
   goarch: [amd64, arm64, arm, s390x, ppc64le], goarm: [7]}
- {id: sget, binary: 'sget-{{ .Os }}-{{ .Arch }}', goos: [linux, darwin, windows],
   goarch: [amd64, arm64, arm, s390x, ppc64le], goarm: [7]}
signs:
  - {id: cosign, signature: "${artifact}.sig", artifacts: binary}
  - {id: sget, signature: "${artifact}.sig", artifacts: binary, ids: [sget]}
archives:
- format: binary
  name_template: "{{ .Binary }}"
  allow_different_binary_count: true
checksum:
  name_template: "{{ .ProjectName }}_checksums.txt"
release:
  github: {owner: sigstore, name: cosign}
"""


def test_cosign_builds_named_per_os_make_one_cli_named_after_the_project() -> None:
    release = _release(COSIGN)
    assert release.command_name == "cosign"
    # Every OS's build, not only the first build's targets; the first build of a target wins
    # (cosign-linux-amd64 over the pivkey build); cosigned and sget are other tools.
    assert _names(release, "v2.4.1") == {
        "linux/amd64": "cosign-linux-amd64",
        "linux/arm64": "cosign-linux-arm64",
        "darwin/amd64": "cosign-darwin-amd64",
        "darwin/arm64": "cosign-darwin-arm64",
        "windows/amd64": "cosign-windows-amd64.exe",
        "linux/armv7": "cosign-linux-arm",
        "linux/ppc64le": "cosign-linux-ppc64le",
        "linux/s390x": "cosign-linux-s390x",
    }
    assert release.binary_name(MAC_ARM, "v2.4.1") == "cosign-darwin-arm64"
    assert release.checksum_name("v2.4.1") == "cosign_checksums.txt"
    # Its signs block signs binaries, not the checksums file: no signature names for it.
    assert release.checksum_signatures("v2.4.1", "cosign_checksums.txt") == ()


def test_the_configuration_names_the_cli_builds_with_an_env_entry() -> None:
    config = yaml.safe_load(COSIGN)
    config["env"] = ["PYPI_CLI_BUILDS=linux-pivkey-pkcs11key-amd64, darwin-arm64"]
    release = parse_release(config, "cosign.yaml")
    assert _names(release, "v2.4.1") == {
        "linux/amd64": "cosign-linux-pivkey-pkcs11key-amd64",
        "darwin/arm64": "cosign-darwin-arm64",
    }
    assert release.command_name == "cosign"
    # One build named: its binary is the command.
    config["env"] = ["PYPI_CLI_BUILDS=sget"]
    assert parse_release(config, "cosign.yaml").command_name == "sget"


@pytest.mark.parametrize(
    "entry", ["PYPI_CLI_BUILDS=nope", "PYPI_CLI_BUILDS=", "PYPI_CLI_BUILDS= ,"]
)
def test_an_env_entry_naming_no_build_is_refused(entry: str) -> None:
    config = {**yaml.safe_load(COSIGN), "env": ["A=b", entry]}
    with pytest.raises(ConfigError) as info:
        parse_release(config, "cosign.yaml")
    message = str(info.value)
    assert f"env[1] is {entry!r}" in message
    assert "PYPI_CLI_BUILDS must list the ids of the builds" in message
    assert "linux, linux-pivkey-pkcs11key-amd64" in message


# --- names from the signs and sboms blocks --------------------------------------------------------


def _signs(block: str) -> Release:
    return _release(f"project_name: tool\n{block}")


def test_without_signs_block_the_conventional_signature_names_are_looked_for() -> None:
    assert _signs("").checksum_signatures("v1.0.0", "checksums.txt") == (
        ("checksums.txt.sig", ""),
        ("checksums.txt.sigstore.json", ""),
    )


@pytest.mark.parametrize(
    ("block", "names"),
    [
        # GoReleaser's defaults: signature "${artifact}.sig", artifacts "none" (signs nothing).
        ("signs: [{artifacts: checksum}]", (("checksums.txt.sig", ""),)),
        ("signs: [{}]", ()),
        ("signs: [{artifacts: archive}]", ()),
        (
            'signs: [{artifacts: checksum, signature: "${artifact}.bundle"}]',
            (("checksums.txt.bundle", ""),),
        ),
        (
            'signs: [{artifacts: checksum, certificate: "${artifact}.pem"}]',
            (("checksums.txt.sig", "checksums.txt.pem"),),
        ),
        # "all" signs checksums whatever its ids (internal/artifact ByID lets checksums through).
        (
            'signs: [{artifacts: all, ids: [other], signature: "$artifact.asc"}]',
            (("checksums.txt.asc", ""),),
        ),
        (
            "signs: [{artifacts: checksum, "
            'signature: "{{ .ProjectName }}_{{ .Version }}_${artifactName}.sig"}]',
            (("tool_1.0.0_checksums.txt.sig", ""),),
        ),
        (
            'signs: [{artifacts: checksum, signature: "${KEY_ID}-$artifact.sig"}]',
            (("k1-checksums.txt.sig", ""),),
        ),
        (
            "signs: [{id: a, artifacts: checksum}, "
            '{id: b, artifacts: checksum, signature: "${artifact}.sigstore.json"}]',
            (("checksums.txt.sig", ""), ("checksums.txt.sigstore.json", "")),
        ),
    ],
)
def test_signature_names_are_rendered_from_the_signs_block(
    block: str, names: tuple[tuple[str, str], ...]
) -> None:
    release = _signs(f"checksum: {{name_template: checksums.txt}}\n{block}\n")
    assert release.checksum_signatures("v1.0.0", "checksums.txt", {"KEY_ID": "k1"}) == names


def test_split_checksums_each_get_their_signature() -> None:
    release = _signs("checksum: {split: true}\nsigns: [{artifacts: checksum}]\n")
    name = release.checksum_name("v1.0.0", release.archive_name(LINUX, "v1.0.0"))
    assert release.checksum_signatures("v1.0.0", name) == ((f"{name}.sig", ""),)


@pytest.mark.parametrize(
    ("block", "message"),
    [
        ("signs: [{artifacts: everything}]", r"signs\[0\]\.artifacts is 'everything'.*checksum"),
        (
            'signs: [{artifacts: checksum, signature: "../${artifact}.sig"}]',
            r"signs\[0\]\.signature renders to '\.\./checksums.txt.sig'",
        ),
        (
            'signs: [{artifacts: checksum, signature: "{{ .Date }}.sig"}]',
            r"signs\[0\]\.signature.*Date",
        ),
        (
            'signs: [{artifacts: checksum, certificate: "/etc/${artifact}"}]',
            r"signs\[0\]\.certificate renders to '/etc/checksums.txt'",
        ),
        ("sboms: [{artifacts: everything}]", r"sboms\[0\]\.artifacts is 'everything'"),
        # Not a template field GoReleaser has (tmpl.go WithArtifact): refused, as it fails there.
        (
            'signs: [{artifacts: checksum, signature: "{{ .ArtifactID }}.sig"}]',
            r"signs\[0\]\.signature.*ArtifactID",
        ),
    ],
)
def test_unusable_signs_and_sboms_are_refused_naming_the_setting(block: str, message: str) -> None:
    def names() -> None:
        release = _signs(block + "\n")
        release.checksum_signatures("v1.0.0", "checksums.txt")
        release.sbom_names(LINUX, "v1.0.0")

    with pytest.raises(ConfigError, match=message):
        names()


def test_without_sboms_block_the_conventional_sbom_name_is_looked_for() -> None:
    assert _signs("").sbom_names(LINUX, "v1.0.0") == ("tool_1.0.0_linux_amd64.tar.gz.sbom.json",)


@pytest.mark.parametrize(
    ("block", "linux", "windows"),
    [
        # GoReleaser's defaults: artifacts "archive", documents "{{ .ArtifactName }}.sbom.json".
        (
            "sboms: [{}]",
            ("tool_1.0.0_linux_amd64.tar.gz.sbom.json",),
            ("tool_1.0.0_windows_amd64.tar.gz.sbom.json",),
        ),
        (
            'sboms: [{documents: ["${artifact}.spdx.json"]}]',
            ("tool_1.0.0_linux_amd64.tar.gz.spdx.json",),
            ("tool_1.0.0_windows_amd64.tar.gz.spdx.json",),
        ),
        (
            'sboms: [{documents: ["sboms/{{ .ProjectName }}-{{ .Os }}-{{ .Arch }}.cdx.json"]}]',
            ("tool-linux-amd64.cdx.json",),
            ("tool-windows-amd64.cdx.json",),
        ),
        # artifacts: binary catalogs the binary inside the archive, named after .Binary.
        (
            "sboms: [{artifacts: binary}]",
            ("tool_1.0.0_linux_amd64.sbom.json",),
            ("tool_1.0.0_windows_amd64.sbom.json",),
        ),
        ("sboms: [{artifacts: archive, ids: [other]}]", (), ()),
        ("sboms: [{artifacts: package}]", (), ()),
        ('sboms: [{disable: "{{ if eq .Version \\"1.0.0\\" }}true{{ end }}"}]', (), ()),
    ],
)
def test_sbom_names_are_rendered_from_the_sboms_block(
    block: str, linux: tuple[str, ...], windows: tuple[str, ...]
) -> None:
    release = _signs(block + "\n")
    assert release.sbom_names(LINUX, "v1.0.0") == linux
    assert release.sbom_names(WINDOWS, "v1.0.0") == windows


def test_unreadable_or_invalid_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read the release description"):
        load_release(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("project_name: [\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_release(bad)
