"""Shared fixtures; also makes ``wrapper/`` importable as ``cerebrium_cli``, uninstalled."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _alias_wrapper_package() -> None:
    # The source folder is ``wrapper/`` but the package installs as ``cerebrium_cli``; load it
    # under its installed name so tests import exactly what users import.
    if "cerebrium_cli" in sys.modules:
        return
    spec = importlib.util.spec_from_file_location(
        "cerebrium_cli",
        ROOT / "wrapper" / "__init__.py",
        submodule_search_locations=[str(ROOT / "wrapper")],
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["cerebrium_cli"] = module
    spec.loader.exec_module(module)


_alias_wrapper_package()


# --- End-to-end fixtures: a real Go binary, a GoReleaser-shaped release, HTTPS on loopback ---

import os  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from typing import TYPE_CHECKING  # noqa: E402

import pytest  # noqa: E402

if TYPE_CHECKING:
    import trustme
    from support.goreleaser import GoReleaser
    from support.installs import Installer, Tools
    from support.release import Release
    from support.server import ReleaseServer
    from support.sigstore_forge import SigstoreTestRoot

VERSION = "2.0.0"  # the package version under test (wrapper/__init__.py)
TAG = "v2.0.0"


@pytest.fixture(scope="session")
def wheelhouse() -> Path:
    """Wheels for pip's isolated build environment, so installs need no index at all."""
    where = os.environ.get("CEREBRIUM_TEST_WHEELHOUSE")
    if not where or not Path(where).is_dir():
        pytest.fail(
            "CEREBRIUM_TEST_WHEELHOUSE is not set to a directory of wheels; run the tests with "
            "`nox -s tests`, which downloads it first (see README)"
        )
    return Path(where)


@pytest.fixture(scope="session")
def go_binaries(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Path]:
    from support.gocli import build_binaries

    return build_binaries(tmp_path_factory.mktemp("go"), VERSION)


@pytest.fixture(scope="session")
def old_darwin_binaries(
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, dict[tuple[str, str], Path]]:
    """The darwin test CLI built by each of ``gocli.OLD_TOOLCHAINS``: {toolchain: binaries}."""
    from support.gocli import OLD_TOOLCHAINS, build_binaries

    darwin = (("darwin", "amd64"), ("darwin", "arm64"))
    return {
        toolchain: build_binaries(
            tmp_path_factory.mktemp(toolchain), VERSION, darwin, toolchain=toolchain
        )
        for toolchain in OLD_TOOLCHAINS
    }


@pytest.fixture(scope="session")
def ca() -> trustme.CA:
    import trustme

    return trustme.CA()


@pytest.fixture(scope="session")
def ca_file(ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from support.server import ca_bundle

    return ca_bundle(ca, tmp_path_factory.mktemp("ca") / "ca.pem")


@pytest.fixture(scope="session")
def server_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("srv")


@pytest.fixture(scope="session")
def goreleaser(tmp_path_factory: pytest.TempPathFactory) -> GoReleaser:
    """Real GoReleaser (support/goreleaser.py), run once per configuration in the session."""
    from support.goreleaser import GoReleaser

    return GoReleaser(tmp_path_factory.mktemp("goreleaser"))


@pytest.fixture(scope="session")
def release(goreleaser: GoReleaser, server_root: Path) -> Release:
    """The good release, at <server>/good/ (GitHub's /releases/download/<tag>/ equivalent):
    what real GoReleaser publishes for the project's goreleaser.yaml, tag v<VERSION>."""
    from support.goreleaser import published_release

    return published_release(goreleaser.run(ROOT / "goreleaser.yaml"), server_root / "good")


@pytest.fixture(scope="session")
def server(server_root: Path, ca: trustme.CA) -> Iterator[ReleaseServer]:
    from support.server import ReleaseServer

    with ReleaseServer(server_root, ca) as srv:
        yield srv


@pytest.fixture(scope="session")
def sdist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sdist, built once from this checkout, as a release would build it."""
    from support.sdist import build_sdist

    return build_sdist(tmp_path_factory.mktemp("dist"))


@pytest.fixture(scope="session")
def installers(
    tmp_path_factory: pytest.TempPathFactory,
    sdist: Path,
    wheelhouse: Path,
    ca_file: Path,
    server: ReleaseServer,
) -> Installer:
    """The session's installer (support/installs.py), under a folder of its own; a fixture
    installing elsewhere takes ``installers.at(folder)``."""
    from support.installs import Installer

    return Installer(tmp_path_factory.mktemp("installs"), sdist, wheelhouse, ca_file, server)


@pytest.fixture
def installer(tmp_path: Path, installers: Installer) -> Installer:
    """``installer.install(installer.env(where, **settings))``: ``pip install`` of the sdist
    into a fresh venv under the test's ``tmp_path``, against ``<server>/<where>/``."""
    return installers.at(tmp_path)


@pytest.fixture(scope="session")
def tools(
    tmp_path_factory: pytest.TempPathFactory, installers: Installer, release: Release
) -> Tools:
    """A venv with cerebrium[bootstrap] installed, to run the maintainer's commands."""
    installer = installers.at(tmp_path_factory.mktemp("tools"))
    venv, result = installer.install(extra="[bootstrap]")
    assert result.returncode == 0, result.stderr
    return venv, installer.env("good")


# --- Sigstore keyless: a forged root (support/sigstore_forge.py) and its trusted_root.json ---


@pytest.fixture(scope="module")
def forge() -> SigstoreTestRoot:
    """A private Sigstore (CA, CT log, Rekor) that signs and attests as a release workflow."""
    from support.sigstore_forge import SigstoreTestRoot

    return SigstoreTestRoot()


@pytest.fixture(scope="module")
def trusted_root(forge: SigstoreTestRoot, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``forge``'s trusted root, in a file as ``CEREBRIUM_SIGSTORE_TRUSTED_ROOT`` names it."""
    path = tmp_path_factory.mktemp("sigstore") / "trusted_root.json"
    path.write_bytes(forge.trusted_root_json())
    return path


@pytest.fixture
def logged() -> Iterator[list[str]]:
    """The lines the package logs during the test (:func:`support.logs.captured`)."""
    from support.logs import captured

    with captured() as lines:
        yield lines
