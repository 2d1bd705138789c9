"""``pip install`` of the sdist into fresh venvs, as the end-to-end tests do, and what they check.

The settings an install reads (``SSL_CERT_FILE``, ``CEREBRIUM_RELEASE_URL``,
``CEREBRIUM_CACHE_DIR``) are named here once; a refused install is checked the same way
everywhere: pip failed, no command and no distribution were installed, and no traceback was shown.
``Installer`` is the set-up every end-to-end install shares (conftest's ``installer`` and
``installers``): the sdist, the wheelhouse, the test CA and the server, bound once.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from support.venvs import Venv

if TYPE_CHECKING:
    from support.release import Release
    from support.server import ReleaseServer

Tools = tuple[Venv, dict[str, str]]
"""conftest's ``tools``: a venv with ``cerebrium[bootstrap]`` and the settings to run it with."""

Installed = tuple[Venv, subprocess.CompletedProcess[str]]
"""A fresh venv and what ``pip install`` printed and returned there."""


def settings(
    ca_file: Path, url: str, cache: Path, *, prefix: str = "CEREBRIUM_", **more: str
) -> dict[str, str]:
    """An install's environment: the test CA, the release at ``url``, a cache of the test's own.

    ``prefix`` is the package's ``Release.env_prefix``: another one for a package built from
    another project's goreleaser.yaml.
    """
    return {
        "SSL_CERT_FILE": str(ca_file),
        f"{prefix}RELEASE_URL": url,
        f"{prefix}CACHE_DIR": str(cache),
        **more,
    }


def install(
    tmp: Path,
    *requirements: str,
    wheelhouse: Path,
    env: Mapping[str, str],
    prefix: str = "CEREBRIUM_",
) -> Installed:
    """``pip install requirements`` into a fresh venv at ``tmp/venv``.

    The cache (``<prefix>CACHE_DIR``) is ``tmp/cache`` unless ``env`` names one, so installs
    share a cache only on purpose.
    """
    venv = Venv.create(tmp / "venv")
    environ = {f"{prefix}CACHE_DIR": str(tmp / "cache"), **env}
    return venv, venv.install(*requirements, wheelhouse=wheelhouse, env=environ)


@dataclass(frozen=True)
class Installer:
    """The set-up the end-to-end installs share (conftest's ``installer``, one a test, and
    ``installers``, the session's): the sdist, the wheelhouse, the test CA and the HTTPS
    server, and a folder the installs go under (``tmp``).

    ``env("good")`` is the settings of an install from ``<server>/good/`` (the ``release``
    fixture publishes it; a test that uses it asks for ``release`` too), with the cache at
    ``tmp/cache``; ``install(env)`` is ``pip install`` of the sdist with such settings into a
    fresh venv at ``tmp/venv``.
    """

    tmp: Path
    sdist: Path
    wheelhouse: Path
    ca_file: Path
    server: ReleaseServer

    def at(self, tmp: Path) -> Installer:
        """This installer, installing under ``tmp`` instead."""
        return replace(self, tmp=tmp)

    def url(self, where: str) -> str:
        """The release folder ``<server>/<where>/``."""
        return f"{self.server.url}/{where}/"

    def env(
        self,
        where: str = "good",
        cache: Path | None = None,
        /,
        *,
        prefix: str = "CEREBRIUM_",
        **more: str,
    ) -> dict[str, str]:
        """``settings`` for the release at ``<server>/<where>/``, the cache ``cache`` (default
        ``tmp/cache``), and ``more`` added."""
        return settings(
            self.ca_file, self.url(where), cache or self.tmp / "cache", prefix=prefix, **more
        )

    def install(
        self,
        env: Mapping[str, str] | None = None,
        /,
        *,
        extra: str = "",
        sdist: Path | None = None,
        prefix: str = "CEREBRIUM_",
    ) -> Installed:
        """``pip install <sdist><extra>`` (default the ``sdist`` fixture's) into a fresh venv at
        ``tmp/venv``, with the settings ``env`` (default ``env("good")``)."""
        environ = self.env(prefix=prefix) if env is None else env
        requirement = f"{sdist or self.sdist}{extra}"
        return install(
            self.tmp, requirement, wheelhouse=self.wheelhouse, env=environ, prefix=prefix
        )

    def install_into(
        self, venv: Venv, env: Mapping[str, str], /, *, sdist: Path | None = None
    ) -> subprocess.CompletedProcess[str]:
        """``pip install <sdist>`` into ``venv``, a venv of the test's, with exactly ``env``."""
        return venv.install(str(sdist or self.sdist), wheelhouse=self.wheelhouse, env=env)


def assert_installed(venv: Venv, result: subprocess.CompletedProcess[str], version: str) -> None:
    """pip succeeded and the installed command runs the release ``version``."""
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert venv.run("cerebrium", "version").stdout.strip() == f"cerebrium version {version}"


def assert_not_installed(venv: Venv, result: subprocess.CompletedProcess[str]) -> str:
    """pip failed, left no command and no distribution, and showed no traceback; its output."""
    out = result.stdout + result.stderr
    assert result.returncode != 0, out[-4000:]
    assert not venv.script("cerebrium").exists()
    assert venv.pip("show", "cerebrium").returncode != 0
    assert "Traceback" not in out
    return out


def copy_release(release: Release, dest: Path) -> Path:
    """A copy of ``release`` at ``dest`` (``<server root>/<name>``), for a test to break."""
    shutil.copytree(release.dir, dest)
    return dest
