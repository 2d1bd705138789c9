"""The build backend: setuptools' own, with the requirements this build needs and no more.

pip builds the sdist in an isolated environment holding pyproject.toml's static requirements
(setuptools, wheel, httpx, packaging: what every build needs), then asks PEP 517's
``get_requires_for_build_wheel`` for the rest, which depends on the build
(``build_requirements.py``): PyYAML only in a checkout (an sdist carries its release description
already parsed), cryptography only when a release key is pinned, zstandard only for a ``tar.zst``
archive, sigstore only when the verify policy needs it, socksio only for a SOCKS proxy.
``get_requires_for_build_sdist`` adds PyYAML, which reads ``goreleaser.yaml`` into the sdist's
record.

Without build isolation (``pip install --no-build-isolation``) nobody installs them: each build
hook first checks that they are installed and, if not, stops with one message naming them all,
rather than with the ``ModuleNotFoundError`` of the first import that fails. This module
therefore imports setuptools only after that check. ``build_wheel`` starts fetching the binary
in a child process first, so that the download and setuptools' start overlap (``_prefetch.py``).
pyproject.toml names this module with ``backend-path = ["wrapper"]``.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import ModuleType

__all__ = [
    "STATIC_IMPORTS",
    "STATIC_REQUIREMENTS",
    "build_editable",
    "build_sdist",
    "build_wheel",
    "get_requires_for_build_editable",
    "get_requires_for_build_sdist",
    "get_requires_for_build_wheel",
    "import_wrapper",
    "metadata_from_pkg_info",
    "missing",
    "prepare_metadata_for_build_editable",
    "prepare_metadata_for_build_wheel",
]

ConfigSettings = Mapping[str, "str | list[str] | None"]

# pyproject.toml's [build-system] requires (a test keeps the two equal).
STATIC_REQUIREMENTS = ("setuptools>=70.1", "wheel", "httpx>=0.27", "packaging>=23")
# The modules they install, by the same names.
STATIC_IMPORTS = ("setuptools", "wheel", "httpx", "packaging")

_SOURCE = Path(__file__).resolve().parent  # wrapper/, the package's source folder
# ``name``, ``name[extra]`` or ``name[extra]>=X.Y``: the forms this backend writes. An extra's
# own packages are not checked; the code that needs them says so when they are missing.
_REQUIREMENT = re.compile(
    r"([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[a-z0-9,]+\])?(?:>=([0-9]+(?:\.[0-9]+)*))?"
)


def import_wrapper() -> ModuleType:
    """The package's source, imported under a private name.

    The installed name is derived from goreleaser.yaml, which this import is needed to read,
    so setup.py and this backend import it as ``_wrapper_at_build_time``.
    """
    name = "_wrapper_at_build_time"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(
        name, _SOURCE / "__init__.py", submodule_search_locations=[str(_SOURCE)]
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def missing(requirements: Sequence[str]) -> list[str]:
    """Those of ``requirements`` (``name`` or ``name>=X.Y``) not installed here, each with why.

    Read from the installed distributions' metadata, so nothing is imported. Only the ``>=``
    form this backend writes is understood: packaging, which parses the rest, may be missing.
    """
    from importlib import metadata

    problems = []
    for requirement in requirements:
        match = _REQUIREMENT.fullmatch(requirement)
        assert match is not None, requirement
        name, minimum = match.groups()
        try:
            version = metadata.version(name)
        except metadata.PackageNotFoundError:
            problems.append(f"{requirement} (not installed)")
            continue
        if minimum and _release(version) < _release(minimum):
            problems.append(f"{requirement} ({name} {version} is installed)")
    return problems


def _release(version: str) -> tuple[int, ...]:
    # The release segment of a PEP 440 version, "70.1.0rc1" -> (70, 1, 0): enough for ">=".
    return tuple(int(part) for part in re.findall(r"[0-9]+", version.split("+")[0])[:3])


def _setuptools(extra: Callable[[ModuleType], list[str]]) -> ModuleType:
    """setuptools' backend, once everything this build needs is known to be installed."""
    _require(STATIC_REQUIREMENTS)  # the wrapper's modules import packaging, so they come first
    _require(_requirements(extra))
    from setuptools import build_meta

    return build_meta


def _require(requirements: Sequence[str]) -> None:
    """SystemExit naming those of ``requirements`` that are not installed, and how to fix it."""
    problems = missing(requirements)
    if problems:
        names = " ".join(f"'{p.split(' ', 1)[0]}'" for p in problems)
        raise SystemExit(
            "error: this build needs packages that are not installed in its environment: "
            f"{', '.join(problems)}. pip installs them itself unless build isolation is off; "
            f"with --no-build-isolation, install them first: python -m pip install {names}"
        )


def _requirements(which: Callable[[ModuleType], list[str]]) -> list[str]:
    """The build-dependent requirements, or SystemExit with the message (no traceback)."""
    package = import_wrapper().__name__
    errors = importlib.import_module(f"{package}.errors")
    try:
        return which(importlib.import_module(f"{package}.build_requirements"))
    except errors.BootstrapError as exc:
        raise SystemExit(f"error: {exc}") from None


def _wheel(requirements: ModuleType) -> list[str]:
    needs: list[str] = requirements.wheel_requirements()
    return needs


def _sdist(requirements: ModuleType) -> list[str]:
    needs: list[str] = requirements.sdist_requirements()
    return needs


# The get_requires hooks run in a process of their own before each build: they import neither
# setuptools nor httpx, and do not ask setuptools, whose answer is setup.py's setup_requires
# (this setup.py has none) and costs a run of setup.py.


def get_requires_for_build_wheel(config_settings: ConfigSettings | None = None) -> list[str]:
    return _requirements(_wheel)


def get_requires_for_build_editable(config_settings: ConfigSettings | None = None) -> list[str]:
    return _requirements(_wheel)


def get_requires_for_build_sdist(config_settings: ConfigSettings | None = None) -> list[str]:
    return _requirements(_sdist)


def prepare_metadata_for_build_wheel(
    metadata_directory: str, config_settings: ConfigSettings | None = None
) -> str:
    from_sdist = metadata_from_pkg_info(_SOURCE.parent / "PKG-INFO", Path(metadata_directory))
    if from_sdist is not None:
        return from_sdist
    backend = _setuptools(_wheel)
    return str(backend.prepare_metadata_for_build_wheel(metadata_directory, config_settings))


def metadata_from_pkg_info(pkg_info: Path, metadata_directory: Path) -> str | None:
    """The wheel's ``.dist-info`` from an sdist's PKG-INFO, or None outside an sdist.

    PKG-INFO is the core metadata the wheel will carry (setuptools writes both from the same
    ``setup()``; core metadata spec, "Source distribution format"), so pip gets it without a
    run of setup.py in a process importing setuptools. METADATA is all PEP 517 asks of this
    hook; the wheel brings the rest. A PKG-INFO naming license files, which the ``.dist-info``
    would have to hold too (PEP 639), is left to setuptools.
    """
    from email.parser import BytesParser

    try:
        data = pkg_info.read_bytes()
    except OSError:
        return None  # a checkout
    fields = BytesParser().parsebytes(data, headersonly=True)
    name, version = fields.get("Name"), fields.get("Version")
    if not (name and version and fields.get("Metadata-Version")) or "License-File" in fields:
        return None
    # The .dist-info name of the binary distribution format specification.
    dist_info = f"{re.sub(r'[-_.]+', '_', name).lower()}-{version}.dist-info"
    (metadata_directory / dist_info).mkdir(parents=True, exist_ok=True)
    (metadata_directory / dist_info / "METADATA").write_bytes(data)
    return dist_info


def prepare_metadata_for_build_editable(
    metadata_directory: str, config_settings: ConfigSettings | None = None
) -> str:
    backend = _setuptools(_wheel)
    return str(backend.prepare_metadata_for_build_editable(metadata_directory, config_settings))


def build_wheel(
    wheel_directory: str,
    config_settings: ConfigSettings | None = None,
    metadata_directory: str | None = None,
) -> str:
    # A child process fetches the binary from here on, while this one checks the requirements,
    # imports setuptools and builds the wheel's tree; the binary is taken last (_prefetch.py).
    prefetch = importlib.import_module(f"{import_wrapper().__name__}._prefetch")
    prefetch.begin(_SOURCE)
    try:
        _require(STATIC_REQUIREMENTS)  # the wrapper's modules import packaging: first these
        _require(_requirements(_wheel))
        from setuptools import build_meta as backend

        # setuptools would pack the prepared .dist-info as it is, and the one made from PKG-INFO
        # holds METADATA alone (no entry points, so no command): let setuptools make its own.
        return str(backend.build_wheel(wheel_directory, config_settings, None))
    finally:
        prefetch.end()


def build_editable(
    wheel_directory: str,
    config_settings: ConfigSettings | None = None,
    metadata_directory: str | None = None,
) -> str:
    backend = _setuptools(_wheel)
    return str(backend.build_editable(wheel_directory, config_settings, metadata_directory))


def build_sdist(sdist_directory: str, config_settings: ConfigSettings | None = None) -> str:
    backend = _setuptools(_sdist)
    return str(backend.build_sdist(sdist_directory, config_settings))
