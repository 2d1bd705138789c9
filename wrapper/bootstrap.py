"""``python -m mycli_cli.bootstrap``: commands for the people who release and install the CLI.

Each command prints its result on stdout and exits 0, or prints one ``error:`` paragraph on
stderr and exits 1 (2 for a usage error, as argparse does). They need the ``bootstrap`` extra
(httpx, packaging, PyYAML); the ``mycli`` command itself needs none of it.
"""

from __future__ import annotations

import argparse
import functools
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__, package_stem
from ._atomic import atomic_copy, atomic_write
from ._logging import to_stderr
from .errors import (
    AssetNotFoundError,
    BootstrapError,
    ConfigError,
    DownloadError,
    OfflineError,
    UnsupportedPlatformError,
)

if TYPE_CHECKING:
    from typing import TypeAlias

    from .description import Description
    from .dist import GoReleaserDist
    from .fetch import VerifiedChecksums
    from .locations import Location
    from .platforms import Target
    from .project import ProjectInfo
    from .release import Release
    from .settings import Settings
    from .signatures import PublicKey
    from .sources import Sources
    from .verification import Verification
    from .wheels import WheelContent

    _Commands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"

__all__ = ["main"]

_logger = logging.getLogger(__name__)


def _tag(value: str) -> str:
    """Accept a package version (``2.1.0b1``) or a release tag (``v2.1.0-beta.1``)."""
    from .versions import tag_for, version_for_tag

    if value.startswith("v"):
        version_for_tag(value)  # validates the tag
        return value
    return tag_for(value)


def _names(args: argparse.Namespace) -> int:
    from .description import load_release

    release = load_release(args.config)
    tag = _tag(args.version)
    archives = [release.archive_name(target, tag) for target in release.targets]
    for target, archive in zip(release.targets, archives):
        print(f"{target} {archive}")
    sboms: list[str] = []  # without an sboms block, none: the conventional names are looked for
    if release.sboms is not None:
        sboms = [name for target in release.targets for name in release.sbom_names(target, tag)]
    # With checksum.split, each archive and each SBOM has its own checksum file.
    checksums = dict.fromkeys(release.checksum_name(tag, asset) for asset in [*archives, *sboms])
    for name in checksums:
        print(f"checksums {name}")
    # The files the signs block adds on each checksums file; without one, none.
    for name in checksums if release.signs is not None else ():
        for signature, certificate in release.checksum_signatures(tag, name):
            print(f"signature {signature}")
            if certificate:
                print(f"certificate {certificate}")
    for sbom in sboms:
        print(f"sbom {sbom}")
    return 0


def _context(args: argparse.Namespace) -> tuple[Release, str, Settings]:
    """This package's release description, release tag and environment settings."""
    from ._process import prepare_downloads
    from .description import load_release
    from .settings import Settings
    from .versions import tag_for

    prepare_downloads()  # this process is ours: quiet httpx's log, skip its CLI's imports
    # Read once by main() for the command line; read again only to raise why it could not be.
    release: Release = args.own_release or load_release()
    return release, tag_for(__version__), Settings.from_environ(release)


def _sources(
    args: argparse.Namespace, *, where: str | None = None, direct: bool = False
) -> tuple[Release, str, Sources]:
    """The release, its tag and the command's sources (a context manager: close it)."""
    from .sources import Sources

    release, tag, settings = _context(args)
    # A progress line only for a person at a terminal, and not with --quiet.
    show = not args.quiet and sys.stderr.isatty()
    sources = Sources.from_settings(
        release,
        tag,
        settings,
        show_progress=show,
        where=where,
        direct=direct,
        environ=os.environ,
    )
    return release, tag, sources


def _targets(args: argparse.Namespace, release: Release) -> list[Target]:
    from .platforms import current_target, parse_target

    if getattr(args, "all", False):
        return list(release.targets)
    named = [parse_target(text) for text in (args.platform or [])]
    # Checked here, not by argparse: the release is known only now (wheels --config FILE).
    unknown = [str(t) for t in named if t not in release.targets]
    if unknown:
        targets = [str(t) for t in release.targets]
        six = parse_target("linux/armv6")
        armv7l = "linux/armv7" in unknown and release.armv7l_from(six)
        raise UnsupportedPlatformError(
            f"--platform {', '.join(unknown)}: {release.project_name} builds no such target; "
            f"its targets are {', '.join(targets)}"
            + (f" ({six}'s wheel is tagged for armv7l machines too)" if armv7l else ""),
            target=", ".join(unknown),
            supported=targets,
        )
    return [release.check_target(t) for t in named or [current_target()]]


def _fetch(args: argparse.Namespace) -> int:
    from .fetch import fetch_binary

    release, tag, sources = _sources(args)
    with sources:
        (target,) = _targets(args, release)  # --platform is accepted once (_OncePlatform)
        binary = fetch_binary(
            release,
            target,
            tag,
            Path(args.dest),
            sources=sources,
            environ=os.environ,
        )
    print(binary)
    return 0


def _mirror(args: argparse.Namespace) -> int:
    from .fetch import Install, ReleaseChecksums, verified_archives

    # The release location itself, never the cache: a mirror copies what is published.
    release, tag, sources = _sources(args, direct=True)
    with sources:
        reader = sources.reader
        if reader is None:
            raise OfflineError("mirror needs the release location, and offline mode is set")
        dest = Path(args.dest)
        dest.mkdir(parents=True, exist_ok=True)
        book = ReleaseChecksums()
        signatures: dict[str, tuple[tuple[str, str], ...]] = {}
        targets = _targets(args, release)
        installs = Install.each(release, tag, targets, sources, environ=os.environ)
        for install, archive in verified_archives(installs, book):
            name, checksums = install.plan.archive_name, archive.checksums
            if checksums.raw is None:  # the pins vouched; the location lacks the file
                raise DownloadError(
                    f"{reader.describe(checksums.name)} could not be read, and a mirror "
                    "without it serves only packages that carry pinned checksums; nothing was "
                    "copied for it"
                )
            atomic_copy(archive.file, dest / name)
            print(dest / name)
            signatures[checksums.name] = install.plan.archive.signatures
        # The checksums files as verified (not read again), and their signatures, so the
        # mirror is verifiable as the release is.
        for checksums in book.made():
            _mirror_checksums(checksums, signatures[checksums.name], reader, dest)
    return 0


def _mirror_checksums(
    checksums: VerifiedChecksums,
    signs: tuple[tuple[str, str], ...],
    reader: Location,
    dest: Path,
) -> None:
    """Copy a verified checksums file into the mirror ``dest``, with its signature files."""
    from .verification import MAX_SIGNATURE_SIZE

    assert checksums.raw is not None
    atomic_write(dest / checksums.name, checksums.raw)
    print(dest / checksums.name)
    for signature in dict.fromkeys(n for pair in signs for n in pair if n):
        data = checksums.signatures.get(signature)
        if data is None:  # not read by the verification here: copied for later ones
            try:
                data = reader.read(signature, limit=MAX_SIGNATURE_SIZE)
            except AssetNotFoundError:  # not published; any other failure stops
                continue
        atomic_write(dest / signature, data)
        print(dest / signature)


def _pin(args: argparse.Namespace) -> int:
    import dataclasses

    from .fetch import Install, ReleaseChecksums
    from .pins import default_pins_path

    release, tag, sources = _sources(args, where=args.source, direct=True)
    with sources:
        # Pins are made from the release as published, never from earlier pins or a cache.
        unpinned = dataclasses.replace(sources, pins=None)
        book = ReleaseChecksums()
        entries: dict[str, str] = {}
        # Every target: a pin that lacks a platform would break installs there.
        for install in Install.each(release, tag, release.targets, unpinned, environ=os.environ):
            name = install.plan.archive_name
            entries[name] = book.for_install(install).digest_of(name)
    made = book.made()
    for checksums in made:
        # Pins are written only from a checksums file whose signature verified, when it has one.
        how = "signature verified" if checksums.vouched_by == "signature" else None
        _logger.info(
            f"{checksums.name} {how or 'is not signed, or no signature could be checked here'}"
        )
    if len(made) == 1 and made[0].raw is not None:  # the release's own file, byte for byte
        data, count, source = made[0].raw, len(made[0].entries), made[0].source
    else:  # split checksums: one file per archive, pinned together in GoReleaser's format
        data = "".join(f"{entries[n]}  {n}\n" for n in sorted(entries)).encode()
        location = sources.location
        count, source = len(entries), location.where if location else "the release location"
    output = Path(args.output) if args.output else default_pins_path()
    atomic_write(output, data)
    print(f"pinned {count} checksums of {tag} from {source} into {output}")
    return 0


def _verify(args: argparse.Namespace) -> int:
    from .fetch import Install, verified_archives

    if args.installed:
        return _verify_installed(args)

    # What is published, read now: a cached archive proves nothing about the release.
    release, tag, sources = _sources(args, direct=True)
    with sources:
        targets = _targets(args, release)
        installs = Install.each(release, tag, targets, sources, environ=os.environ)
        for install, _ in verified_archives(installs):
            plan = install.plan
            print(f"{plan.target} {plan.archive_name}: verified ({sources.trust})")
    return 0


def _verify_installed(args: argparse.Namespace) -> int:
    """``verify --installed``: the installed binary against the record its wheel carries
    (``evidence.py``), and that record against the pins; offline, nothing downloaded."""
    from .__main__ import find_binary
    from .description import load_release
    from .evidence import check_installed, read_installed_record
    from .installed import own_distribution
    from .versions import tag_for

    release: Release = args.own_release or load_release()
    dist = own_distribution(release, "'verify --installed' checks the installed package")
    reinstall = f"python -m pip install --force-reinstall --no-cache-dir {release.project_name}"
    where, data = read_installed_record(dist)
    try:
        binary = Path(find_binary())
    except SystemExit as exc:  # the shim's own message: where it looked and what it found
        raise BootstrapError(str(exc.code)) from None
    package_dir = Path(str(dist.locate_file(release.import_name)))
    lines = check_installed(
        data, where, binary, package_dir, tag=tag_for(dist.version), reinstall=reinstall
    )
    if not args.quiet:
        print(f"{release.project_name} {dist.version}: {where}")
        print("\n".join(f"  {line}" for line in lines))
    print(f"verified: {binary} is the binary verified when {release.project_name} was installed")
    return 0


def _wheels(args: argparse.Namespace) -> int:
    import tempfile

    from .wheels import build_wheels

    # The release named by --from, verified as every install is (pins, checksums, signatures),
    # read from there alone: never the cache, never a stray <PREFIX>ARCHIVE. With --config or a
    # GoReleaser dist/, the release and the package's content are the project's (_publishing).
    release, tag, sources, content = _publishing(args)
    with sources:
        targets = _targets(args, release) if args.platform else list(release.targets)
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
        return (*_sources(args, where=args.source, direct=True), None)
    release, description, tag, info = _project(args, config, dist.tag if dist else None)
    args.own_release = release  # _context's release: the project's, for its settings' prefix
    _, _, sources = _sources(args, where=args.source, direct=True)
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

    release, tag, sources = _sources(args, where=args.source, direct=True)
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
    tag = _tag(args.version) if args.version is not None else str(dist_tag)
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


def _sdist(args: argparse.Namespace) -> int:
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


def _info(args: argparse.Namespace) -> int:
    from .binding import describe as describe_binding
    from .pins import load_pins
    from .platforms import current_target

    release, tag, settings = _context(args)
    target = current_target()
    lines = [f"version: {__version__} (release tag {tag})", f"target: {target}"]
    target = _info_archive(release, tag, target, lines)
    try:
        location = settings.release_url or release.release_url(tag)
    except ConfigError as exc:  # info reports what an install would refuse, and goes on
        location = f"unknown: {exc}"
    lines.append(f"release location: {location}")
    lines.append(f"offline: {'yes' if settings.offline else 'no'}")
    _info_cache(release, settings, lines)
    verification = _info_verification(args, release, tag, settings, lines)
    installed = _info_binary(lines)
    if verification is not None and target in release.targets:
        pinned = load_pins(algorithm=release.checksum_algorithm) is not None
        lines.append(
            describe_binding(
                release, target, tag, installed, pinned=pinned, verification=verification
            )
        )
    print("\n".join(lines))
    return 0


def _info_archive(release: Release, tag: str, target: Target, lines: list[str]) -> Target:
    """Add ``info``'s archive line; the target the release builds for this machine."""
    try:
        target = release.check_target(target)  # an armv7l machine may take GOARM 6
    except UnsupportedPlatformError:
        lines.append(f"archive: none: {target} is not among {', '.join(map(str, release.targets))}")
    else:
        reason = release.no_wheel(target)
        level = release.level(target)
        if reason is None and level is not None:
            reason = f"built for {level}: this machine must support it, which no wheel tag says"
        archive = release.archive_name(target, tag)
        lines.append(f"archive: {archive}" + (f" ({reason})" if reason else ""))
    return target


def _info_cache(release: Release, settings: Settings, lines: list[str]) -> None:
    """Add ``info``'s cache lines (the folder and what it keeps) and its trust line."""
    from .cache import ArchiveCache, default_cache_dir
    from .pins import default_pins_path, load_pins

    cache_dir = settings.cache_dir or default_cache_dir(release.project_name)
    if cache_dir is None:
        lines.append(
            "cache: none (no home directory; set XDG_CACHE_HOME or "
            f"{release.env_prefix}CACHE_DIR to keep one)"
        )
    else:
        entries = ArchiveCache(cache_dir).entries()
        size = sum(n for _, n in entries)
        lines.append(f"cache: {cache_dir} ({len(entries)} archive(s), {size} bytes)")
        lines.extend(f"  {name}  {n} bytes" for name, n in entries)
    if load_pins(algorithm=release.checksum_algorithm) is not None:
        lines.append(f"trust: pinned ({default_pins_path()})")
    else:
        lines.append("trust: integrity only (this package carries no pinned checksums)")


def _info_verification(
    args: argparse.Namespace, release: Release, tag: str, settings: Settings, lines: list[str]
) -> Verification | None:
    """Add ``info``'s verify policy lines; the policy, or None when an install refuses it."""
    from .locations import location_for
    from .sources import http_session
    from .verification import Verification

    with http_session(release, settings) as session:  # opens no connection
        try:
            verification = Verification.from_settings(
                release, tag, settings, lambda url: location_for(url, session.downloader)
            )
        except ConfigError as exc:  # info reports what an install would refuse, and goes on
            lines.append(f"verify policy: {settings.verify}, which an install here refuses: {exc}")
            return None
    lines.extend(verification.describe())
    return verification


def _info_binary(lines: list[str]) -> Path | None:
    """Add ``info``'s lines on the installed binary and its version; its path, if installed."""
    import subprocess

    from .__main__ import find_binary

    try:
        binary = find_binary()
    except SystemExit as exc:
        lines.append(f"binary: not installed ({exc.code})")
        return None
    lines.append(f"binary: {binary}")
    try:
        run = subprocess.run([binary, "version"], capture_output=True, text=True, timeout=30)
        lines.append(f"binary version: {(run.stdout or run.stderr).strip()}")
    except (OSError, subprocess.TimeoutExpired) as exc:
        lines.append(f"binary version: cannot run it ({exc})")
    return Path(binary)


# --- The command line -------------------------------------------------------------------------
#
# One function per command adds its arguments. Every mistake on the command line is argparse's
# usage error (exit 2): a missing or unknown argument, an option given twice (``_Once``), a
# platform that is not OS/ARCH or not among the release's targets (``_platform``), a version
# with no release tag (``_version``).


def _parser(release: Release | None) -> argparse.ArgumentParser:
    """The ``bootstrap`` command line; help texts name the variables with the release's prefix."""
    prefix = release.env_prefix if release else package_stem().upper() + "_"
    parser = argparse.ArgumentParser(
        prog=f"python -m {__package__}.bootstrap",
        description=(
            "Inspect, fetch and prepare the release this package installs. Settings come from "
            f"the environment ({prefix}RELEASE_URL, {prefix}OFFLINE, {prefix}ARCHIVE, "
            f"{prefix}CACHE_DIR, {prefix}VERIFY, {prefix}SIGSTORE_TRUSTED_ROOT, GITHUB_TOKEN, "
            "GITHUB_API_URL, HTTPS_PROXY, SSL_CERT_FILE): see README."
        ),
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    platform = functools.partial(_platform, release)
    _add_names(commands)
    _add_info(commands)
    _add_fetch(commands, prefix, platform)
    _add_mirror(commands, prefix, platform)
    # wheels --config names another project, whose targets argparse cannot know (_targets).
    _add_wheels(commands, functools.partial(_platform, None))
    _add_sdist(commands)
    _add_verify(commands, prefix, platform)
    _add_pin(commands)
    return parser


def _add_names(commands: _Commands) -> None:
    names = _command(
        commands,
        _names,
        "print every target's archive name and the checksums file name",
        "Print 'OS/ARCH ARCHIVE_NAME' for every target of the release description, then "
        "'checksums CHECKSUM_FILE_NAME': the names the release must publish.",
    )
    names.add_argument(
        "--config",
        metavar="FILE",
        action=_Once,
        help="a GoReleaser configuration (default: the goreleaser.yaml this package carries)",
    )
    names.add_argument(
        "--version",
        metavar="V",
        default=__version__,
        type=_version,
        action=_Once,
        help=f"package version or release tag (default: {__version__})",
    )


def _add_info(commands: _Commands) -> None:
    _command(
        commands,
        _info,
        "show the platform, archive, release location, cache, trust and installed binary",
        "Show what an install here would fetch and from where, what the cache holds, which "
        "trust applies (pinned checksums or integrity only), and the installed binary.",
    )


def _add_fetch(commands: _Commands, prefix: str, platform: Callable[[str], str]) -> None:
    fetch = _command(
        commands,
        _fetch,
        "download, verify and extract one binary into a directory",
        f"Download (or take from the cache, {prefix}ARCHIVE or a local release directory), "
        "verify and extract the binary for one platform into DIR; print its path.",
    )
    fetch.add_argument(
        "--dest", metavar="DIR", required=True, action=_Once, help="where to put the binary"
    )
    _add_platforms(fetch, platform, one=True)


def _add_mirror(commands: _Commands, prefix: str, platform: Callable[[str], str]) -> None:
    mirror = _command(
        commands,
        _mirror,
        "copy verified archives and the checksums file into a directory",
        "Download and verify release archives and the checksums file into DEST, so that a "
        f"machine without network installs with {prefix}RELEASE_URL=DEST {prefix}OFFLINE=1.",
    )
    mirror.add_argument("dest", metavar="DEST", help="the mirror directory")
    _add_platforms(mirror, platform, every=True)


def _add_wheels(commands: _Commands, platform: Callable[[str], str]) -> None:
    wheels = _command(
        commands,
        _wheels,
        "make one platform wheel per release target",
        "Verify each target's archive from the release (pins and checksums apply), extract its "
        "binary and write one reproducible wheel per target into OUT, tagged for that platform.",
    )
    wheels.add_argument(
        "--from",
        dest="source",
        metavar="URL_OR_DIR",
        required=True,
        action=_Once,
        help="the release: its URL, a directory of its files, or GoReleaser's dist/",
    )
    wheels.add_argument(
        "--out", metavar="DIR", required=True, action=_Once, help="where to write the wheels"
    )
    _add_project(wheels, default="a dist/'s config.yaml, else this package's")
    _add_platforms(wheels, platform, default="every target")


def _add_sdist(commands: _Commands) -> None:
    sdist = _command(
        commands,
        _sdist,
        "make another GoReleaser project's sdist from its configuration",
        "Write the sdist of the project --config FILE (or --from DIST_DIR) configures into OUT: "
        "this package's verifying "
        "build hook, under the project's names, with its release description recorded. "
        "pip install of it fetches and verifies the project's binary, as this package does.",
    )
    sdist.add_argument(
        "--from",
        dest="source",
        metavar="DIST_DIR",
        action=_Once,
        help="GoReleaser's dist/: its config.yaml and metadata.json's tag are the defaults",
    )
    sdist.add_argument(
        "--out", metavar="DIR", required=True, action=_Once, help="where to write the sdist"
    )
    _add_project(sdist, default="the config.yaml of --from's dist/")


def _add_project(sub: argparse.ArgumentParser, *, default: str) -> None:
    """The options naming another project: its configuration and what it does not say."""
    sub.add_argument(
        "--config",
        metavar="FILE",
        action=_Once,
        help=f"the project's GoReleaser configuration (default: {default})",
    )
    version = sub.add_mutually_exclusive_group()
    for flag in ("--version", "--tag"):
        version.add_argument(
            flag,
            dest="version",
            metavar="V",
            type=_version,
            action=_Once,
            help="the release (package version or tag; default: a dist/'s metadata.json)",
        )
    sub.add_argument("--summary", action=_Once, help="METADATA's one-line summary")
    sub.add_argument(
        "--license", action=_Once, help="METADATA's license (SPDX; default Apache-2.0)"
    )
    sub.add_argument(
        "--key",
        metavar="FILE",
        action=_Once,
        help="the project's cosign public key, which its checksums' signature must verify with",
    )


def _add_verify(commands: _Commands, prefix: str, platform: Callable[[str], str]) -> None:
    verify = _command(
        commands,
        _verify,
        "download and verify archives without installing anything",
        "Verify the release as an install would (signature, checksums, and attestations with "
        f"{prefix}VERIFY=attestation) for each platform named, or all: the maintainer's check "
        "that a published release installs. With --installed, check the installed binary "
        "instead, offline: against the record of what was verified when it was installed, "
        "and that record against the pinned checksums.",
    )
    where = _add_platforms(verify, platform, every=True)
    where.add_argument(
        "--installed",
        action="store_true",
        help="re-hash the installed binary and check it against its install's record (offline)",
    )


def _add_pin(commands: _Commands) -> None:
    pin = _command(
        commands,
        _pin,
        "write the release's checksums into the package as its pins",
        "Fetch the release's checksums file and write it as pinned-checksums.txt, which every "
        "later install verifies against: the maintainer's release step.",
    )
    pin.add_argument(
        "--from",
        dest="source",
        metavar="URL_OR_DIR",
        action=_Once,
        help="default: the release location",
    )
    pin.add_argument(
        "--output",
        metavar="FILE",
        action=_Once,
        help="default: pinned-checksums.txt in this package",
    )


def _command(
    commands: _Commands, run: Callable[[argparse.Namespace], int], summary: str, description: str
) -> argparse.ArgumentParser:
    """A subcommand named after ``run`` (``_fetch`` is ``fetch``), with ``-q``."""
    sub = commands.add_parser(run.__name__.lstrip("_"), help=summary, description=description)
    sub.add_argument("-q", "--quiet", action="store_true", help="print only the result")
    sub.set_defaults(run=run)
    return sub


def _add_platforms(
    sub: argparse.ArgumentParser,
    platform: Callable[[str], str],
    *,
    one: bool = False,
    every: bool = False,
    default: str = "this machine",
) -> argparse._ActionsContainer:
    """``--platform OS/ARCH``: once (``one``) or repeatable; with ``every``, ``--all`` instead.

    ``args.platform`` is a list of ``OS/ARCH`` strings either way, or None. Returns where they
    were added (with ``every``, the group of options that exclude each other).
    """
    where = sub.add_mutually_exclusive_group() if every else sub
    where.add_argument(
        "--platform",
        metavar="OS/ARCH",
        type=platform,
        action=_OncePlatform if one else "append",
        help=f"default: {default}" if one else f"repeatable; default: {default}",
    )
    if every:
        where.add_argument("--all", action="store_true", help="every platform of the release")
    return where


class _Once(argparse.Action):
    """Store an option's value, refusing a second one: a repeated option is a usage error."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        given: dict[str, object] = vars(namespace).setdefault("_given", {})
        if self.dest in given:
            raise argparse.ArgumentError(
                self, f"given twice ({given[self.dest]!r}, then {values!r}); give it once"
            )
        given[self.dest] = values
        setattr(namespace, self.dest, self.stored(values))

    def stored(self, values: object) -> object:
        return values


class _OncePlatform(_Once):
    """One ``--platform``, kept as the one-item list that the repeatable form makes."""

    def stored(self, values: object) -> object:
        return [values]


def _platform(release: Release | None, text: str) -> str:
    """``--platform``'s value: OS/ARCH, one of the release's targets (argparse's ``type``)."""
    from .platforms import parse_target

    try:
        target = str(parse_target(text))
    except BootstrapError:
        target = None
    if release is None:  # the release cannot be read here: the command will say why
        if target is None:
            raise argparse.ArgumentTypeError(f"{text!r} is not OS/ARCH (e.g. linux/amd64)")
        return target
    allowed = [str(t) for t in release.targets]
    if target not in allowed:
        what = "a target of this release" if target else "OS/ARCH"
        raise argparse.ArgumentTypeError(
            f"{text!r} is not {what}; use one of: {', '.join(allowed)}"
        )
    return target


def _version(text: str) -> str:
    """``--version``'s value, unchanged once it is known to name a release tag."""
    try:
        _tag(text)
    except BootstrapError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    except ImportError:
        pass  # without the bootstrap extra, the command itself says what to install
    return text


def _own_release() -> Release | None:
    """This package's release description, or None where it cannot be read (no PyYAML, a
    broken file): the help texts and ``--platform`` then do without it, and the command run
    reports the reason."""
    from .description import load_release

    try:
        return load_release()
    except (BootstrapError, ImportError):
        return None


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return its exit status (0, or 1 after an ``error:`` line on stderr).

    A usage error exits 2 through argparse (SystemExit), as every argparse program does.
    """
    release = _own_release()  # read once, for the command line and the command
    args = _parser(release).parse_args(argv)
    args.own_release = release
    to_stderr(quiet=getattr(args, "quiet", False))  # the log lines: all, or none with -q
    try:
        return int(args.run(args))
    except BootstrapError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except ModuleNotFoundError as exc:
        dist = release.project_name if release else package_stem()
        print(
            f"error: this command needs {exc.name!r}, from the bootstrap extra: "
            f"python -m pip install '{dist}[bootstrap]'",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
