"""GoReleaser's ``dist/``: the release as built, before it is published.

After ``goreleaser release`` (or ``release --snapshot``), ``dist/`` holds what will be uploaded
and three records of it (GoReleaser's ``internal/artifact/artifact.go`` and
``internal/pipe/metadata``):

- ``artifacts.json``: a list of objects ``{"name", "path", "goos", "goarch", "goarm",
  "goamd64", ..., "internal_type": int, "type": "Archive" | "Uploadable File" | "Checksum" |
  "Signature" | "Certificate" | "SBOM" | "Binary" | ..., "extra": {...}}``. ``name`` is the
  file's name in the release, ``path`` where it is on disk, relative to the directory GoReleaser
  ran in (``dist/foo.tar.gz``; with ``formats: [binary]``, ``dist/foo_linux_amd64_v1/foo``).
- ``metadata.json``: ``{"project_name", "tag", "version", ...}``.
- ``config.yaml``: the effective configuration, GoReleaser's defaults filled in.

:class:`GoReleaserDist` parses the first two (pure: bytes in, values out) and
:class:`DistLocation` reads the uploaded files by their release names at the paths GoReleaser
gives, so the verification that follows reads ``dist/`` exactly as it reads a published release.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import IO

from .errors import ConfigError, DownloadError
from .locations import DirectoryLocation
from .untrusted import Document, load, load_object

__all__ = [
    "ARTIFACTS_NAME",
    "CONFIG_NAME",
    "METADATA_NAME",
    "Artifact",
    "DistLocation",
    "GoReleaserDist",
    "is_dist",
    "parse_artifacts",
    "parse_metadata",
    "read_dist",
]

ARTIFACTS_NAME = "artifacts.json"
METADATA_NAME = "metadata.json"
CONFIG_NAME = "config.yaml"
MAX_RECORD_SIZE = 16 << 20  # a release of hundreds of targets writes a few hundred KiB

# The types GoReleaser uploads to a release (artifact.go's String() of each Type). Its
# UploadableBinary (formats: [binary]) is also "Binary", as the build's own output is: the two
# differ by internal_type alone, UploadableBinary's being 2 (the second Type since v1).
UPLOADABLE_BINARY = 2
UPLOADED = frozenset(
    {
        "Archive",
        "Uploadable File",
        "Uploadable Source Archive",
        "Checksum",
        "Signature",
        "Certificate",
        "SBOM",
        "Public Key",
    }
)


@dataclass(frozen=True)
class Artifact:
    """One entry of ``artifacts.json``: a file of the release and where it is."""

    name: str  # the file's name in the release
    path: str  # as GoReleaser wrote it: relative to the directory it ran in, or absolute
    type: str  # "Archive", "Checksum", ...
    internal_type: int | None = None  # GoReleaser's Type number
    goos: str | None = None
    goarch: str | None = None
    variant: str | None = None  # goarm, goamd64, go386, ... whichever the target has

    @property
    def uploaded(self) -> bool:
        """Whether GoReleaser uploads it to the release (a build's own binary it does not)."""
        if self.type == "Binary":
            return self.internal_type == UPLOADABLE_BINARY
        return self.type in UPLOADED


@dataclass(frozen=True)
class GoReleaserDist:
    """A parsed ``dist/``: the release tag, version, project and its uploaded files' paths."""

    directory: Path
    project_name: str
    tag: str
    version: str
    files: Mapping[str, Path]  # release name -> file on disk, inside ``directory``
    artifacts: tuple[Artifact, ...]


_VARIANTS = ("goarm", "goamd64", "go386", "goarm64", "gomips", "goppc64", "goriscv64")


def parse_artifacts(raw: bytes, where: str) -> list[Artifact]:
    """The entries of an ``artifacts.json`` (its bytes, read from ``where``).

    Raises :class:`ConfigError` naming the entry that is not an object with a text ``name``,
    ``path`` and ``type``.
    """
    what = "GoReleaser's list of artifacts"
    value = load(raw, where, what, ConfigError, limit=MAX_RECORD_SIZE)
    if not isinstance(value, list):
        raise ConfigError(f"{where} is not {what}: it is not a list")
    found: list[Artifact] = []
    for n, item in enumerate(value):
        if not isinstance(item, dict):
            raise ConfigError(f"{where} is not {what}: entry {n} is not an object")
        entry = Document(item, where, what, ConfigError, path=f"[{n}]")
        variant = next((v for k in _VARIANTS if (v := entry.member(k, str, optional=True))), None)
        found.append(
            Artifact(
                name=entry.text("name"),
                path=entry.text("path"),
                type=entry.text("type"),
                internal_type=entry.member("internal_type", int, optional=True),
                goos=entry.member("goos", str, optional=True),
                goarch=entry.member("goarch", str, optional=True),
                variant=variant,
            )
        )
    return found


def parse_metadata(raw: bytes, where: str) -> tuple[str, str, str]:
    """``(project_name, tag, version)`` from a ``metadata.json``; :class:`ConfigError` if not."""
    data = load_object(raw, where, "GoReleaser's release metadata", ConfigError, limit=1 << 20)
    return data.text("project_name"), data.text("tag"), data.text("version")


def is_dist(where: str) -> bool:
    """Whether ``where`` names a directory holding GoReleaser's ``artifacts.json``."""
    return "://" not in where and (Path(where) / ARTIFACTS_NAME).is_file()


def read_dist(directory: Path) -> GoReleaserDist:
    """Read ``directory`` (GoReleaser's ``dist/``): its metadata and the uploaded files' paths.

    Raises :class:`ConfigError` when a record is missing or malformed, when an artifact's path
    leads outside ``directory``, or when two files claim one release name.
    """
    records: dict[str, bytes] = {}
    for name in (ARTIFACTS_NAME, METADATA_NAME):
        try:
            records[name] = (directory / name).read_bytes()
        except OSError as exc:
            raise ConfigError(
                f"cannot read {directory / name}: {exc.strerror}; is {directory} the dist/ "
                "directory of a finished goreleaser release?"
            ) from exc
    artifacts = parse_artifacts(records[ARTIFACTS_NAME], str(directory / ARTIFACTS_NAME))
    project, tag, version = parse_metadata(records[METADATA_NAME], str(directory / METADATA_NAME))
    files: dict[str, Path] = {}
    for artifact in artifacts:
        if not artifact.uploaded:
            continue
        path = _on_disk(directory, artifact)
        if files.setdefault(artifact.name, path) != path:
            raise ConfigError(
                f"{directory / ARTIFACTS_NAME} lists two files named {artifact.name!r} "
                f"({files[artifact.name]} and {path}); a release holds one"
            )
    return GoReleaserDist(directory, project, tag, version, files, tuple(artifacts))


def _on_disk(directory: Path, artifact: Artifact) -> Path:
    """Where ``artifact`` is: its path taken from the directory GoReleaser ran in (the parent
    of ``dist/`` by default), and refused unless it stays inside ``directory``."""
    pure = PurePosixPath(artifact.path.replace("\\", "/"))
    if pure.is_absolute() or PureWindowsPath(artifact.path).drive:
        candidate = Path(artifact.path)
    elif pure.parts and pure.parts[0] == directory.name:
        candidate = directory.joinpath(*pure.parts[1:])
    else:
        candidate = directory.joinpath(*pure.parts)
    where = _outside(directory, candidate)
    if where is not None:
        shown = "" if where == artifact.path else f" ({where})"
        raise ConfigError(
            f"{directory / ARTIFACTS_NAME}: {artifact.name!r} is at {artifact.path!r}{shown}, "
            f"outside {directory}; only the files inside this dist/ are read. Run goreleaser "
            "release again and give the dist/ it writes, holding nothing it did not write"
        )
    return candidate.resolve()


def _outside(directory: Path, candidate: Path) -> str | None:
    """Where ``candidate`` really is, if that is outside ``directory`` (through a link too);
    None when it stays inside."""
    root, resolved = directory.resolve(), candidate.resolve()
    if resolved == root or root in resolved.parents:
        return None
    plain = Path(os.path.normpath(candidate.absolute()))
    return str(resolved) if plain == resolved else f"through a link, {resolved}"


class DistLocation:
    """A :class:`locations.Location` over a ``dist/``: each release name read at its path.

    A name that ``artifacts.json`` does not list (a signature GoReleaser wrote at the top of
    ``dist/`` without recording it) is looked for at the top of ``dist/``, and refused
    (:class:`DownloadError`) when it is a link leading out of it.
    """

    def __init__(self, dist: GoReleaserDist) -> None:
        self.dist = dist

    def _at(self, name: str) -> tuple[DirectoryLocation, str]:
        if "/" in name or "\\" in name or name in {"", ".", ".."}:
            raise DownloadError(f"{name!r} is not the name of a file of a release")
        path = self.dist.files.get(name)
        if path is None:  # unlisted: at the top of dist/, and refused if it leads out of it
            path = self.dist.directory / name
            where = _outside(self.dist.directory, path)
            if where is not None:
                raise DownloadError(
                    f"{path} leads outside {self.dist.directory} ({where}); only the files "
                    "inside this dist/ are read: remove it, or run goreleaser release again"
                )
        return DirectoryLocation(path.parent), path.name

    def describe(self, name: str) -> str:
        location, base = self._at(name)
        return location.describe(base)

    def read(self, name: str, *, limit: int) -> bytes:
        location, base = self._at(name)
        return location.read(base, limit=limit)

    def copy(self, name: str, out: IO[bytes], *, algorithm: str, limit: int) -> str:
        location, base = self._at(name)
        return location.copy(base, out, algorithm=algorithm, limit=limit)

    def mismatch_advice(self, name: str) -> str:
        return (
            f"{self.describe(name)} changed after GoReleaser wrote the checksums of "
            f"{self.dist.directory}: build the release again (goreleaser release --clean), "
            "then run this again."
        )
