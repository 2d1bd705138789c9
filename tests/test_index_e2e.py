"""The ways people install command-line tools, against a real package index on loopback.

A pypiserver index holds the sdist and the six platform wheels (``bootstrap wheels``), uploaded
with twine, plus the wheels of the build requirements: what a fleet's devpi or Artifactory
mirror of PyPI holds. pip, uv, pipx, ``uv tool`` and ``uvx`` install from it; a second index
without this platform's wheel makes them fall back to the sdist and its build hook, which
fetches from the HTTPS release server. Every tool is pointed at the local index alone, with a
dead proxy for anything else, so no request can leave the machine.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from cerebrium_cli.description import load_release
from cerebrium_cli.platforms import current_target
from conftest import TAG, VERSION

if TYPE_CHECKING:
    from support.index import PackageIndex
    from support.installs import Tools
    from support.server import ReleaseServer

pytestmark = [pytest.mark.e2e, pytest.mark.skipif(sys.platform == "win32", reason="POSIX")]

BIN = Path(sys.executable).parent  # the test environment's uv, uvx and pipx
# The wheels' tags are what their binaries are (test_executables.py): the test CLI is static
# (CGO_ENABLED=0) on Linux, where these tests run, and declares macOS 12.0 when built by Go 1.25+.
STATIC_TAGS = {
    "linux/amd64": "manylinux_2_17_x86_64.manylinux2014_x86_64.musllinux_1_1_x86_64",
    "linux/arm64": "manylinux_2_17_aarch64.manylinux2014_aarch64.musllinux_1_1_aarch64",
}
THIS_TAG = STATIC_TAGS.get(str(current_target()), "")
THIS_WHEEL = f"cerebrium-{VERSION}-py3-none-{THIS_TAG}.whl"
THIS_ARCHIVE = f"/good/{load_release().archive_name(current_target(), TAG)}"
# One tag of each wheel, as `pip download --platform` names a platform.
PLATFORMS = {
    "manylinux_2_17_x86_64": STATIC_TAGS["linux/amd64"],
    "musllinux_1_1_aarch64": STATIC_TAGS["linux/arm64"],
    "macosx_12_0_x86_64": "macosx_12_0_x86_64",
    "macosx_12_0_arm64": "macosx_12_0_arm64",
    "win_amd64": "win_amd64",
    "win_arm64": "win_arm64",
}


@pytest.fixture(scope="module")
def platform_wheels(
    tmp_path_factory: pytest.TempPathFactory, tools: Tools, server: ReleaseServer
) -> list[Path]:
    venv, env = tools
    out = tmp_path_factory.mktemp("platform-wheels")
    command = ["python", "-m", "cerebrium_cli.bootstrap", "wheels", "--from"]
    result = venv.run(*command, f"{server.url}/good/", "--out", str(out), env=env, timeout=300)
    assert result.returncode == 0, result.stderr
    wheels = sorted(out.glob("*.whl"))
    assert len(wheels) == 6
    return wheels


def _index(root: Path, sdist: Path, wheels: list[Path], wheelhouse: Path) -> Iterator[object]:
    from support.index import PackageIndex

    with PackageIndex(root) as index:
        index.upload([sdist, *wheels])
        index.add(sorted(wheelhouse.glob("*.whl")))  # the build requirements, as on PyPI
        yield index


@pytest.fixture(scope="module")
def index(
    tmp_path_factory: pytest.TempPathFactory,
    sdist: Path,
    platform_wheels: list[Path],
    wheelhouse: Path,
) -> Iterator[object]:
    """The sdist and all six wheels."""
    yield from _index(tmp_path_factory.mktemp("index") / "full", sdist, platform_wheels, wheelhouse)


@pytest.fixture(scope="module")
def sdist_only_index(
    tmp_path_factory: pytest.TempPathFactory,
    sdist: Path,
    platform_wheels: list[Path],
    wheelhouse: Path,
) -> Iterator[object]:
    """The sdist and the five wheels of the other platforms."""
    others = [w for w in platform_wheels if w.name != THIS_WHEEL]
    assert len(others) == 5
    root = tmp_path_factory.mktemp("index") / "no-wheel-here"
    yield from _index(root, sdist, others, wheelhouse)


def _environ(tmp: Path, index_url: str, **more: str) -> dict[str, str]:
    """The host's environment without its pip, uv and pipx settings, pointed at ``index_url``."""
    kept = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PIP_", "UV_", "PIPX_", "CEREBRIUM_"))
        and k.lower() not in {"https_proxy", "http_proxy", "all_proxy", "no_proxy"}
    }
    dead_proxy = "http://127.0.0.1:9"  # anything not on loopback fails at once
    return {
        **kept,
        "PATH": f"{tmp / 'bin'}{os.pathsep}{BIN}{os.pathsep}{kept.get('PATH', '')}",
        "HTTPS_PROXY": dead_proxy,
        "HTTP_PROXY": dead_proxy,
        "NO_PROXY": "127.0.0.1,localhost",
        "PIP_CONFIG_FILE": os.devnull,
        "PIP_INDEX_URL": index_url,
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "PIP_NO_CACHE_DIR": "1",
        "UV_NO_CONFIG": "1",
        "UV_INDEX_URL": index_url,
        "UV_DEFAULT_INDEX": index_url,
        "UV_CACHE_DIR": str(tmp / "uv-cache"),
        "UV_PYTHON": sys.executable,
        "UV_PYTHON_DOWNLOADS": "never",
        "UV_TOOL_DIR": str(tmp / "uv-tools"),
        "UV_TOOL_BIN_DIR": str(tmp / "bin"),
        "PIPX_HOME": str(tmp / "pipx"),
        "PIPX_BIN_DIR": str(tmp / "bin"),
        "PIPX_MAN_DIR": str(tmp / "man"),
        "PIPX_DEFAULT_PYTHON": sys.executable,
        "CEREBRIUM_CACHE_DIR": str(tmp / "cache"),
        **more,
    }


def _run(*command: object, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(c) for c in command], env=env, capture_output=True, text=True, timeout=600
    )


def _release_env(server: ReleaseServer, ca_file: Path) -> dict[str, str]:
    """Where a build would fetch the binary: set for every install, so a build would succeed
    and the release server's log shows whether one happened."""
    return {"CEREBRIUM_RELEASE_URL": f"{server.url}/good/", "SSL_CERT_FILE": str(ca_file)}


def _assert_runs(command: Path | str, env: dict[str, str]) -> None:
    run = _run(command, "version", env=env)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == f"cerebrium version {VERSION}"


def _cache(tmp: Path, name: str) -> dict[str, str]:
    # Each tool its own caches, so that each builds and fetches for itself.
    return {"UV_CACHE_DIR": str(tmp / f"{name}-uv"), "CEREBRIUM_CACHE_DIR": str(tmp / name)}


def _wheel_tags(site: Path) -> list[str]:
    (wheel_file,) = site.glob("lib/python*/site-packages/cerebrium-*.dist-info/WHEEL")
    lines = wheel_file.read_text().splitlines()
    return [line.split(": ", 1)[1] for line in lines if line.startswith("Tag: ")]


def test_pip_installs_this_platforms_wheel_from_the_index_without_a_build(
    tmp_path: Path, index: PackageIndex, server: ReleaseServer, ca_file: Path
) -> None:
    from support.venvs import Venv

    venv = Venv.create(tmp_path / "venv")
    before = len(server.requests)
    env = _environ(tmp_path, index.url, **_release_env(server, ca_file))
    result = _run(venv.python, "-m", "pip", "install", "cerebrium", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert THIS_WHEEL in result.stdout
    assert "Building wheel" not in result.stdout
    assert server.requests[before:] == []  # no build hook ran: nothing fetched from the release
    assert _wheel_tags(venv.path) == [f"py3-none-{t}" for t in THIS_TAG.split(".")]
    _assert_runs(venv.script("cerebrium"), env)


def test_uv_pip_installs_this_platforms_wheel_from_the_index_without_a_build(
    tmp_path: Path, index: PackageIndex, server: ReleaseServer, ca_file: Path
) -> None:
    env = _environ(tmp_path, index.url, **_release_env(server, ca_file))
    venv = tmp_path / "venv"
    assert _run(BIN / "uv", "venv", "--python", sys.executable, venv, env=env).returncode == 0
    before = len(server.requests)
    result = _run(
        BIN / "uv", "pip", "install", "--python", venv / "bin" / "python",
        "--index-url", index.url, "cerebrium", env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Built cerebrium" not in result.stderr
    assert server.requests[before:] == []
    assert _wheel_tags(venv) == [f"py3-none-{t}" for t in THIS_TAG.split(".")]
    _assert_runs(venv / "bin" / "cerebrium", env)


@pytest.mark.parametrize("platform", sorted(PLATFORMS))
def test_pip_download_for_a_platform_fetches_that_targets_wheel(
    tmp_path: Path, index: PackageIndex, platform: str
) -> None:
    env = _environ(tmp_path, index.url)
    result = _run(
        sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
        "--platform", platform, "--dest", tmp_path / "dl", "cerebrium", env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    names = [p.name for p in (tmp_path / "dl").iterdir()]
    assert names == [f"cerebrium-{VERSION}-py3-none-{PLATFORMS[platform]}.whl"]


def test_without_this_platforms_wheel_pip_builds_the_sdist_with_few_requirements(
    tmp_path: Path, sdist_only_index: PackageIndex, server: ReleaseServer, ca_file: Path
) -> None:
    from support.venvs import Venv

    venv = Venv.create(tmp_path / "venv")
    before = len(server.requests)
    env = _environ(tmp_path, sdist_only_index.url, **_release_env(server, ca_file))
    result = _run(venv.python, "-m", "pip", "install", "-v", "cerebrium", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"cerebrium-{VERSION}.tar.gz" in result.stdout
    # The build hook fetched this platform's archive from the release, checked against its
    # checksums file, ...
    paths = [r.path for r in server.requests[before:]]
    assert paths == ["/good/checksums.txt", THIS_ARCHIVE]
    _assert_runs(venv.script("cerebrium"), env)
    # ... in a build environment without PyYAML or cryptography: the sdist carries the
    # description parsed and pins no key.
    requested = sdist_only_index.requested().lower()
    assert "/simple/httpx/" in requested
    assert "/simple/pyyaml/" not in requested
    assert "/simple/cryptography/" not in requested


def test_pipx_installs_a_working_command_from_the_index(
    tmp_path: Path, index: PackageIndex, server: ReleaseServer, ca_file: Path
) -> None:
    env = _environ(tmp_path, index.url, **_release_env(server, ca_file))
    before = len(server.requests)
    result = _run(sys.executable, "-m", "pipx", "install", "--index-url", index.url, "cerebrium",
                  env=env)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert server.requests[before:] == []  # the wheel, not a build
    _assert_runs(tmp_path / "bin" / "cerebrium", env)


def test_uv_tool_install_and_uvx_give_a_working_command_from_the_index(
    tmp_path: Path, index: PackageIndex, server: ReleaseServer, ca_file: Path
) -> None:
    env = _environ(tmp_path, index.url, **_release_env(server, ca_file))
    before = len(server.requests)
    result = _run(BIN / "uv", "tool", "install", "--index-url", index.url, "cerebrium", env=env)
    assert result.returncode == 0, result.stderr
    _assert_runs(tmp_path / "bin" / "cerebrium", env)
    run = _run(BIN / "uvx", "--index-url", index.url, "cerebrium", "version", env=env)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == f"cerebrium version {VERSION}"
    assert server.requests[before:] == []


def test_pipx_uv_tool_and_uvx_install_the_sdist_against_the_release_url(
    tmp_path: Path,
    sdist: Path,
    sdist_only_index: PackageIndex,
    server: ReleaseServer,
    ca_file: Path,
) -> None:
    # The index serves only the build requirements here; the sdist is named by its path.
    env = _environ(tmp_path, sdist_only_index.url, **_release_env(server, ca_file))
    before = len(server.requests)
    pipx = _run(sys.executable, "-m", "pipx", "install", sdist, env=env)
    assert pipx.returncode == 0, pipx.stdout + pipx.stderr
    _assert_runs(tmp_path / "bin" / "cerebrium", env)
    shutil.rmtree(tmp_path / "bin")
    # uvx first: it would run the tool `uv tool install` put in place.
    uvx = _run(BIN / "uvx", "--from", sdist, "cerebrium", "version",
               env={**env, **_cache(tmp_path, "uvx")})  # fmt: skip
    assert uvx.returncode == 0, uvx.stderr
    assert uvx.stdout.strip() == f"cerebrium version {VERSION}"
    uv_tool = _run(BIN / "uv", "tool", "install", sdist, env={**env, **_cache(tmp_path, "uv")})
    assert uv_tool.returncode == 0, uv_tool.stderr
    _assert_runs(tmp_path / "bin" / "cerebrium", env)
    # Each of the three built the sdist, and each build fetched the archive from the release.
    fetched = [r.path for r in server.requests[before:] if r.path == THIS_ARCHIVE]
    assert len(fetched) == 3
