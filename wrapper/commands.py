"""What the install-side ``bootstrap`` commands do: ``names``, ``info``, ``fetch``, ``mirror``,
``pin`` and ``verify``, one function each, from the parsed command line (:mod:`bootstrap`).

Each prints its result on stdout and returns 0, or raises the :class:`BootstrapError` that
``bootstrap.main`` prints as one ``error:`` paragraph. The helpers the publishing commands share
(:mod:`publish_commands`) turn the command line into values: the release tag, the context, the
sources and the targets.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__
from ._atomic import atomic_copy, atomic_write
from .errors import (
    AssetNotFoundError,
    BootstrapError,
    ConfigError,
    DownloadError,
    OfflineError,
    UnsupportedPlatformError,
)

if TYPE_CHECKING:
    from .fetch import VerifiedChecksums
    from .locations import Location
    from .platforms import Target
    from .release import Release
    from .settings import Settings
    from .sources import Sources
    from .verification import Verification

__all__ = [
    "chosen_targets",
    "command_context",
    "command_sources",
    "fetch",
    "info",
    "mirror",
    "names",
    "pin",
    "release_tag",
    "verify",
]

_logger = logging.getLogger(__name__)


def release_tag(value: str) -> str:
    """Accept a package version (``2.1.0b1``) or a release tag (``v2.1.0-beta.1``)."""
    from .versions import tag_for, version_for_tag

    if value.startswith("v"):
        version_for_tag(value)  # validates the tag
        return value
    return tag_for(value)


def names(args: argparse.Namespace) -> int:
    """``names``: every target's archive, then the checksums, signature, certificate and SBOM
    files the release publishes, one ``<kind> <file>`` line each, as GoReleaser writes them."""
    from .description import load_release

    release = load_release(args.config)
    tag = release_tag(args.version)
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


def command_context(args: argparse.Namespace) -> tuple[Release, str, Settings]:
    """This package's release description, release tag and environment settings."""
    from ._process import prepare_downloads
    from .description import load_release
    from .settings import Settings
    from .versions import tag_for

    prepare_downloads()  # this process is ours: quiet httpx's log, skip its CLI's imports
    # Read once by main() for the command line; read again only to raise why it could not be.
    release: Release = args.own_release or load_release()
    return release, tag_for(__version__), Settings.from_environ(release)


def command_sources(
    args: argparse.Namespace, *, where: str | None = None, direct: bool = False
) -> tuple[Release, str, Sources]:
    """The release, its tag and the command's sources (a context manager: close it)."""
    from .sources import Sources

    release, tag, settings = command_context(args)
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


def chosen_targets(args: argparse.Namespace, release: Release) -> list[Target]:
    """The targets ``--platform`` (or ``--all``) names, else this machine's; each one the
    release builds (raises :class:`UnsupportedPlatformError` naming the release's targets)."""
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


def fetch(args: argparse.Namespace) -> int:
    """``fetch``: one target's binary, verified and extracted into ``--dest``; prints its path."""
    from .fetch import fetch_binary

    release, tag, sources = command_sources(args)
    with sources:
        (target,) = chosen_targets(args, release)  # --platform is accepted once (_OncePlatform)
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


def mirror(args: argparse.Namespace) -> int:
    """``mirror``: the verified archives, checksums files and signatures copied into ``--dest``,
    which then serves installs as the release does (``<PREFIX>RELEASE_URL``)."""
    from .fetch import Install, ReleaseChecksums, verified_archives

    # The release location itself, never the cache: a mirror copies what is published.
    release, tag, sources = command_sources(args, direct=True)
    with sources:
        reader = sources.reader
        if reader is None:
            raise OfflineError("mirror needs the release location, and offline mode is set")
        dest = Path(args.dest)
        dest.mkdir(parents=True, exist_ok=True)
        book = ReleaseChecksums()
        signatures: dict[str, tuple[tuple[str, str], ...]] = {}
        targets = chosen_targets(args, release)
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


def pin(args: argparse.Namespace) -> int:
    """``pin``: every target's digest, from the release as published, written as the package's
    pinned checksums (GoReleaser's ``checksums.txt`` format)."""
    import dataclasses

    from .fetch import Install, ReleaseChecksums
    from .pins import default_pins_path

    release, tag, sources = command_sources(args, where=args.source, direct=True)
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


def verify(args: argparse.Namespace) -> int:
    """``verify``: the published archives checked as an install checks them, nothing kept; with
    ``--installed``, the installed binary against its wheel's record."""
    from .fetch import Install, verified_archives

    if args.installed:
        return _verify_installed(args)

    # What is published, read now: a cached archive proves nothing about the release.
    release, tag, sources = command_sources(args, direct=True)
    with sources:
        targets = chosen_targets(args, release)
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


def info(args: argparse.Namespace) -> int:
    """``info``: what an install here would do: version, target, archive, location, cache,
    verify policy and the installed binary, one line each."""
    from .binding import describe as describe_binding
    from .pins import load_pins
    from .platforms import current_target

    release, tag, settings = command_context(args)
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
