"""``python -m cerebrium_cli.bootstrap``: output, exit codes and messages."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from cerebrium_cli.bootstrap import main

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
        (["names", "--version", "2.0"], "has no release tag"),
        (["names", "--version", "v2.0"], "has no package version"),
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


def test_missing_extra_is_explained(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "yaml", None)  # as if PyYAML were not installed
    assert main(["names"]) == 1
    assert "pip install 'cerebrium[bootstrap]'" in capsys.readouterr().err


def test_runs_as_a_module(tmp_path: Path) -> None:
    # The documented spelling, in a fresh interpreter with the source folder as the package.
    code = (
        "import sys; sys.path.insert(0, 'tests'); import conftest; import runpy; "
        "sys.argv = ['bootstrap', 'names']; "
        "runpy.run_module('cerebrium_cli.bootstrap', run_name='__main__')"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "checksums checksums.txt"
