"""The build hook's own logic: wheel tags for the build machine and errors without tracebacks."""

from __future__ import annotations

from pathlib import Path

import pytest
from cerebrium_cli import build
from cerebrium_cli.platforms import Target
from cerebrium_cli.release import load_release
from setuptools import Distribution

ROOT = Path(__file__).resolve().parent.parent


def _wheel_command(monkeypatch: pytest.MonkeyPatch, target: Target):  # type: ignore[no-untyped-def]
    release = load_release()
    monkeypatch.setattr(build, "current_target", lambda: target)
    classes = build.command_classes(release, ROOT / "goreleaser.yaml")
    command = classes["bdist_wheel"](
        build.BinaryDistribution({"name": "cerebrium", "version": "2.0.0"})
    )
    command.ensure_finalized()
    return command


@pytest.mark.parametrize(
    ("target", "platform_tag"),
    [
        (
            Target("linux", "arm64"),
            "manylinux_2_17_aarch64.manylinux2014_aarch64.musllinux_1_1_aarch64",
        ),
        (Target("darwin", "arm64"), "macosx_11_0_arm64"),
        (Target("windows", "amd64"), "win_amd64"),
    ],
)
def test_wheel_is_tagged_for_the_build_machine(
    monkeypatch: pytest.MonkeyPatch, target: Target, platform_tag: str
) -> None:
    command = _wheel_command(monkeypatch, target)
    assert command.get_tag() == ("py3", "none", platform_tag)
    assert command.root_is_pure is False


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
    release, path = build.load()
    assert path == ROOT / "goreleaser.yaml"
    assert release.project_name == "cerebrium"
