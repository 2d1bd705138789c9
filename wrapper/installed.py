"""This package's own installed distribution, found by the name the release description gives.

``bootstrap wheels`` copies it into each wheel, and ``bootstrap verify --installed`` reads the
record of what was verified from its ``.dist-info``. The distribution is the one whose files
hold this very module, not an ``.egg-info`` of a source checkout that happens to sit on
``sys.path`` under the same name.
"""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

from .errors import BootstrapError
from .release import Release

__all__ = ["own_distribution"]


def own_distribution(release: Release, needed_by: str) -> metadata.Distribution:
    """The installed distribution named ``release.project_name`` that holds this package.

    Raises :class:`BootstrapError` saying that ``needed_by`` (``"'wheels' makes wheels from
    the installed package"``) needs it installed, when it is not.
    """
    here = Path(__file__).resolve().parent
    for dist in metadata.distributions(name=release.project_name):
        if Path(str(dist.locate_file(release.import_name))).resolve() == here:
            return dist
    raise BootstrapError(
        f"the {release.project_name} distribution is not installed here; {needed_by}: "
        "pip install the package first"
    )
