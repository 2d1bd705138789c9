"""The build backend: setuptools' own, plus sigstore-python when the verify policy needs it.

pip builds the sdist in an isolated environment that holds only pyproject.toml's requirements,
so a user who sets ``CEREBRIUM_VERIFY=signature`` for a release signed keyless would meet
"sigstore-python is not installed" with no way to add it. PEP 517's
``get_requires_for_build_wheel`` is the hook for requirements that depend on the build: it adds
sigstore exactly when the policy asks for a proof only sigstore can check. Every other hook is
setuptools' own. pyproject.toml names this module with ``backend-path = ["wrapper"]``.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType

from setuptools import build_meta as _setuptools
from setuptools.build_meta import (
    build_editable,
    build_sdist,
    build_wheel,
    get_requires_for_build_editable,
    get_requires_for_build_sdist,
    prepare_metadata_for_build_editable,
    prepare_metadata_for_build_wheel,
)

__all__ = [
    "build_editable",
    "build_sdist",
    "build_wheel",
    "get_requires_for_build_editable",
    "get_requires_for_build_sdist",
    "get_requires_for_build_wheel",
    "import_wrapper",
    "prepare_metadata_for_build_editable",
    "prepare_metadata_for_build_wheel",
]

ConfigSettings = Mapping[str, "str | list[str] | None"]

_SOURCE = Path(__file__).resolve().parent  # wrapper/, the package's source folder


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


def get_requires_for_build_wheel(config_settings: ConfigSettings | None = None) -> list[str]:
    build = importlib.import_module(f"{import_wrapper().__name__}.build")
    extra: list[str] = build.verification_requirements()
    return [*_setuptools.get_requires_for_build_wheel(config_settings), *extra]
