"""The build backend through pip: without build isolation, one message naming what is missing;
with only pyproject.toml's four requirements, an sdist builds (no PyYAML, no cryptography);
behind a SOCKS proxy, the build adds httpx's SOCKS support and downloads through it."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from cerebrium_cli._backend import STATIC_REQUIREMENTS
from conftest import VERSION
from support.installs import assert_installed, assert_not_installed

if TYPE_CHECKING:
    from support.installs import Installer
    from support.release import Release
    from support.server import ReleaseServer

pytestmark = [pytest.mark.e2e, pytest.mark.skipif(sys.platform == "win32", reason="POSIX")]


def test_no_build_isolation_without_the_requirements_names_them_all(
    tmp_path: Path, installer: Installer, server: ReleaseServer, release: Release
) -> None:
    from support.venvs import Venv

    venv = Venv.create(tmp_path / "venv")  # pip, and an old setuptools or none
    before = len(server.requests)
    env = installer.env("good")
    result = venv.pip("install", "--no-build-isolation", str(installer.sdist), env=env)
    output = assert_not_installed(venv, result)
    assert "error: this build needs packages that are not installed" in output
    names = "'setuptools>=70.1' 'wheel' 'httpx>=0.27' 'packaging>=23'"
    assert f"python -m pip install {names}" in output
    assert "ModuleNotFoundError" not in output
    assert server.requests[before:] == []


def test_the_static_requirements_alone_build_the_sdist_without_isolation(
    tmp_path: Path, installer: Installer, release: Release
) -> None:
    from support.venvs import Venv

    venv = Venv.create(tmp_path / "venv")
    index = ["--no-index", "--find-links", str(installer.wheelhouse)]
    assert venv.pip("install", *index, *STATIC_REQUIREMENTS).returncode == 0
    assert venv.run("python", "-c", "import yaml").returncode != 0  # PyYAML is not there
    assert venv.run("python", "-c", "import cryptography").returncode != 0
    env = installer.env("good")
    result = venv.pip("install", *index, "--no-build-isolation", str(installer.sdist), env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    run = venv.run(str(venv.script("cerebrium")), "version")
    assert run.stdout.strip() == f"cerebrium version {VERSION}"
    # The installed package carries the description as JSON, and its commands read it.
    (recorded,) = venv.path.glob("lib/python*/site-packages/cerebrium_cli/release.json")
    assert not list(recorded.parent.glob("*.yaml"))
    info = venv.run("python", "-c", "from cerebrium_cli.description import load_release; "
                    "print(load_release().repository)")  # fmt: skip
    assert info.stdout.strip() == "CerebriumAI/cerebrium", info.stderr


def test_behind_a_socks_proxy_the_build_adds_socksio_and_downloads_through_it(
    installer: Installer, server: ReleaseServer, release: Release
) -> None:
    from support.socks import SocksProxy

    with SocksProxy() as proxy:
        venv, result = installer.install(installer.env("good", ALL_PROXY=proxy.url))
    assert_installed(venv, result, VERSION)
    assert server.url.removeprefix("https://") in proxy.connects  # the release, through it
    # Built with socksio, which the build environment got from get_requires_for_build_wheel;
    # the installed package needs nothing at run time, so the venv itself has no socksio.
    assert "socksio" in result.stdout + result.stderr
    assert venv.run("python", "-c", "import socksio").returncode != 0
