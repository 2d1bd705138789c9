"""The setuptools build hook: a wheel holding this machine's verified binary.

``pip install`` of the sdist, ``pip wheel`` and ``python -m build`` all build the wheel through
``build_py`` and ``bdist_wheel``; these subclasses fetch the binary into the package's ``bin/``
through :func:`fetch.fetch_binary` (the same code path as the commands) and tag the wheel for the
platform it was built for, never ``py3-none-any``, so a cached wheel can never reach another
platform. Any failure stops the build with the message alone, without a traceback.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from setuptools import Distribution
from setuptools.command.bdist_wheel import bdist_wheel  # setuptools >= 70.1, as pyproject requires
from setuptools.command.build_py import build_py

from . import __version__
from .errors import BootstrapError
from .fetch import Sources, fetch_binary
from .platforms import current_target, wheel_platform_tag
from .release import CONFIG_NAME, Release, load_release
from .settings import Settings
from .versions import tag_for

__all__ = ["BinaryDistribution", "command_classes", "load", "verification_requirements"]

_T = TypeVar("_T")


class BinaryDistribution(Distribution):
    """A distribution whose wheel carries platform code, though it has no extension modules.

    Saying so makes setuptools install the package into platlib and mark the wheel
    ``Root-Is-Purelib: false``, as for any wheel with a compiled part.
    """

    def has_ext_modules(self) -> bool:
        return True


def command_classes(release: Release, config_path: Path) -> dict[str, Any]:
    """The ``cmdclass`` for ``setup()``: the two commands bound to one release description."""

    class BuildPyWithBinary(build_py):
        def run(self) -> None:
            super().run()
            package_dir = Path(self.build_lib, release.import_name)
            package_dir.mkdir(parents=True, exist_ok=True)
            # The release description travels inside the package, for the commands at runtime.
            shutil.copyfile(config_path, package_dir / CONFIG_NAME)
            bin_dir = package_dir / "bin"
            shutil.rmtree(bin_dir, ignore_errors=True)  # never ship a binary of an earlier build
            _stop_on_error(lambda: _fetch_into(release, bin_dir))

    class PlatformWheel(bdist_wheel):
        def initialize_options(self) -> None:
            super().initialize_options()
            # A wheel built from the sdist is installed where it was built and never crosses a
            # network: compressing a large binary only to decompress it again wastes seconds.
            # (The published platform wheels, made by wheels.py, stay compressed.)
            self.compression = "stored"

        def get_tag(self) -> tuple[str, str, str]:
            target = _stop_on_error(lambda: release.check_target(current_target()))
            return "py3", "none", wheel_platform_tag(target)

    return {"build_py": BuildPyWithBinary, "bdist_wheel": PlatformWheel}


def _fetch_into(release: Release, bin_dir: Path) -> Path:
    from ._process import prepare_downloads

    prepare_downloads()  # the build hook owns this process: quiet httpx's log, skip its CLI
    target = release.check_target(current_target())
    tag = tag_for(__version__)
    with Sources.from_settings(release, tag, Settings.from_environ(release)) as sources:
        return fetch_binary(release, target, tag, bin_dir, sources=sources)


def _stop_on_error(step: Callable[[], _T]) -> _T:
    try:
        return step()
    except BootstrapError as exc:
        # SystemExit carries the message to pip's output; a traceback would bury it.
        raise SystemExit(f"error: {exc}") from None


def verification_requirements() -> list[str]:
    """What the build needs beyond pyproject.toml's requirements to verify as the user asks.

    Only sigstore-python is ever added: when the verify policy requires a proof and the package
    has no release key, only a Sigstore keyless signature or attestation can supply it.
    """
    from . import keyless
    from .signatures import load_public_key

    release, _ = load()
    settings = _stop_on_error(lambda: Settings.from_environ(release))
    if settings.verify == "auto" or (settings.verify == "signature" and load_public_key()):
        return []
    return [keyless.REQUIREMENT]


def load() -> tuple[Release, Path]:
    """The release description beside setup.py, for setup.py."""
    path = Path(__file__).resolve().parent.parent / CONFIG_NAME
    return _stop_on_error(lambda: load_release(path)), path
