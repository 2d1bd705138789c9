"""The build backend: setuptools' own, with the requirements this build needs and no more.

pip builds the sdist in an isolated environment holding pyproject.toml's static requirements
(setuptools, wheel, httpx, packaging: what every build needs), then asks PEP 517's
``get_requires_for_build_wheel`` for the rest, which depends on the build (``build.py``'s
:func:`wheel_requirements`): PyYAML only in a checkout (an sdist carries its release description
already parsed), cryptography only when a release key is pinned, zstandard only for a ``tar.zst``
archive, sigstore only when the verify policy needs it. ``get_requires_for_build_sdist`` adds
PyYAML, which reads ``goreleaser.yaml`` into the sdist's record.

Without build isolation (``pip install --no-build-isolation``) nobody installs them: each build
hook first checks that they are installed and, if not, stops with one message naming them all,
rather than with the ``ModuleNotFoundError`` of the first import that fails. This module
therefore imports setuptools only after that check. pyproject.toml names it with
``backend-path = ["wrapper"]``.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from importlib import metadata
from pathlib import Path
from types import ModuleType

__all__ = [
    "STATIC_REQUIREMENTS",
    "build_editable",
    "build_sdist",
    "build_wheel",
    "get_requires_for_build_editable",
    "get_requires_for_build_sdist",
    "get_requires_for_build_wheel",
    "import_wrapper",
    "missing",
    "prepare_metadata_for_build_editable",
    "prepare_metadata_for_build_wheel",
]

ConfigSettings = Mapping[str, "str | list[str] | None"]

# pyproject.toml's [build-system] requires (a test keeps the two equal).
STATIC_REQUIREMENTS = ("setuptools>=70.1", "wheel", "httpx>=0.27", "packaging>=23")

_SOURCE = Path(__file__).resolve().parent  # wrapper/, the package's source folder
_REQUIREMENT = re.compile(r"([A-Za-z0-9][A-Za-z0-9._-]*)(?:>=([0-9]+(?:\.[0-9]+)*))?")


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
    """setuptools' backend, once everything this build needs is known to be installed.

    ``extra`` gives the build-dependent requirements from the wrapper's ``build`` module, which
    is imported only after the static ones (which it imports) are found.
    """
    problems = missing(STATIC_REQUIREMENTS)
    if not problems:
        problems = missing(extra(importlib.import_module(f"{import_wrapper().__name__}.build")))
    if problems:
        names = " ".join(f"'{p.split(' ', 1)[0]}'" for p in problems)
        raise SystemExit(
            "error: this build needs packages that are not installed in its environment: "
            f"{', '.join(problems)}. pip installs them itself unless build isolation is off; "
            f"with --no-build-isolation, install them first: python -m pip install {names}"
        )
    from setuptools import build_meta

    return build_meta


def _wheel(build: ModuleType) -> list[str]:
    extra: list[str] = build.wheel_requirements()
    return extra


def _sdist(build: ModuleType) -> list[str]:
    extra: list[str] = build.sdist_requirements()
    return extra


def get_requires_for_build_wheel(config_settings: ConfigSettings | None = None) -> list[str]:
    # Called in the isolated environment once the static requirements are in it.
    from setuptools import build_meta

    build = importlib.import_module(f"{import_wrapper().__name__}.build")
    return [*build_meta.get_requires_for_build_wheel(config_settings), *_wheel(build)]


def get_requires_for_build_editable(config_settings: ConfigSettings | None = None) -> list[str]:
    from setuptools import build_meta

    build = importlib.import_module(f"{import_wrapper().__name__}.build")
    return [*build_meta.get_requires_for_build_editable(config_settings), *_wheel(build)]


def get_requires_for_build_sdist(config_settings: ConfigSettings | None = None) -> list[str]:
    from setuptools import build_meta

    build = importlib.import_module(f"{import_wrapper().__name__}.build")
    return [*build_meta.get_requires_for_build_sdist(config_settings), *_sdist(build)]


def prepare_metadata_for_build_wheel(
    metadata_directory: str, config_settings: ConfigSettings | None = None
) -> str:
    backend = _setuptools(_wheel)
    return str(backend.prepare_metadata_for_build_wheel(metadata_directory, config_settings))


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
    backend = _setuptools(_wheel)
    return str(backend.build_wheel(wheel_directory, config_settings, metadata_directory))


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
