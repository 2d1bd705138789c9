"""The setuptools build hook: a wheel holding this machine's verified binary.

``pip install`` of the sdist, ``pip wheel`` and ``python -m build`` all build the wheel through
``build_py`` and ``bdist_wheel``; these subclasses put the verified binary into the package's
``bin/`` and tag the wheel for what that binary is (:func:`executables.binary_wheel_tag`: the
minimum macOS it declares, the glibc it needs), never ``py3-none-any``, so a cached wheel can
never reach another platform; a binary that is not this machine's target's stops the build.
The binary comes through :func:`fetch.fetch_binary`, the same code path as the commands: fetched
by a child process the backend started before it imported setuptools, and put into the wheel's
tree last, when the wheel's tag is first asked, just before it is named and zipped; or, when no
child was started, fetched here by ``build_py`` (``_prefetch.py``). The fetch's record of what it
verified, and the SBOM of the binary, go into the wheel's ``.dist-info`` (``evidence.py``).
``sdist`` records the release description in the sdist (``description.record``), and
``build_py`` in the package. Any failure stops the build with the message alone, without a
traceback.
"""

from __future__ import annotations

import functools
import logging
import os
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, NoReturn, TypeVar

from setuptools import Distribution
from setuptools.command.bdist_wheel import bdist_wheel  # setuptools >= 70.1, as pyproject requires
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist

from ._logging import to_stderr
from ._prefetch import binary_into, prefetching
from .description import RECORD_NAME, Description, read_description, record
from .errors import BootstrapError
from .evidence import write_dist_info
from .executables import binary_wheel_tag
from .platforms import Target, current_target
from .release import Release
from .versions import tag_for

__all__ = ["BinaryDistribution", "command_classes", "load", "long_description"]

_logger = logging.getLogger(__name__)

_PACKAGE_SOURCE = Path(__file__).resolve().parent.name  # "wrapper", as setup.py's package_dir

_T = TypeVar("_T")


class BinaryDistribution(Distribution):
    """A distribution whose wheel carries platform code, though it has no extension modules.

    Saying so makes setuptools install the package into platlib and mark the wheel
    ``Root-Is-Purelib: false``, as for any wheel with a compiled part.
    """

    def has_ext_modules(self) -> bool:
        return True


def command_classes(release: Release, description: Description) -> dict[str, Any]:
    """The ``cmdclass`` for ``setup()``: the commands bound to one release description."""
    # The .dist-info files recording what was verified (evidence.py), from the fetch that put
    # the binary in: build_py's, or the child's taken by write_wheelfile.
    recorded: dict[str, bytes] = {}
    to_stderr()  # the build's log lines, which pip shows with -v
    return {
        "sdist": _sdist_command(description),
        "build_py": _build_py_command(release, description, recorded),
        "bdist_wheel": _bdist_wheel_command(release, recorded),
    }


def _sdist_command(description: Description) -> type[sdist]:
    """``sdist``, which puts the parsed ``description`` in the source tree it packs."""

    class SdistWithDescription(sdist):
        def make_release_tree(self, base_dir: str, files: list[str]) -> None:
            super().make_release_tree(base_dir, files)
            # As PKG-INFO: the sdist carries the description already parsed, with the origin of
            # the checkout it was built from, so its build needs neither PyYAML nor git.
            where = Path(base_dir, _PACKAGE_SOURCE, RECORD_NAME)
            _stop_on_error(lambda: record(description, where))

    return SdistWithDescription


def _build_py_command(
    release: Release, description: Description, recorded: dict[str, bytes]
) -> type[build_py]:
    """``build_py``, which puts the description and (unless a child fetches it) the verified
    binary in the package, adding the binary's record to ``recorded``."""

    class BuildPyWithBinary(build_py):
        def run(self) -> None:
            super().run()
            package_dir = Path(self.build_lib, release.import_name)
            package_dir.mkdir(parents=True, exist_ok=True)
            # The description travels inside the package, for the commands at runtime.
            _stop_on_error(lambda: record(description, package_dir / RECORD_NAME))
            bin_dir = package_dir / "bin"
            shutil.rmtree(bin_dir, ignore_errors=True)  # never ship a binary of an earlier build
            if not prefetching():  # else the wheel takes the child's binary last (below)
                recorded.update(_put_binary(release, bin_dir))

    return BuildPyWithBinary


def _bdist_wheel_command(release: Release, recorded: dict[str, bytes]) -> type[bdist_wheel]:
    """``bdist_wheel``: a platform wheel tagged from its binary (taken from the child last,
    when one fetched it), its ``.dist-info`` holding ``recorded``."""

    class PlatformWheel(bdist_wheel):
        def initialize_options(self) -> None:
            super().initialize_options()
            # A wheel built from the sdist is installed where it was built and never crosses a
            # network: compressing a large binary only to decompress it again wastes seconds.
            # (The published platform wheels, made by wheels.py, stay compressed.)
            self.compression = "stored"

        platform_tag: str | None = None

        def get_tag(self) -> tuple[str, str, str]:
            # First asked once everything is in the wheel's tree, just before its name is made:
            # the tag is what the binary is, so the binary must be there by now.
            if self.platform_tag is None:
                target = _stop_on_error(lambda: release.check_target(current_target()))
                installed = self.get_finalized_command("install_lib").install_dir
                package = Path(installed, release.import_name)
                if prefetching():
                    # The last step before the wheel is zipped: everything else was built and
                    # installed into its tree meanwhile, while the child fetched the binary.
                    if not (package / "__init__.py").is_file():
                        _unknown_bdist_wheel()
                    recorded.update(_put_binary(release, package / "bin"))
                self.platform_tag = _binary_tag(release, target, package / "bin")
            return "py3", "none", self.platform_tag

        def write_wheelfile(self, wheelfile_base: str, *args: Any, **kwargs: Any) -> None:
            super().write_wheelfile(wheelfile_base, *args, **kwargs)
            # Into the .dist-info, which setuptools lists in RECORD as it zips the wheel; the
            # binary, and so its record, is in by now (get_tag, or build_py).
            write = functools.partial(write_dist_info, Path(wheelfile_base), recorded)
            _stop_on_error(write, "Nothing was installed.")

        def run(self) -> None:
            super().run()
            if prefetching():  # get_tag was never called: the binary is not in it
                _unknown_bdist_wheel()

    return PlatformWheel


def _unknown_bdist_wheel() -> NoReturn:
    # Fail closed: setuptools no longer builds the wheel's tree where the binary is put in.
    raise SystemExit(
        "error: the wheel would be made without the binary: this version of setuptools builds "
        "wheels in a way this package does not know. Report it, with the output of "
        "pip install -v, which names setuptools' version.\nNothing was installed."
    )


def _binary_tag(release: Release, target: Target, bin_dir: Path) -> str:
    """The wheel tag of the binary in ``bin_dir``, from what it is; a binary that is not one
    for ``target`` stops the build (:func:`executables.binary_wheel_tag`)."""
    from . import __version__

    def tag() -> str:
        version_tag = tag_for(__version__)
        plan = release.plan(version_tag, target, os.environ)
        binary = bin_dir / plan.binary_name
        # An armv7l machine served by GOARM 6: its wheel must carry an armv7l tag too.
        armv7l = release.armv7l_from(target)
        return binary_wheel_tag(binary, target, plan.archive_name, armv7l=armv7l)

    return _stop_on_error(tag, "Nothing was installed.")


def _put_binary(release: Release, bin_dir: Path) -> Mapping[str, bytes]:
    """Put the verified binary into ``bin_dir``; the ``.dist-info`` files that record how."""
    # Library messages say what failed; only the install knows that nothing was installed.
    fetched = _stop_on_error(lambda: binary_into(release, bin_dir), "Nothing was installed.")
    return fetched.dist_info


def long_description(release: Release) -> str:
    """The distribution's description (PyPI's project page), written from the release
    description, so that a wrapped CLI's metadata names that CLI and nothing else."""
    command = release.command_name
    source = f" from [its releases]({release.releases_page})" if release.homepage else ""
    return (
        f"# {release.project_name}\n\n"
        f"`pip install {release.project_name}` gives you the `{command}` command-line tool: the "
        f"Go binary published with GoReleaser{source}, for Linux, macOS and Windows. Its "
        "platform wheels carry the verified binary; on other platforms the sdist fetches the "
        "release archive, verifies it against the release's checksums (and signatures, where "
        f"configured) and extracts it. `{command} ARGS` runs the binary exactly as if it had "
        f"been called directly; `python -m {release.import_name}` does the same.\n\n"
        f"Settings are environment variables prefixed `{release.env_prefix}` (for example "
        f"`{release.env_prefix}RELEASE_URL` for a mirror and `{release.env_prefix}OFFLINE=1`); "
        f"`python -m {release.import_name}.bootstrap --help` lists the maintainer's commands.\n"
    )


def _stop_on_error(step: Callable[[], _T], outcome: str = "") -> _T:
    try:
        return step()
    except BootstrapError as exc:
        # SystemExit carries the message to pip's output; a traceback would bury it.
        raise SystemExit(f"error: {exc}" + (f"\n{outcome}" if outcome else "")) from None


def load() -> tuple[Release, Description]:
    """This package's release description (recorded, or the checkout's goreleaser.yaml) and
    the :class:`Release` it describes, for setup.py."""
    description = _stop_on_error(read_description)
    return _stop_on_error(lambda: description.release()), description
