"""``python -m mycli_cli.bootstrap``: commands for the people who release and install the CLI.

Each command prints its result on stdout and exits 0, or prints one ``error:`` paragraph on
stderr and exits 1 (2 for a usage error, as argparse does). They need the ``bootstrap`` extra
(httpx, packaging, PyYAML); the ``mycli`` command itself needs none of it.
"""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from . import __version__, commands, package_stem, publish_commands
from ._logging import to_stderr
from .errors import BootstrapError

if TYPE_CHECKING:
    from typing import TypeAlias

    from .release import Release

    _Commands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"

__all__ = ["main"]

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
    subcommands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    platform = functools.partial(_platform, release)
    _add_names(subcommands)
    _add_info(subcommands)
    _add_fetch(subcommands, prefix, platform)
    _add_mirror(subcommands, prefix, platform)
    # wheels --config names another project, whose targets argparse cannot know (_targets).
    _add_wheels(subcommands, functools.partial(_platform, None))
    _add_sdist(subcommands)
    _add_verify(subcommands, prefix, platform)
    _add_pin(subcommands)
    return parser


def _add_names(subcommands: _Commands) -> None:
    names = _command(
        subcommands,
        commands.names,
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


def _add_info(subcommands: _Commands) -> None:
    _command(
        subcommands,
        commands.info,
        "show the platform, archive, release location, cache, trust and installed binary",
        "Show what an install here would fetch and from where, what the cache holds, which "
        "trust applies (pinned checksums or integrity only), and the installed binary.",
    )


def _add_fetch(subcommands: _Commands, prefix: str, platform: Callable[[str], str]) -> None:
    fetch = _command(
        subcommands,
        commands.fetch,
        "download, verify and extract one binary into a directory",
        f"Download (or take from the cache, {prefix}ARCHIVE or a local release directory), "
        "verify and extract the binary for one platform into DIR; print its path.",
    )
    fetch.add_argument(
        "--dest", metavar="DIR", required=True, action=_Once, help="where to put the binary"
    )
    _add_platforms(fetch, platform, one=True)


def _add_mirror(subcommands: _Commands, prefix: str, platform: Callable[[str], str]) -> None:
    mirror = _command(
        subcommands,
        commands.mirror,
        "copy verified archives and the checksums file into a directory",
        "Download and verify release archives and the checksums file into DEST, so that a "
        f"machine without network installs with {prefix}RELEASE_URL=DEST {prefix}OFFLINE=1.",
    )
    mirror.add_argument("dest", metavar="DEST", help="the mirror directory")
    _add_platforms(mirror, platform, every=True)


def _add_wheels(subcommands: _Commands, platform: Callable[[str], str]) -> None:
    wheels = _command(
        subcommands,
        publish_commands.wheels,
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


def _add_sdist(subcommands: _Commands) -> None:
    sdist = _command(
        subcommands,
        publish_commands.sdist,
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


def _add_verify(subcommands: _Commands, prefix: str, platform: Callable[[str], str]) -> None:
    verify = _command(
        subcommands,
        commands.verify,
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


def _add_pin(subcommands: _Commands) -> None:
    pin = _command(
        subcommands,
        commands.pin,
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
    subcommands: _Commands, run: Callable[[argparse.Namespace], int], summary: str, description: str
) -> argparse.ArgumentParser:
    """A subcommand named after ``run`` (:func:`commands.fetch` is ``fetch``), with ``-q``."""
    sub = subcommands.add_parser(run.__name__, help=summary, description=description)
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
        commands.release_tag(text)
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
