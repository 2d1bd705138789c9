"""``pip install`` of the sdist into fresh venvs, as the end-to-end tests do, and what they check.

The settings an install reads (``SSL_CERT_FILE``, ``CEREBRIUM_RELEASE_URL``,
``CEREBRIUM_CACHE_DIR``) are named here once; a refused install is checked the same way
everywhere: pip failed, no command and no distribution were installed, and no traceback was shown.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from support.venvs import Venv

if TYPE_CHECKING:
    from support.release import Release

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
