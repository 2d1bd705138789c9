"""``python -m cerebrium_cli.bootstrap``: commands for the people who release and install the CLI.

Each command prints its result on stdout and exits 0, or prints one ``error:`` paragraph on
stderr and exits 1 (2 for a usage error, as argparse does). They need the ``bootstrap`` extra
(httpx, packaging, PyYAML); the ``cerebrium`` command itself needs none of it.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import __version__
from .errors import BootstrapError

__all__ = ["main"]


def _tag(value: str) -> str:
    """Accept a package version (``2.1.0b1``) or a release tag (``v2.1.0-beta.1``)."""
    from .versions import tag_for, version_for_tag

    if value.startswith("v"):
        version_for_tag(value)  # validates the tag
        return value
    return tag_for(value)


def _names(args: argparse.Namespace) -> int:
    from .release import load_release

    release = load_release(args.config)
    tag = _tag(args.version)
    for target in release.targets:
        print(f"{target} {release.archive_name(target, tag)}")
    print(f"checksums {release.checksum_name(tag)}")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=f"python -m {__package__}.bootstrap",
        description="Inspect, fetch and prepare the release this package installs.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    names = commands.add_parser(
        "names",
        help="print every target's archive name and the checksums file name",
        description=(
            "Print 'OS/ARCH ARCHIVE_NAME' for every target of the release description, then "
            "'checksums CHECKSUM_FILE_NAME': the names the release must publish."
        ),
    )
    names.add_argument(
        "--config",
        metavar="FILE",
        help="a GoReleaser configuration (default: the goreleaser.yaml this package carries)",
    )
    names.add_argument(
        "--version",
        metavar="V",
        default=__version__,
        help=f"package version or release tag (default: {__version__})",
    )
    names.set_defaults(run=_names)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return int(args.run(args))
    except BootstrapError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except ModuleNotFoundError as exc:
        dist = (__package__ or "cerebrium_cli").removesuffix("_cli")
        print(
            f"error: this command needs {exc.name!r}, from the bootstrap extra: "
            f"python -m pip install '{dist}[bootstrap]'",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
