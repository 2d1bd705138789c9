"""The release description: what the Go project publishes, read from its ``goreleaser.yaml``.

GoReleaser's own configuration is the single source of truth for the project name, the
repository, the binary, the targets and every asset name, so the wrapper can never drift from
what the release pipeline uploads. Wrapping another GoReleaser CLI means dropping in its v2
config as it is: the sections that name assets (``builds``, ``universal_binaries``,
``archives``, ``checksum``, ``release`` with ``*_urls``, ``env``) are read as GoReleaser reads
them, with its defaults; every other block (``nfpms``, ``notarize``, ``homebrew_casks``,
``signs``, ``changelog``, ...) is accepted and ignored. The rules and defaults cite the files of
GoReleaser v2's source they come from (https://github.com/goreleaser/goreleaser, ``internal/``)
and https://goreleaser.com/customization/.

Two choices the configuration leaves open, made here:

* **The CLI's build**, when ``builds`` has several: the first (not skipped) whose ``binary`` is
  the project name (GoReleaser's default binary), else the first. Its binary is the command.
* **One binary per wheel target**: of several ``goamd64`` levels the one any amd64 machine runs
  (``v1`` if built, else the lowest), of several ``goarm64`` levels ``v8.0`` if built, else the
  lowest; of several archives holding the binary, the first with a format the wrapper reads.
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._gotemplate import Namespace, Unknowable, render
from .errors import ConfigError, TemplateError, UnsupportedPlatformError
from .formats import FORMATS, Format
from .platforms import SUPPORTED, Target
from .repository import PUBLIC_HOSTS, Host, Repository, parse_remote
from .versions import release_version

__all__ = [
    "CHECKSUM_ALGORITHMS",
    "CONFIG_NAME",
    "Release",
    "default_config_path",
    "load_release",
    "parse_release",
]

CONFIG_NAME = "goreleaser.yaml"

# internal/pipe/archive: defaultNameTemplate and defaultBinaryNameTemplate.
_NAME_SUFFIX = (
    "{{ .Version }}_{{ .Os }}_{{ .Arch }}{{ with .Arm }}v{{ . }}{{ end }}"
    '{{ with .Mips }}_{{ . }}{{ end }}{{ if not (eq .Amd64 "v1") }}{{ .Amd64 }}{{ end }}'
)
_DEFAULT_ARCHIVE_TEMPLATE = "{{ .ProjectName }}_" + _NAME_SUFFIX
_DEFAULT_BINARY_TEMPLATE = "{{ .Binary }}_" + _NAME_SUFFIX
# internal/pipe/checksums: Default.
_DEFAULT_CHECKSUM_TEMPLATE = "{{ .ProjectName }}_{{ .Version }}_checksums.txt"
_DEFAULT_SPLIT_CHECKSUM_TEMPLATE = "{{ .ArtifactName }}.{{ .Algorithm }}"
# internal/builders/golang/build.go: WithDefaults, and the first-class target lists.
_DEFAULT_GOOS = ("linux", "darwin", "windows")
_DEFAULT_GOARCH = ("amd64", "arm64", "386")
_DEFAULT_GOAMD64 = "v1"
_DEFAULT_GOARM64 = "v8.0"
_FIRST_CLASS = ("darwin_amd64", "darwin_arm64", "linux_amd64", "linux_arm64", "windows_amd64")
_FIRST_CLASS_NAMES = ("go_first_class", "go_118_first_class")

# checksum.algorithm: every algorithm GoReleaser offers (internal/artifact, Checksum), and why
# the wrapper refuses the ones it refuses. The others are verified with hashlib.
CHECKSUM_ALGORITHMS: dict[str, str | None] = {
    "sha256": None,
    "sha384": None,
    "sha512": None,
    "sha3-224": None,
    "sha3-256": None,
    "sha3-384": None,
    "sha3-512": None,
    "blake2b": None,
    "blake2s": None,
    "sha224": "a truncated SHA-256 the wrapper does not verify; use sha256",
    "blake3": "not in Python's standard library, so the wrapper cannot verify it; use sha256",
    "md5": "broken: anyone can make two files with the same MD5; use sha256",
    "sha1": "broken: anyone can make two files with the same SHA-1; use sha256",
    "crc32": "an error check, not a cryptographic hash: it proves nothing; use sha256",
}

# Template fields a release has, but which cannot be known when the package installs
# (internal/tmpl/tmpl.go): reading one in an asset name is refused, never guessed.
_UNKNOWABLE = (
    "Branch",
    "Commit",
    "CommitDate",
    "CommitTimestamp",
    "Date",
    "FullCommit",
    "GitURL",
    "ModulePath",
    "Now",
    "PreviousTag",
    "ReleaseNotes",
    "ReleaseURL",
    "Runtime",
    "ShortCommit",
    "Summary",
    "TagBody",
    "TagContents",
    "TagSubject",
    "Timestamp",
)
_UNKNOWN = Unknowable(
    "depends on the git checkout or the time of the release, which an install cannot know; "
    "use .Tag, .Version or a fixed text in asset names"
)
_TAG_FIELDS = ("Version", "RawVersion", "Tag", "Major", "Minor", "Patch", "Prerelease")
_LOCAL_PATH = Unknowable("is a path on the machine that made the release")
# Masterminds/semver, as internal/pipe/semver parses the tag for .Major, .Minor, .Patch.
_SEMVER = re.compile(
    r"v?(?P<major>\d+)(?:\.(?P<minor>\d+))?(?:\.(?P<patch>\d+))?"
    r"(?:-(?P<pre>[0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?"
)


# --- what the configuration says ------------------------------------------------------------------


@dataclass(frozen=True)
class FormatOverride:
    """``archives[].format_overrides[]``: other formats for the targets whose GOOS it names."""

    goos: str
    formats: tuple[str, ...]


@dataclass(frozen=True)
class Archive:
    """One ``archives[i]`` entry, with GoReleaser's defaults (internal/pipe/archive, Default)."""

    index: int
    id: str
    ids: tuple[str, ...]  # the builds (and universal binaries) it packs; empty: all
    name_template: str
    formats: tuple[str, ...]
    format_overrides: tuple[FormatOverride, ...]
    wrap_in_directory: str  # "true", "false" or a template, as GoReleaser reads it
    strip_binary_directory: bool

    def formats_for(self, goos: str) -> tuple[tuple[str, ...], str]:
        """The formats for ``goos`` and the setting they come from (archive.go packageFormats).

        An override applies when ``goos`` starts with its ``goos``; one without ``goos`` or
        without formats is ignored, as GoReleaser ignores it.
        """
        for number, override in enumerate(self.format_overrides):
            if override.goos and override.formats and goos.startswith(override.goos):
                return override.formats, f"archives[{self.index}].format_overrides[{number}]"
        return self.formats, f"archives[{self.index}].formats"


@dataclass(frozen=True)
class Binary:
    """The binary artifact GoReleaser archives for one wheel target (internal/artifact fields).

    A universal binary (internal/pipe/universalbinary) has ``goarch`` ``all``, no ``target``
    and no ``amd64``, its own ``name_template``, and ``made_from``, the first darwin binary it
    joins, whose extras (``.Binary``) it copies.
    """

    goos: str
    goarch: str
    amd64: str
    arm64: str
    target: str  # GoReleaser's .Target: linux_amd64_v1, darwin_arm64_v8.0
    id: str  # the build's id, or the universal binary's
    name_template: str  # builds[].binary, or universal_binaries[].name_template
    where: str  # the setting name_template comes from, for messages
    made_from: Binary | None = None  # for a universal binary: a binary it joins

    @property
    def universal(self) -> bool:
        return self.made_from is not None

    @property
    def ext(self) -> str:
        """Go's extension for the target (internal/pipe/build, extFor)."""
        return ".exe" if self.goos == "windows" else ""


@dataclass(frozen=True)
class RepositorySpec:
    """Where the release is published, as configured: templates, rendered when needed."""

    host: Host
    download: str  # a template
    owner: str  # a template
    name: str  # a template
    where: str  # the setting it comes from: release.github, origin, ...
    package_registry: bool = False
    api: str = ""


# --- the release ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Release:
    """Everything the wrapper needs to know about the releases of one GoReleaser project."""

    project_name: str
    binary_template: str  # the CLI build's ``binary``
    binaries: tuple[tuple[Target, Binary], ...]  # one per wheel target, in the build's order
    archives: tuple[Archive, ...]
    checksum_template: str
    checksum_algorithm: str
    checksum_split: bool = False
    checksum_ids: tuple[str, ...] = ()
    repository_spec: RepositorySpec | None = None
    no_repository: str = "goreleaser.yaml has no release block and no git remote is recorded"
    draft: bool = False
    env: tuple[str, ...] = ()  # the top-level env: list, templates
    environ: tuple[tuple[str, str], ...] = field(default=(), repr=False, compare=False)
    source: str = CONFIG_NAME

    # -- names that do not depend on a release ---------------------------------------------------

    @property
    def targets(self) -> tuple[Target, ...]:
        """The wheel targets the release has a binary for."""
        return tuple(target for target, _ in self.binaries)

    @property
    def env_prefix(self) -> str:
        """Prefix of this wrapper's environment variables: ``cerebrium`` -> ``CEREBRIUM_``."""
        return re.sub(r"[^A-Z0-9]+", "_", self.project_name.upper()).strip("_") + "_"

    @property
    def import_name(self) -> str:
        """The import package the wrapper installs as, so two wrapped CLIs never collide."""
        return re.sub(r"[^a-z0-9]+", "_", self.project_name.lower()).strip("_") + "_cli"

    @property
    def command_name(self) -> str:
        """The console command: the build's binary name, without directory or ``.exe``."""
        varies = Unknowable("changes from release to release, and the command's name cannot")
        fields = self._general("")
        fields.update(dict.fromkeys(_TAG_FIELDS, varies))
        name = self._render(self.binary_template, fields, "builds[].binary", path=True)
        return posixpath.basename(name)

    # -- the repository --------------------------------------------------------------------------

    @property
    def repository(self) -> str:
        """``owner/name`` of the repository releases are published to; ``""`` when unknown."""
        spec = self.repository_spec
        if spec is None:
            return ""
        try:
            return self._repository(self._general("")).path
        except ConfigError:
            return ""

    @property
    def releases_page(self) -> str:
        """The page listing the releases, for messages; a hint when the repository is unknown."""
        if self.repository_spec is None:
            return f"the project's releases page ({self.no_repository})"
        return self._repository(self._general("")).releases_page

    def release_url(self, tag: str) -> str:
        """The directory URL (ending in ``/``) that holds the assets of the release ``tag``.

        Raises :class:`ConfigError` when the configuration names no repository (no release
        block, no recorded git remote, or ``release.disable``): then the release location must
        be given by ``<PREFIX>RELEASE_URL``.
        """
        if self.repository_spec is None:
            raise ConfigError(
                f"{self.source}: the release location is unknown: {self.no_repository}. Set "
                f"{self.env_prefix}RELEASE_URL to the URL or directory holding the release "
                "assets, or add a release block (release.github: {owner: ..., name: ...})"
            )
        fields = self._general(tag)
        return self._repository(fields).release_url(tag, self.project_name, str(fields["Version"]))

    def _repository(self, fields: Mapping[str, object]) -> Repository:
        spec = self.repository_spec
        assert spec is not None
        where = spec.where
        download = self._render(
            spec.download, fields, f"{spec.host}_urls.download", name=False
        ).rstrip("/")
        if not download.startswith(("https://", "http://")):
            raise ConfigError(
                f"{self.source}: {spec.host}_urls.download renders to {download!r}, not an "
                f"https:// URL; set it to the server's address (https://git.example.com)"
            )
        owner = self._render(spec.owner, fields, f"{where}.owner", path=True) if spec.owner else ""
        return Repository(
            host=spec.host,
            download=download,
            owner=owner,
            name=self._render(spec.name, fields, f"{where}.name"),
            package_registry=spec.package_registry,
            api=self._render(spec.api, fields, "gitlab_urls.api", name=False).rstrip("/")
            if spec.api
            else "",
        )

    def check_target(self, target: Target) -> Target:
        """Return ``target`` if the release has an archive for it, else say which targets it has."""
        if target not in self.targets:
            supported = ", ".join(str(t) for t in self.targets)
            raise UnsupportedPlatformError(
                f"{self.project_name} publishes no build for this platform, {target}. "
                f"Supported platforms: {supported}. Other builds may be listed at "
                f"{self.releases_page}."
            )
        return target

    # -- asset names -----------------------------------------------------------------------------

    def archive_format(self, target: Target) -> Format:
        """The first format of ``target``'s archive that the wrapper reads (formats.py).

        Raises :class:`ConfigError` naming the setting when the archive for ``target`` is
        published only as ``none`` or in formats the wrapper does not read.
        """
        return self._archive(target)[1]

    def archive_name(self, target: Target, tag: str) -> str:
        """The asset name of ``target``'s archive in the release ``tag``.

        ``name_template`` plus ``.<format>``; with the ``binary`` format the asset is the binary
        itself, named ``name_template`` plus ``.exe`` on Windows (archive.go ``create``, ``skip``).
        """
        archive, fmt = self._archive(target)
        binary = self._binary(target)
        where = f"archives[{archive.index}].name_template"
        stem = self._render(archive.name_template, self._archive_fields(binary, tag), where)
        return stem + binary.ext if fmt == "binary" else f"{stem}.{fmt}"

    def binary_name(self, target: Target, tag: str) -> str:
        """The binary's file name as GoReleaser built it: ``.exe`` on Windows, no directory."""
        return posixpath.basename(self._binary_path(self._binary(target), tag))

    def binary_member(self, target: Target, tag: str) -> str:
        """The binary's path inside the archive (archive.go ``create``).

        The build's binary path (``bin/tool`` stays ``bin/tool`` unless
        ``strip_binary_directory``), inside ``wrap_in_directory``: ``true`` wraps in the
        archive's name template, ``false`` not at all, anything else is a template. For the
        ``binary`` format the asset is the binary: its member is the asset's own name.
        """
        archive, fmt = self._archive(target)
        if fmt == "binary":
            return self.archive_name(target, tag)
        binary = self._binary(target)
        member = self._binary_path(binary, tag)
        if archive.strip_binary_directory:
            member = posixpath.basename(member)
        wrap = {"true": archive.name_template, "false": ""}.get(
            archive.wrap_in_directory, archive.wrap_in_directory
        )
        if wrap:
            where = f"archives[{archive.index}].wrap_in_directory"
            folder = self._render(wrap, self._archive_fields(binary, tag), where, path=True)
            member = f"{folder}/{member}"
        return _clean_member(member, self.source, f"archives[{archive.index}]")

    def checksum_name(self, tag: str, artifact: str | None = None) -> str:
        """The asset name of the checksums file of the release ``tag``.

        The one combined file, or, with ``checksum.split``, the file that holds the checksum of
        the asset ``artifact`` alone (internal/pipe/checksums: ``singleChecksum``,
        ``splitChecksum``; default template ``{{ .ArtifactName }}.{{ .Algorithm }}``). A split
        file name needs ``artifact``: :class:`ConfigError` without it.
        """
        if not self.checksum_split:
            return self._render(self.checksum_template, self._general(tag), "checksum.name_template")
        if artifact is None:
            raise ConfigError(
                f"{self.source}: checksum.split is true, so each asset has its own checksum file; "
                "its name depends on the asset's name"
            )
        fields = dict(self._general(tag))
        for target in self.targets:
            if self.archive_name(target, tag) == artifact:
                fields.update(self._artifact_fields(target, tag, artifact))
                break
        else:
            fields.update(ArtifactName=artifact, ArtifactExt="", Binary=self.project_name)
        fields["Algorithm"] = self.checksum_algorithm
        return self._render(self.checksum_template, fields, "checksum.name_template")

    # -- template fields (internal/tmpl/tmpl.go: New, WithArtifact, WithBuildOptions) -------------

    def _environment(self, fields: Mapping[str, object]) -> Namespace:
        """``.Env``: the environment, overridden by the top-level ``env:`` list (internal/pipe/env),
        whose entries are templates rendered against the environment alone."""
        missing = (
            "the environment variable {name!r} is not set, so .Env.{name} has no value: set it, "
            f"or give it a value in {self.source}'s top-level env: list"
        )
        environ = Namespace(dict(self.environ), missing)
        values: dict[str, object] = dict(self.environ)
        for number, entry in enumerate(self.env):
            text = self._render(entry, {**fields, "Env": environ}, f"env[{number}]", name=False)
            key, sep, value = text.partition("=")
            if sep and key:
                values[key] = value
        return Namespace(values, missing)

    def _general(self, tag: str) -> dict[str, object]:
        """The fields every template has: the project, the tag, and what a release always is."""
        semver = _SEMVER.fullmatch(tag)
        fields: dict[str, object] = dict.fromkeys(_UNKNOWABLE, _UNKNOWN)
        fields.update(
            ProjectName=self.project_name,
            Version=release_version(tag),
            Tag=tag,
            IsDraft=self.draft,
            # A release is never a snapshot, a nightly or a single target, and GoReleaser
            # refuses to release from a dirty checkout (internal/pipe/git, ErrDirty).
            IsSnapshot=False,
            IsNightly=False,
            IsSingleTarget=False,
            IsGitDirty=False,
            IsGitClean=True,
            GitTreeState="clean",
        )
        if semver is None:
            not_semver = Unknowable(f"needs a SemVer tag, and {tag!r} is not one")
            fields.update(dict.fromkeys(("RawVersion", "Major", "Minor", "Patch"), not_semver))
            fields["Prerelease"] = not_semver
        else:
            major, minor, patch = (int(semver[part] or 0) for part in ("major", "minor", "patch"))
            fields.update(
                RawVersion=f"{major}.{minor}.{patch}",
                Major=major,
                Minor=minor,
                Patch=patch,
                Prerelease=semver["pre"] or "",
            )
        fields["Env"] = self._environment({k: v for k, v in fields.items() if k != "Env"})
        return fields

    def _platform_fields(self, binary: Binary) -> dict[str, object]:
        return {
            "Os": binary.goos,
            "Arch": binary.goarch,
            "Amd64": binary.amd64,
            "I386": "",
            "Arm": "",
            "Arm64": binary.arm64,
            "Mips": "",
            "Ppc64": "",
            "Riscv64": "",
            "Target": binary.target,
        }

    def _binary_path(self, binary: Binary, tag: str) -> str:
        """The binary artifact's ``Name``: the built file's path in the dist, with ``.exe``."""
        if binary.universal:
            name = self._render(binary.name_template, self._general(tag), binary.where, path=True)
        else:
            name = self._render(
                binary.name_template, self._build_fields(binary, tag), binary.where, path=True
            )
            name += binary.ext
        return _clean_member(name, self.source, binary.where)

    def _build_fields(self, binary: Binary, tag: str) -> dict[str, object]:
        # build.go buildOptionsForTarget: the binary template sees the target, Ext, and a
        # Name and Path not set yet.
        fields = {**self._general(tag), **self._platform_fields(binary)}
        fields.update(Ext=binary.ext, Name="", Path="")
        return fields

    def _archive_fields(self, binary: Binary, tag: str) -> dict[str, object]:
        """The fields of an archive's templates: WithArtifact of the binary it packs."""
        name = self._binary_path(binary, tag)
        fields = {**self._general(tag), **self._platform_fields(binary)}
        fields.update(
            Binary=self._binary_stem(binary, tag),
            ArtifactName=name,
            ArtifactExt=binary.ext,
            ArtifactPath=_LOCAL_PATH,
        )
        return fields

    def _binary_stem(self, binary: Binary, tag: str) -> str:
        """``.Binary``: the built file's name without directory or extension (golang/build.go
        getBinaryArtifact); a universal binary keeps the one of the binary it was made from."""
        if binary.made_from is not None:
            return self._binary_stem(binary.made_from, tag)
        stem = posixpath.basename(self._binary_path(binary, tag))
        return stem[: -len(binary.ext)] if binary.ext else stem

    def _artifact_fields(self, target: Target, tag: str, asset: str) -> dict[str, object]:
        """WithArtifact of a published archive (or binary), for a split checksum file name."""
        binary = self._binary(target)
        fields = self._platform_fields(binary)
        binary_format = self._archive(target)[1] == "binary"
        fields.update(
            ArtifactName=asset,
            ArtifactExt="",
            # An archive artifact carries no "Binary" extra, so .Binary is the project name;
            # an uploaded binary carries its file name (archive.go create, skip; tmpl.go).
            Binary=self._binary_path(binary, tag) if binary_format else self.project_name,
            ArtifactPath=_LOCAL_PATH,
        )
        return fields

    # -- lookups ---------------------------------------------------------------------------------

    def _binary(self, target: Target) -> Binary:
        for known, binary in self.binaries:
            if known == target:
                return binary
        self.check_target(target)
        raise AssertionError(target)  # check_target raised

    def _archive(self, target: Target) -> tuple[Archive, Format]:
        """The archive that packs ``target``'s binary in a format we read, and that format."""
        binary = self._binary(target)
        holding = [a for a in self.archives if not a.ids or binary.id in a.ids]
        if not holding:
            raise ConfigError(
                f"{self.source}: no archive packs the binary of build {binary.id!r} for {target}: "
                "list that id in an archive's ids (archives[].ids)"
            )
        for archive in holding:
            formats, _ = archive.formats_for(binary.goos)
            for fmt in formats:
                if fmt in FORMATS:
                    self._check_checksummed(archive)
                    return archive, _format(fmt)
        formats, where = holding[0].formats_for(binary.goos)
        raise ConfigError(
            f"{self.source}: {where} publishes the archive for {target} as "
            f"{', '.join(formats) or 'nothing'}; the wrapper reads {', '.join(FORMATS)}"
            + (" (none publishes no archive)" if "none" in formats else "")
        )

    def _check_checksummed(self, archive: Archive) -> None:
        if self.checksum_ids and archive.id not in self.checksum_ids:
            raise ConfigError(
                f"{self.source}: checksum.ids {list(self.checksum_ids)!r} leaves out archive "
                f"{archive.id!r} (archives[{archive.index}]), so its checksum is not published "
                "and it cannot be verified; add the archive's id to checksum.ids"
            )

    def _render(
        self,
        template: str,
        fields: Mapping[str, object],
        where: str,
        *,
        path: bool = False,
        name: bool = True,
    ) -> str:
        """Render ``template`` from the setting ``where``; refuse what is not a usable name.

        With ``path``, slashes are allowed (a binary in a directory, a wrap directory).
        """
        try:
            text = render(template, fields)
        except TemplateError as exc:
            raise TemplateError(f"{self.source}: {where}: {exc}") from exc
        if not name:
            return text
        parts = text.split("/") if path else [text]
        if not text or "\\" in text or any(p in {"", ".", ".."} or "/" in p for p in parts):
            raise ConfigError(
                f"{self.source}: {where} renders to {text!r}, which is not a usable file name"
            )
        return text


def _format(value: str) -> Format:
    for fmt in FORMATS:
        if fmt == value:
            return fmt
    raise AssertionError(value)


def _clean_member(path: str, source: str, where: str) -> str:
    # filepath.Join in archive.go's EnhancedArchive.Add cleans the path; never let it escape.
    cleaned = posixpath.normpath(path)
    if cleaned.startswith(("/", "..")) or cleaned == ".":
        raise ConfigError(f"{source}: {where} puts the binary at {path!r}, outside the archive")
    return cleaned


# --- reading a configuration ----------------------------------------------------------------------


def default_config_path() -> Path:
    """Where the release description is: in the installed package, or beside ``wrapper/``.

    The build copies the top-level ``goreleaser.yaml`` into the package, so one file serves
    both a source checkout and an installed wheel.
    """
    here = Path(__file__).resolve().parent
    for candidate in (here / CONFIG_NAME, here.parent / CONFIG_NAME):
        if candidate.is_file():
            return candidate
    return here / CONFIG_NAME


def load_release(path: str | os.PathLike[str] | None = None) -> Release:
    """Read a GoReleaser configuration into a :class:`Release`, applying GoReleaser's defaults."""
    import yaml  # only the commands and the build need it; the shim never comes here

    config_path = Path(path) if path is not None else default_config_path()
    source = str(config_path)
    try:
        data = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read the release description {source}: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{source} is not valid YAML: {exc}") from exc
    return parse_release(data, source, environ=os.environ)


def parse_release(
    data: object,
    source: str = CONFIG_NAME,
    *,
    origin: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> Release:
    """Build a :class:`Release` from a parsed GoReleaser v2 configuration (pure: no I/O).

    ``origin`` is the URL of the git remote ``origin`` of the checkout the package was built
    from: GoReleaser's repository when the configuration has no release block. ``environ`` is
    the environment ``.Env`` reads after the top-level ``env:`` list (none by default). Raises
    :class:`ConfigError` naming the setting (``archives[0].formats``) for anything unusable.
    """
    read = _Reader(source)
    config = read.mapping(data, "the document")
    if config.get("includes"):
        raise read.fail(
            "includes is not read: the wrapper reads one file, and asset names may come from an "
            "included one. Give it the merged configuration, which `goreleaser release "
            "--snapshot --clean` writes to dist/config.yaml"
        )
    project = _project_name(config, read)
    builds = _cli_builds(config, project, read)
    checksum = read.mapping(config.get("checksum") or {}, "checksum")
    release = read.mapping(config.get("release") or {}, "release")
    repository, no_repository = _repository(config, release, origin, read)
    return Release(
        project_name=project,
        binary_template=builds[0].binary,
        binaries=_binaries(config, project, builds, read),
        archives=_archives(config, read),
        **_checksum(checksum, read),
        repository_spec=repository,
        no_repository=no_repository,
        draft=release.get("draft") is True,
        env=tuple(str(v) for v in read.sequence(config.get("env") or [], "env", empty=True)),
        environ=tuple(sorted((environ or {}).items())),
        source=source,
    )


@dataclass(frozen=True)
class _Reader:
    """Type checks with messages that name the file and the setting."""

    source: str

    def fail(self, message: str) -> ConfigError:
        return ConfigError(f"{self.source}: {message}")

    def mapping(self, value: object, where: str) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(f"{where} must be a mapping, not {type(value).__name__}")
        return value

    def sequence(self, value: object, where: str, *, empty: bool = False) -> Sequence[Any]:
        if isinstance(value, (str, bytes)) or not isinstance(value, Sequence) or not (
            value or empty
        ):
            raise self.fail(f"{where} must be a {'' if empty else 'non-empty '}list")
        return value

    def strings(self, value: object, where: str) -> tuple[str, ...]:
        """A list of strings; YAML numbers and booleans read as Go reads them into strings."""
        return tuple(_scalar(v) for v in self.sequence(value or [], where, empty=True))

    def text(self, value: object, where: str) -> str:
        if not isinstance(value, str) or not value:
            raise self.fail(f"{where} must be set (a non-empty string)")
        return value

    def entries(self, config: Mapping[str, Any], key: str) -> Iterator[tuple[int, Mapping[str, Any]]]:
        for number, item in enumerate(self.sequence(config.get(key) or [], key, empty=True)):
            yield number, self.mapping(item, f"{key}[{number}]")


def _scalar(value: object) -> str:
    """A YAML scalar as Go's YAML decoder puts it into a string field (true, not True)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _project_name(config: Mapping[str, Any], read: _Reader) -> str:
    """``project_name``, or GoReleaser's first guess that needs no checkout: the release
    block's name (internal/pipe/project). Its other guesses (go.mod, the git remote) are not
    made here: a name must not depend on where the package is built."""
    if config.get("project_name"):
        return read.text(config["project_name"], "project_name")
    release = read.mapping(config.get("release") or {}, "release")
    for host in ("github", "gitlab", "gitea"):
        name = read.mapping(release.get(host) or {}, f"release.{host}").get("name")
        if isinstance(name, str) and name and "{{" not in name:
            return name
    raise read.fail(
        "project_name must be set (a non-empty string): GoReleaser would guess it from go.mod "
        "or the git remote, which the wrapper does not read"
    )


@dataclass(frozen=True)
class _Build:
    index: int
    id: str
    binary: str
    config: Mapping[str, Any]


def _cli_builds(config: Mapping[str, Any], project: str, read: _Reader) -> list[_Build]:
    """The builds of the CLI's binary: see the module docstring.

    The binary is that of the first (not skipped) build whose ``binary`` is the project name
    (GoReleaser's default binary), else of the first build; every build of that binary counts,
    as projects such as trivy build one binary in a build per OS.
    """
    builds: list[_Build] = []
    for number, item in read.entries(config, "builds"):
        where = f"builds[{number}]"
        if _scalar(item.get("skip", "")).strip().lower() == "true":
            continue
        builder = item.get("builder") or "go"
        if builder != "go":
            raise read.fail(
                f"{where}.builder is {builder!r}; the wrapper reads Go builds (builder: go), whose "
                "targets are GOOS/GOARCH"
            )
        binary = str(item.get("binary") or project)
        builds.append(_Build(number, str(item.get("id") or project), binary, item))
    if not config.get("builds"):
        builds.append(_Build(0, project, project, {}))
    if not builds:
        raise read.fail("every build is skipped (builds[].skip), so nothing is released")
    cli = next((b for b in builds if b.binary == project), builds[0])
    return [build for build in builds if build.binary == cli.binary]


def _build_targets(build: _Build, read: _Reader) -> list[tuple[str, str, str, str]]:
    """(goos, goarch, goamd64, goarm64) of every target the build makes
    (internal/builders/golang: WithDefaults, listTargets, ignored)."""
    item, where = build.config, f"builds[{build.index}]"
    if item.get("targets"):
        found = []
        for text in read.strings(item["targets"], f"{where}.targets"):
            for name in _FIRST_CLASS if text in _FIRST_CLASS_NAMES else (text,):
                goos, _, rest = name.partition("_")
                goarch, _, level = rest.partition("_")
                default = {"amd64": _DEFAULT_GOAMD64, "arm64": _DEFAULT_GOARM64}.get(goarch, "")
                level = level or default
                found.append((goos, goarch, *_levels(goarch, level)))
        return found
    goos = read.strings(item.get("goos"), f"{where}.goos") or _DEFAULT_GOOS
    goarch = read.strings(item.get("goarch"), f"{where}.goarch") or _DEFAULT_GOARCH
    amd64 = read.strings(item.get("goamd64"), f"{where}.goamd64") or (_DEFAULT_GOAMD64,)
    arm64 = read.strings(item.get("goarm64"), f"{where}.goarm64") or (_DEFAULT_GOARM64,)
    ignore = [rule for _, rule in read.entries(item, "ignore")] if item.get("ignore") else []
    targets = []
    for os_ in goos:
        for arch in goarch:
            levels = {"amd64": amd64, "arm64": arm64}.get(arch, ("",))
            for level in levels:
                candidate = (os_, arch, *_levels(arch, level))
                if not any(_ignores(rule, candidate) for rule in ignore):
                    targets.append(candidate)
    return targets


def _levels(goarch: str, level: str) -> tuple[str, str]:
    return (level, "") if goarch == "amd64" else ("", level) if goarch == "arm64" else ("", "")


def _ignores(rule: Mapping[str, Any], target: tuple[str, str, str, str]) -> bool:
    # A rule ignores a target when every field it sets matches (golang/targets.go, ignored).
    keys = ("goos", "goarch", "goamd64", "goarm64")
    if any(rule.get(k) for k in ("go386", "goarm", "gomips", "goppc64", "goriscv64")):
        return False  # those fields are empty on the targets a wheel can carry
    return all(not rule.get(k) or _scalar(rule[k]) == v for k, v in zip(keys, target))


def _level_key(level: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", level))


def _binaries(
    config: Mapping[str, Any], project: str, builds: list[_Build], read: _Reader
) -> tuple[tuple[Target, Binary], ...]:
    """One binary per wheel target: of the first build that makes it, or the universal
    binary that replaces the darwin ones."""
    built: dict[Target, tuple[_Build, list[tuple[str, str]]]] = {}
    for build in builds:
        for goos, goarch, amd64, arm64 in _build_targets(build, read):
            target = Target(goos, goarch)
            if built.setdefault(target, (build, []))[0] is build:
                built[target][1].append((amd64, arm64))
    binaries: list[tuple[Target, Binary]] = []
    for target, (build, levels) in built.items():
        if target not in SUPPORTED:
            continue
        amd64, arm64 = _pick_level(target, levels)
        level = amd64 or arm64
        binary = Binary(
            goos=target.os,
            goarch=target.arch,
            amd64=amd64,
            arm64=arm64,
            target=f"{target.os}_{target.arch}" + (f"_{level}" if level else ""),
            id=build.id,
            name_template=build.binary,
            where=f"builds[{build.index}].binary",
        )
        binaries.append((target, binary))
    darwin = [binary for target, binary in binaries if target.os == "darwin"]
    universal = _universal(config, project, darwin[0].id, read) if darwin else None
    if universal is not None:
        unibin_id, template, where = universal
        joined = Binary("darwin", "all", "", "", "", unibin_id, template, where, darwin[0])
        binaries = [(t, joined if t.os == "darwin" else b) for t, b in binaries]
    if not binaries:
        raise read.fail(
            f"{', '.join(f'builds[{b.index}]' for b in builds)} target none of the platforms "
            f"a wheel can carry ({', '.join(str(t) for t in SUPPORTED)})"
        )
    return tuple(binaries)


def _pick_level(target: Target, levels: list[tuple[str, str]]) -> tuple[str, str]:
    """Of several microarchitecture levels, the one every machine of the target runs: the
    baseline (GOAMD64 v1, GOARM64 v8.0) if built, else the lowest built."""
    baseline = (_DEFAULT_GOAMD64, "") if target.arch == "amd64" else ("", _DEFAULT_GOARM64)
    if baseline in levels:
        return baseline
    return min(levels, key=lambda pair: _level_key(pair[0] or pair[1]))


def _universal(
    config: Mapping[str, Any], project: str, build_id: str, read: _Reader
) -> tuple[str, str, str] | None:
    """``(id, name_template, where)`` of the universal binary that replaces the build's darwin
    binaries, if one does.

    internal/pipe/universalbinary: ``id`` defaults to the project name and ``ids`` to
    ``[id]``; with ``replace: true`` the per-architecture darwin binaries are removed and the
    one ``darwin``/``all`` artifact, named by ``name_template`` (default the project name), is
    archived instead. With ``replace: false`` both exist, and the wrapper keeps the
    per-architecture archives.
    """
    for number, item in read.entries(config, "universal_binaries"):
        unibin_id = str(item.get("id") or project)
        ids = read.strings(item.get("ids"), f"universal_binaries[{number}].ids") or (unibin_id,)
        if build_id in ids and item.get("replace") is True:
            template = str(item.get("name_template") or "{{ .ProjectName }}")
            return unibin_id, template, f"universal_binaries[{number}].name_template"
    return None


def _archives(config: Mapping[str, Any], read: _Reader) -> tuple[Archive, ...]:
    """``archives`` with GoReleaser's defaults (internal/pipe/archive, Default); ``meta``
    archives hold no binary and are left out. ``files`` are packed beside the binary and
    need no reading: the binary is found by its exact path."""
    entries = list(read.entries(config, "archives")) or [(0, {})]
    archives = []
    for number, item in entries:
        where = f"archives[{number}]"
        if item.get("meta") is True:
            continue
        formats = _formats(item, read, where) or ("tar.gz",)
        default = _DEFAULT_BINARY_TEMPLATE if "binary" in formats else _DEFAULT_ARCHIVE_TEMPLATE
        overrides = tuple(
            FormatOverride(
                goos=_scalar(override.get("goos") or ""),
                formats=_formats(override, read, f"{where}.format_overrides[{n}]"),
            )
            for n, override in read.entries(item, "format_overrides")
        )
        ids = read.strings(item.get("ids"), f"{where}.ids")
        ids += read.strings(item.get("builds"), f"{where}.builds")  # deprecated spelling
        archives.append(
            Archive(
                index=number,
                id=str(item.get("id") or "default"),
                ids=ids,
                name_template=str(item.get("name_template") or default),
                formats=formats,
                format_overrides=overrides,
                wrap_in_directory=_scalar(item.get("wrap_in_directory", "") or "false"),
                strip_binary_directory=item.get("strip_binary_directory") is True,
            )
        )
    return tuple(archives)


def _formats(item: Mapping[str, Any], read: _Reader, where: str) -> tuple[str, ...]:
    # v2 spells it ``formats: [tar.gz]``; v1's ``format: tar.gz`` is appended, deprecated.
    formats = read.strings(item.get("formats"), f"{where}.formats")
    return formats + ((_scalar(item["format"]),) if item.get("format") else ())


def _checksum(checksum: Mapping[str, Any], read: _Reader) -> dict[str, Any]:
    """``checksum`` with its defaults (internal/pipe/checksums, Default)."""
    if checksum.get("disable") is True:
        raise read.fail(
            "checksum.disable is true, so the release publishes no checksums and no archive "
            "can be verified; the wrapper installs only verified binaries"
        )
    algorithm = _scalar(checksum.get("algorithm") or "sha256")
    if algorithm not in CHECKSUM_ALGORITHMS:
        raise read.fail(
            f"checksum.algorithm {algorithm!r} is not one GoReleaser offers; use one of: "
            + ", ".join(a for a, why in CHECKSUM_ALGORITHMS.items() if why is None)
        )
    refused = CHECKSUM_ALGORITHMS[algorithm]
    if refused is not None:
        raise read.fail(f"checksum.algorithm {algorithm!r} is not supported: {refused}")
    split = checksum.get("split") is True
    default = _DEFAULT_SPLIT_CHECKSUM_TEMPLATE if split else _DEFAULT_CHECKSUM_TEMPLATE
    return {
        "checksum_template": str(checksum.get("name_template") or default),
        "checksum_algorithm": algorithm,
        "checksum_split": split,
        "checksum_ids": read.strings(checksum.get("ids"), "checksum.ids"),
    }


def _repository(
    config: Mapping[str, Any], release: Mapping[str, Any], origin: str | None, read: _Reader
) -> tuple[RepositorySpec | None, str]:
    """Where releases are published, and why it is unknown when it is.

    internal/pipe/release: one of ``release.github``, ``.gitlab``, ``.gitea`` names the
    repository when its ``name`` is set; otherwise the git remote does, here ``origin``.
    """
    if _scalar(release.get("disable", "")).strip().lower() == "true":
        return None, "release.disable is true, so GoReleaser publishes no release"
    urls = {
        host: read.mapping(config.get(f"{host}_urls") or {}, f"{host}_urls")
        for host in ("github", "gitlab", "gitea")
    }
    blocks = {
        host: read.mapping(release.get(host) or {}, f"release.{host}")
        for host in ("github", "gitlab", "gitea")
    }
    named = [host for host, block in blocks.items() if block.get("owner") or block.get("name")]
    if len(named) > 1:
        raise read.fail(
            f"release sets {', '.join('release.' + h for h in named)}; GoReleaser allows one"
        )
    host: Host
    if named and blocks[named[0]].get("name"):
        host = _host(named[0])
        block = blocks[host]
        owner, name, where = _scalar(block.get("owner") or ""), _scalar(block["name"]), f"release.{host}"
        if host != "gitlab":
            read.text(owner, f"{where}.owner")
    elif origin:
        remote_host, owner, name = parse_remote(origin)
        host = _origin_host(remote_host, urls, read)
        where = "the git remote 'origin'"
    else:
        return None, (
            "goreleaser.yaml has no release block (release.github, release.gitlab or "
            "release.gitea) and no git remote was recorded when the package was built"
        )
    settings = urls[host]
    download = _scalar(settings.get("download") or "")
    if host == "gitea" and not download:
        # internal/pipe/defaults: Gitea's download URL is its API URL without /api/v1.
        download = _scalar(settings.get("api") or "").replace("/api/v1", "").rstrip("/")
    if not download:
        download = _default_download(host, read)
    registry = host == "gitlab" and (
        settings.get("use_package_registry") is True or settings.get("use_job_token") is True
    )
    api = _scalar(settings.get("api") or "https://gitlab.com/api/v4") if registry else ""
    if registry and "/api/v4" not in api:
        api = api.rstrip("/") + "/api/v4"  # client-go's setBaseURL adds it
    return RepositorySpec(host, download, owner, name, where, registry, api), ""


def _host(value: str) -> Host:
    for host in ("github", "gitlab", "gitea"):
        if host == value:
            return host
    raise AssertionError(value)


def _default_download(host: Host, read: _Reader) -> str:
    for known, (kind, url) in PUBLIC_HOSTS.items():
        if kind == host and known in ("github.com", "gitlab.com"):
            return url
    raise read.fail(
        "gitea_urls.download (or gitea_urls.api) must be set: Gitea has no default server"
    )


def _origin_host(
    remote_host: str, urls: Mapping[str, Mapping[str, Any]], read: _Reader
) -> Host:
    """The kind of server the git remote is on: a public one by name, a self-hosted one by
    the ``*_urls`` block GoReleaser needs to reach it."""
    if remote_host in PUBLIC_HOSTS:
        return PUBLIC_HOSTS[remote_host][0]
    configured = [_host(h) for h, settings in urls.items() if settings.get("download") or settings.get("api")]
    if len(configured) == 1:
        return configured[0]
    raise read.fail(
        f"the git remote 'origin' is on {remote_host!r}, a server the wrapper cannot tell "
        "GitHub Enterprise, GitLab or Gitea apart on: set github_urls, gitlab_urls or "
        "gitea_urls (download) as GoReleaser needs, or add a release block"
    )
