"""The distribution's metadata that a GoReleaser configuration does not hold: summary, license.

Names (distribution, import package, command) and the home page come from the release
description (:class:`release.Release`); what GoReleaser has no field for is given on the
``wheels``/``sdist`` command line when another project is published, and recorded beside the
package's source as ``project.json`` (``{"summary": str|null, "license": str|null}``), which
setup.py reads when it builds that project's sdist. Without the record, the defaults below.
Standard library only: setup.py imports it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .errors import ConfigError
from .untrusted import load_object

__all__ = [
    "BOOTSTRAP_REQUIREMENTS",
    "PROJECT_NAME",
    "REQUIRES_PYTHON",
    "ProjectInfo",
    "extras",
    "read_project",
]

PROJECT_NAME = "project.json"
DEFAULT_LICENSE = "Apache-2.0"  # this wrapper's own license, the default for its own package

REQUIRES_PYTHON = ">=3.9"
# The ``bootstrap`` extra: what the maintainer's commands need (setuptools: ``sdist`` writes
# the project's description with the build hook's own text).
BOOTSTRAP_REQUIREMENTS = (
    "httpx[socks]>=0.27",
    "packaging>=23",
    "PyYAML>=6",
    "cryptography>=42",
    "setuptools>=70.1",
)

_HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class ProjectInfo:
    """What METADATA says beyond the release description's names."""

    summary: str | None = None  # None: "The <project> command-line tool, installed with pip"
    license: str | None = None  # an SPDX expression; None: DEFAULT_LICENSE

    def summary_for(self, project_name: str) -> str:
        """The one-line summary, defaulting to one made from the project's name."""
        return self.summary or f"The {project_name} command-line tool, installed with pip"

    @property
    def license_expression(self) -> str:
        """The license, defaulting to :data:`DEFAULT_LICENSE`."""
        return self.license or DEFAULT_LICENSE

    def to_json(self) -> bytes:
        """The ``project.json`` record of this information."""
        text = json.dumps({"summary": self.summary, "license": self.license}, indent=2)
        return (text + "\n").encode()


def read_project(path: Path | None = None) -> ProjectInfo:
    """The ``project.json`` at ``path`` (default: beside this module), or the defaults when it
    is absent. Raises :class:`ConfigError` for a record that cannot be read."""
    path = path or _HERE / PROJECT_NAME
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return ProjectInfo()
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from exc
    data = load_object(raw, str(path), "a project record", ConfigError, limit=1 << 16)
    return ProjectInfo(
        data.member("summary", str, optional=True), data.member("license", str, optional=True)
    )


def extras() -> dict[str, list[str]]:
    """The distribution's extras: ``bootstrap`` and the keyless verification's."""
    from .keyless import EXTRA, REQUIREMENTS

    return {"bootstrap": list(BOOTSTRAP_REQUIREMENTS), EXTRA: list(REQUIREMENTS)}
