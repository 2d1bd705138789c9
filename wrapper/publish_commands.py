"""What the publishing ``bootstrap`` commands do: ``wheels`` and ``sdist``.

``wheels`` makes the platform wheels of a release: this package's own (from its release, or
GoReleaser's ``dist/`` before publishing), or another GoReleaser project's (``--config``, or the
``config.yaml`` of its ``dist/``), whose package content :mod:`publish` makes. ``sdist`` writes
that project's source distribution, which holds no binary: its install verifies as every
install does. ``wheels`` verifies what it reads as every install does.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__
from .commands import chosen_targets, command_sources, release_tag
from .errors import ConfigError

if TYPE_CHECKING:
    from .description import Description
    from .dist import GoReleaserDist
    from .project import ProjectInfo
    from .release import Release
    from .signatures import PublicKey
    from .sources import Sources
    from .wheels import WheelContent

__all__ = ["sdist", "wheels"]


def wheels(args: argparse.Namespace) -> int:
    """``wheels``: one verified platform wheel per target into ``--out``, all or none; prints
    each wheel's path."""
    import tempfile

    from .wheels import build_wheels

    # The release named by --from, verified as every install is (pins, checksums, signatures),
    # read from there alone: never the cache, never a stray <PREFIX>ARCHIVE. With --config or a
    # GoReleaser dist/, the release and the package's content are the project's (_publishing).
    release, tag, sources, content = _publishing(args)
    with sources:
        targets = chosen_targets(args, release) if args.platform else list(release.targets)
        with tempfile.TemporaryDirectory() as work:
            made = build_wheels(
                release,
                tag,
                targets,
                sources,
                Path(args.out),
                Path(work),
                environ=os.environ,
                content=content,
            )
    for wheel in made:
        print(wheel)
    return 0


def _publishing(args: argparse.Namespace) -> tuple[Release, str, Sources, WheelContent | None]:
    """The release ``wheels`` reads, its tag, sources and the wheels' content (None: this
    installed package's own). ``--from`` a GoReleaser ``dist/`` reads it through its
    ``artifacts.json`` (:mod:`dist`); ``--config`` (or a ``dist/``'s ``config.yaml``) names
    another project, whose content is made from this package (:mod:`publish`), verified with
    its ``--key`` and never with this package's pins."""
    import dataclasses

    from .dist import DistLocation, is_dist
    from .sources import ReleaseLocation

    dist, config = _dist_config(args, is_dist(args.source))
    own = args.own_release
    if dist is not None and args.config is None and own and dist.project_name == own.project_name:
        return _own_dist(args, dist)
    if config is None:
        return (*command_sources(args, where=args.source, direct=True), None)
    release, description, tag, info = _project(args, config, dist.tag if dist else None)
    args.own_release = release  # _context's release: the project's, for its settings' prefix
    _, _, sources = command_sources(args, where=args.source, direct=True)
    key = _project_key(args)
    verification = dataclasses.replace(sources.verification, key=key)
    sources = dataclasses.replace(
        sources,
        location=ReleaseLocation(str(dist.directory), DistLocation(dist))
        if dist
        else sources.location,
        pins=None,
        verification=verification,
    )
    return release, tag, sources, _project_content(args, release, description, tag, info)


def _own_dist(
    args: argparse.Namespace, dist: GoReleaserDist
) -> tuple[Release, str, Sources, WheelContent | None]:
    """``wheels --from`` this package's own ``dist/``: the wheels are this installed package
    (its pins included, and checked) with the binaries read from ``dist/``, for the installed
    version's tag only."""
    import dataclasses

    from .dist import DistLocation
    from .sources import ReleaseLocation

    release, tag, sources = command_sources(args, where=args.source, direct=True)
    if dist.tag != tag:
        sources.close()
        raise ConfigError(
            f"{dist.directory} is GoReleaser's build of {dist.tag}, and this package is "
            f"{release.project_name} {__version__} ({tag}); install the package of {dist.tag} "
            "to make its wheels"
        )
    location = ReleaseLocation(str(dist.directory), DistLocation(dist))
    return release, tag, dataclasses.replace(sources, location=location), None


def _dist_config(
    args: argparse.Namespace, from_dist: bool
) -> tuple[GoReleaserDist | None, str | None]:
    """GoReleaser's ``dist/`` that ``--from`` names (when ``from_dist``), and the configuration
    to use: ``--config``, else that ``dist/``'s ``config.yaml``, else None."""
    from .dist import CONFIG_NAME, read_dist

    dist = read_dist(Path(args.source)) if from_dist else None
    return dist, args.config or (str(dist.directory / CONFIG_NAME) if dist else None)


def _project(
    args: argparse.Namespace, config: str, dist_tag: str | None
) -> tuple[Release, Description, str, ProjectInfo]:
    """Another project's release, description, tag (``--version`` or the dist's) and info."""
    from .description import read_description
    from .project import ProjectInfo

    description = read_description(config)
    release = description.release()
    if args.version is None and dist_tag is None:
        raise ConfigError(
            f"which release of {release.project_name}? give --version V (or --tag vV), or "
            "--from the dist/ directory GoReleaser wrote"
        )
    tag = release_tag(args.version) if args.version is not None else str(dist_tag)
    return release, description, tag, ProjectInfo(args.summary, args.license)


def _project_key(args: argparse.Namespace) -> PublicKey | None:
    from .signatures import load_public_key

    if args.key is None:
        return None
    key = load_public_key(Path(args.key))
    if key is None:
        raise ConfigError(f"--key {args.key}: no such file")
    return key


def _project_content(
    args: argparse.Namespace,
    release: Release,
    description: Description,
    tag: str,
    info: ProjectInfo,
) -> WheelContent:
    from .publish import project_content
    from .versions import version_for_tag

    content = project_content(release, description, version_for_tag(tag), info)
    if args.key is not None:  # installs from the sdist verify with the project's key too
        from .signatures import KEY_NAME

        key_path = f"{release.import_name}/{KEY_NAME}"
        content.package[key_path] = Path(args.key).read_bytes()
    return content


def sdist(args: argparse.Namespace) -> int:
    """``sdist``: another project's source distribution into ``--out``; prints its path."""
    from .publish import write_sdist

    dist, config = _dist_config(args, args.source is not None)
    if config is None:
        raise ConfigError(
            "sdist needs the project's configuration: give --config FILE or --from DIST"
        )
    release, description, tag, info = _project(args, config, dist.tag if dist else None)
    content = _project_content(args, release, description, tag, info)
    print(write_sdist(content, Path(args.out)))
    return 0
