"""``python -m cerebrium_cli.bootstrap``: output, exit codes and messages."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest
from cerebrium_cli import bootstrap, commands
from cerebrium_cli.bootstrap import main
from cerebrium_cli.description import load_release

ROOT = Path(__file__).resolve().parent.parent


def test_names_prints_every_target_then_the_checksums_file(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["names"]) == 0
    lines = capsys.readouterr().out.splitlines()
    # Targets in the order goreleaser.yaml's build matrix lists them (goos, then goarch).
    # The names of the real Cerebrium releases (no version in them).
    assert lines == [
        "linux/amd64 cerebrium_cli_linux_amd64.tar.gz",
        "linux/arm64 cerebrium_cli_linux_arm64.tar.gz",
        "darwin/amd64 cerebrium_cli_darwin_amd64.tar.gz",
        "darwin/arm64 cerebrium_cli_darwin_arm64.tar.gz",
        "windows/amd64 cerebrium_cli_windows_amd64.zip",
        "windows/arm64 cerebrium_cli_windows_arm64.zip",
        "checksums checksums.txt",
    ]


@pytest.mark.parametrize("version", ["2.1.0b1", "v2.1.0-beta.1"])
def test_names_for_another_version_or_tag(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], version: str
) -> None:
    config = tmp_path / "versioned.yaml"
    config.write_text("project_name: tool\nbuilds: [{goos: [linux], goarch: [arm64]}]\n")
    assert main(["names", "--config", str(config), "--version", version]) == 0
    assert "linux/arm64 tool_2.1.0-beta.1_linux_arm64.tar.gz" in capsys.readouterr().out


def test_names_with_split_checksums_lists_one_file_per_archive(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "split.yaml"
    config.write_text(
        "project_name: tool\nbuilds: [{goos: [linux, darwin], goarch: [arm64]}]\n"
        "checksum: {split: true, algorithm: sha512}\n"
    )
    assert main(["names", "--config", str(config), "--version", "1.0.0"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "linux/arm64 tool_1.0.0_linux_arm64.tar.gz",
        "darwin/arm64 tool_1.0.0_darwin_arm64.tar.gz",
        "checksums tool_1.0.0_linux_arm64.tar.gz.sha512",
        "checksums tool_1.0.0_darwin_arm64.tar.gz.sha512",
    ]


def test_names_for_another_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "other.yaml"
    config.write_text(
        "project_name: other\n"  # no release block: names need no repository
        "builds: [{goos: [linux], goarch: [arm64]}]\n"
    )
    assert main(["names", "--config", str(config), "--version", "1.0.0"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "linux/arm64 other_1.0.0_linux_arm64.tar.gz",
        "checksums other_1.0.0_checksums.txt",
    ]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["names", "--config", "/nonexistent.yaml"], "cannot read the release description"),
    ],
)
def test_failures_are_one_error_line_and_exit_1(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ")
    assert message in err
    assert "Traceback" not in err


def test_help_and_usage_errors() -> None:
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    with pytest.raises(SystemExit) as info:
        main([])
    assert info.value.code == 2


TARGETS = "linux/amd64, linux/arm64, darwin/amd64, darwin/arm64, windows/amd64, windows/arm64"
ONE = ["--dest", "d"]  # fetch's required argument, where the case is about another


# Every command, with wrong, repeated and missing arguments: argparse's usage error, exit 2.
USAGE_ERRORS = [
    ([], "the following arguments are required: COMMAND"),
    (["nope"], "invalid choice: 'nope'"),
    (["names", "--config"], "argument --config: expected one argument"),
    (["names", "--config", "a", "--config", "b"], "--config: given twice ('a', then 'b')"),
    (["names", "--version", "2.0"], "argument --version: version '2.0' has no release tag"),
    (["names", "--version", "v2.0"], "--version: release tag 'v2.0' has no package version"),
    (["names", "--version", "1.0.0", "--version", "2.0.0"], "--version: given twice"),
    (["names", "extra"], "unrecognized arguments: extra"),
    (["info", "--platform", "linux/amd64"], "unrecognized arguments: --platform linux/amd64"),
    (["info", "--all"], "unrecognized arguments: --all"),
    (["fetch"], "the following arguments are required: --dest"),
    (["fetch", "--dest"], "argument --dest: expected one argument"),
    (["fetch", "--dest", "a", "--dest", "b"], "--dest: given twice ('a', then 'b')"),
    (
        ["fetch", "--platform", "linux/amd64", "--platform", "linux/arm64", *ONE],
        "argument --platform: given twice ('linux/amd64', then 'linux/arm64'); give it once",
    ),
    (["fetch", *ONE, "--platform", "linux"], f"'linux' is not OS/ARCH; use one of: {TARGETS}"),
    (
        ["fetch", *ONE, "--platform", "linux/amd64/x"],
        f"'linux/amd64/x' is not a target of this release; use one of: {TARGETS}",
    ),
    (
        ["fetch", *ONE, "--platform", "plan9/amd64"],
        f"'plan9/amd64' is not a target of this release; use one of: {TARGETS}",
    ),
    (["fetch", *ONE, "--platform", ""], "'' is not OS/ARCH"),
    (["fetch", *ONE, "--platform"], "argument --platform: expected one argument"),
    (["fetch", *ONE, "--all"], "unrecognized arguments: --all"),
    (["mirror"], "the following arguments are required: DEST"),
    (["mirror", "a", "b"], "unrecognized arguments: b"),
    (["mirror", "d", "--all", "--platform", "linux/amd64"], "not allowed with argument --all"),
    (["mirror", "d", "--platform", "plan9/amd64"], "'plan9/amd64' is not a target"),
    (["wheels", "--out", "o"], "the following arguments are required: --from"),
    (["wheels", "--from", "r"], "the following arguments are required: --out"),
    (["wheels", "--from", "a", "--from", "b", "--out", "o"], "--from: given twice"),
    (["wheels", "--from", "r", "--out", "o", "--all"], "unrecognized arguments: --all"),
    (["wheels", "--from", "r", "--out", "o", "--platform", "linux"], "'linux' is not OS/ARCH"),
    (["verify", "--all", "--platform", "linux/amd64"], "not allowed with argument --all"),
    (["verify", "--platform"], "argument --platform: expected one argument"),
    (["verify", "--platform", "windows/386"], "'windows/386' is not a target"),
    (["verify", "extra"], "unrecognized arguments: extra"),
    (["pin", "--from"], "argument --from: expected one argument"),
    (["pin", "--output", "a", "--output", "b"], "--output: given twice ('a', then 'b')"),
    (["pin", "x"], "unrecognized arguments: x"),
]


@pytest.mark.parametrize(
    ("argv", "message"), USAGE_ERRORS, ids=[" ".join(argv) or "(none)" for argv, _ in USAGE_ERRORS]
)
def test_a_wrong_repeated_or_missing_argument_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: python -m cerebrium_cli.bootstrap")
    assert message in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "argv",
    [
        ["fetch", "--platform", "linux/amd64", "--platform", "linux/arm64"],  # issue 13's input
        ["fetch", "--dest", "d", "--platform", "plan9/amd64"],
        ["mirror"],
    ],
    ids=" ".join,
)
def test_usage_errors_as_a_module(argv: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, "-c", _AS_MODULE, *argv], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 2, result.stderr
    assert "error: " in result.stderr
    assert "Traceback" not in result.stderr


def test_help_names_the_variables_with_the_release_prefix(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    other = dataclasses.replace(load_release(), project_name="other-tool")
    monkeypatch.setattr(bootstrap, "_own_release", lambda: other)
    for argv, variables in [
        ([], ["RELEASE_URL", "OFFLINE", "ARCHIVE", "CACHE_DIR", "VERIFY"]),
        (["fetch"], ["ARCHIVE"]),
        (["mirror"], ["RELEASE_URL", "OFFLINE"]),
        (["verify"], ["VERIFY"]),
    ]:
        with pytest.raises(SystemExit):
            main([*argv, "--help"])
        out = capsys.readouterr().out
        assert "CEREBRIUM_" not in out
        for variable in variables:
            assert f"OTHER_TOOL_{variable}" in out.replace("\n", " ")


def test_without_the_release_description_help_and_usage_still_work(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "yaml", None)  # as if PyYAML were not installed
    with pytest.raises(SystemExit) as info:
        main(["fetch", "--help"])
    assert info.value.code == 0
    assert "CEREBRIUM_ARCHIVE" in capsys.readouterr().out  # from the package's name
    with pytest.raises(SystemExit) as info:
        main(["fetch", "--dest", "d", "--platform", "linux"])
    assert info.value.code == 2
    assert "'linux' is not OS/ARCH (e.g. linux/amd64)" in capsys.readouterr().err


def test_missing_extra_is_explained(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "yaml", None)  # as if PyYAML were not installed
    assert main(["names"]) == 1
    assert "pip install 'cerebrium[bootstrap]'" in capsys.readouterr().err


# The documented spelling, in a fresh interpreter with the source folder as the package.
_AS_MODULE = (
    "import sys; sys.path.insert(0, 'tests'); import conftest; import runpy; "
    "sys.argv = ['bootstrap', *sys.argv[1:]]; "
    "runpy.run_module('cerebrium_cli.bootstrap', run_name='__main__')"
)


def test_runs_as_a_module() -> None:
    run = [sys.executable, "-c", _AS_MODULE, "names"]
    result = subprocess.run(run, cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "checksums checksums.txt"


@pytest.mark.parametrize(("goamd64", "said"), [("v3", True), ("v1", False)])
def test_info_says_the_level_a_binary_needs_where_no_wheel_tag_does(
    goamd64: str, said: bool
) -> None:
    from cerebrium_cli.platforms import Target
    from cerebrium_cli.release import parse_release

    config = {"project_name": "t", "builds": [{"goos": ["linux"], "goamd64": [goamd64]}]}
    release = parse_release(config, "test.yaml")
    lines: list[str] = []
    commands._info_archive(release, "v1.0.0", Target("linux", "amd64"), lines)
    note = " (built for GOAMD64=v3: this machine must support it, which no wheel tag says)"
    assert lines == [
        f"archive: {release.archive_name(Target('linux', 'amd64'), 'v1.0.0')}"
        + (note if said else "")
    ]


def test_wheels_warns_of_the_level_a_binary_needs(logged: list[str]) -> None:
    from cerebrium_cli import wheels
    from cerebrium_cli.platforms import Target
    from cerebrium_cli.release import parse_release

    config = {
        "project_name": "t",
        "builds": [{"goos": ["linux", "freebsd"], "goarch": ["amd64"], "goamd64": ["v3"]}],
    }
    release = parse_release(config, "test.yaml")
    linux, freebsd = Target("linux", "amd64"), Target("freebsd", "amd64")
    assert wheels._wheel_targets(release, [linux, freebsd]) == [linux]
    assert logged == [
        "t: linux/amd64 is built for GOAMD64=v3, which no wheel tag says: a machine below it "
        "installs the wheel and cannot run the binary",
        f"t: skipped freebsd/amd64: {release.no_wheel(freebsd)}",
    ]
