"""The release description: what the Go project publishes, as its ``goreleaser.yaml`` says.

GoReleaser's own configuration is the single source of truth for the project name, the GitHub
repository, the binary, the targets and every asset name, so the wrapper can never drift from
what the release pipeline uploads. Wrapping another GoReleaser CLI means dropping in its config.
This module is pure: ``description.py`` reads the file (or the sdist's record of it).
The fields read, and GoReleaser's defaults where one is absent, follow
https://goreleaser.com/customization/ (builds, archives, checksum, release).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ._gotemplate import render
from .checksums import DIGEST_SIZES
from .errors import ConfigError, UnsupportedPlatformError
from .platforms import SUPPORTED, Target
from .versions import release_version

__all__ = ["CONFIG_NAME", "Release", "parse_release"]

CONFIG_NAME = "goreleaser.yaml"

# GoReleaser v2 defaults (internal/pipe/archive, internal/pipe/checksums, builders/golang).
_DEFAULT_ARCHIVE_TEMPLATE = (
    "{{ .ProjectName }}_{{ .Version }}_{{ .Os }}_{{ .Arch }}{{ with .Arm }}v{{ . }}{{ end }}"
    '{{ with .Mips }}_{{ . }}{{ end }}{{ if not (eq .Amd64 "v1") }}{{ .Amd64 }}{{ end }}'
)
_DEFAULT_CHECKSUM_TEMPLATE = "{{ .ProjectName }}_{{ .Version }}_checksums.txt"
_DEFAULT_GOOS = ("darwin", "linux", "windows")
_DEFAULT_GOARCH = ("386", "amd64", "arm64")

# Archive formats whose members we can read; GoReleaser also offers binary, gz, tar.zst.
EXTRACTABLE_FORMATS = ("tar.gz", "tgz", "tar.xz", "txz", "tar", "zip")


@dataclass(frozen=True)
class FormatOverride:
    """``archives[].format_overrides[]``: other formats for the targets whose GOOS it names."""

    goos: str
    formats: tuple[str, ...]


@dataclass(frozen=True)
class Release:
    """Everything the wrapper needs to know about the releases of one GoReleaser project."""

    project_name: str
    repository: str  # "owner/name" on GitHub
    binary_template: str
    targets: tuple[Target, ...]
    archive_template: str
    formats: tuple[str, ...]
    format_overrides: tuple[FormatOverride, ...]
    wrap_in_directory: str  # "true", "false" or a template, as GoReleaser reads it
    checksum_template: str
    checksum_algorithm: str
    source: str = CONFIG_NAME

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
        """The console command: the binary's name as GoReleaser builds it, without ``.exe``."""
        return self._render(
            self.binary_template, {"ProjectName": self.project_name}, "builds[0].binary"
        )

    @property
    def releases_page(self) -> str:
        return f"https://github.com/{self.repository}/releases"

    def release_url(self, tag: str) -> str:
        """The directory URL that holds one release's assets (GitHub's download location)."""
        return f"{self.releases_page}/download/{tag}/"

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

    def _fields(self, target: Target, tag: str) -> dict[str, object]:
        fields: dict[str, object] = {
            "ProjectName": self.project_name,
            "Version": release_version(tag),
            "Tag": tag,
            "Os": target.os,
            "Arch": target.arch,
            "Arm": "",
            "Mips": "",
            "Amd64": "v1" if target.arch == "amd64" else "",
        }
        fields["Binary"] = self._render(self.binary_template, fields, "builds[0].binary")
        return fields

    def _render(self, template: str, fields: Mapping[str, object], where: str) -> str:
        text = render(template, fields)
        if not text or "/" in text or "\\" in text or text in {".", ".."}:
            raise ConfigError(
                f"{self.source}: {where} renders to {text!r}, which is not a usable file name"
            )
        return text

    def archive_format(self, target: Target) -> str:
        """The first format of the archive for ``target`` that we can extract."""
        formats = self.formats
        for override in self.format_overrides:
            # GoReleaser matches overrides by prefix of the platform string (archive.go).
            if target.os.startswith(override.goos):
                formats = override.formats
                break
        for fmt in formats:
            if fmt in EXTRACTABLE_FORMATS:
                return fmt
        raise ConfigError(
            f"{self.source}: the archive for {target} is published as {', '.join(formats)}; "
            f"the wrapper can extract {', '.join(EXTRACTABLE_FORMATS)}"
        )

    def archive_name(self, target: Target, tag: str) -> str:
        """The asset name of the archive for ``target`` in the release ``tag``."""
        stem = self._render(
            self.archive_template, self._fields(target, tag), "archives[0].name_template"
        )
        return f"{stem}.{self.archive_format(target)}"

    def binary_name(self, target: Target, tag: str) -> str:
        """The binary's file name as built: Go adds ``.exe`` on Windows."""
        name = str(self._fields(target, tag)["Binary"])
        return f"{name}.exe" if target.os == "windows" else name

    def binary_member(self, target: Target, tag: str) -> str:
        """The binary's path inside the archive, with GoReleaser's ``wrap_in_directory``."""
        name = self.binary_name(target, tag)
        if self.wrap_in_directory == "false":
            return name
        folder_template = (
            self.archive_template if self.wrap_in_directory == "true" else self.wrap_in_directory
        )
        folder = self._render(
            folder_template, self._fields(target, tag), "archives[0].wrap_in_directory"
        )
        return f"{folder}/{name}"

    def checksum_name(self, tag: str) -> str:
        """The asset name of the checksums file of the release ``tag``."""
        fields = {"ProjectName": self.project_name, "Version": release_version(tag), "Tag": tag}
        return self._render(self.checksum_template, fields, "checksum.name_template")


def parse_release(data: object, source: str = CONFIG_NAME) -> Release:
    """Build a :class:`Release` from a parsed GoReleaser configuration (pure: no I/O)."""
    config = _mapping(data, source, "the document")
    project = _text(config.get("project_name"), source, "project_name")
    github = _mapping(
        _mapping(config.get("release", {}), source, "release").get("github"),
        source,
        "release.github",
    )
    owner = _text(github.get("owner"), source, "release.github.owner")
    repository = f"{owner}/{_text(github.get('name'), source, 'release.github.name')}"

    builds = _sequence(config.get("builds") or [{}], source, "builds")
    build = _mapping(builds[0], source, "builds[0]")
    binary = str(build.get("binary") or project)
    goos = tuple(
        str(v) for v in _sequence(build.get("goos") or _DEFAULT_GOOS, source, "builds[0].goos")
    )
    goarch = tuple(
        str(v)
        for v in _sequence(build.get("goarch") or _DEFAULT_GOARCH, source, "builds[0].goarch")
    )
    ignored = [
        _mapping(item, source, "builds[0].ignore[]")
        for item in _sequence(build.get("ignore") or [], source, "builds[0].ignore", empty=True)
    ]
    targets = tuple(
        target
        for target in (Target(os_, arch) for os_ in goos for arch in goarch)
        if target in SUPPORTED and not any(_ignores(rule, target) for rule in ignored)
    )
    if not targets:
        raise ConfigError(
            f"{source}: builds[0] targets none of the platforms a wheel can carry "
            f"({', '.join(str(t) for t in SUPPORTED)})"
        )

    archives = _sequence(config.get("archives") or [{}], source, "archives")
    archive = _mapping(archives[0], source, "archives[0]")
    overrides = tuple(
        FormatOverride(
            goos=_text(item.get("goos"), source, "archives[0].format_overrides[].goos"),
            formats=_formats(item, source, "archives[0].format_overrides[]") or ("tar.gz",),
        )
        for item in (
            _mapping(raw, source, "archives[0].format_overrides[]")
            for raw in _sequence(
                archive.get("format_overrides") or [],
                source,
                "archives[0].format_overrides",
                empty=True,
            )
        )
    )
    wrap = archive.get("wrap_in_directory", False)
    checksum = _mapping(config.get("checksum") or {}, source, "checksum")
    algorithm = str(checksum.get("algorithm") or "sha256")
    if algorithm not in DIGEST_SIZES:
        raise ConfigError(
            f"{source}: checksum.algorithm {algorithm!r} is not supported; use one of: "
            + ", ".join(DIGEST_SIZES)
        )
    return Release(
        project_name=project,
        repository=repository,
        binary_template=binary,
        targets=targets,
        archive_template=str(archive.get("name_template") or _DEFAULT_ARCHIVE_TEMPLATE),
        formats=_formats(archive, source, "archives[0]") or ("tar.gz",),
        format_overrides=overrides,
        wrap_in_directory=str(wrap).lower() if isinstance(wrap, bool) else str(wrap),
        checksum_template=str(checksum.get("name_template") or _DEFAULT_CHECKSUM_TEMPLATE),
        checksum_algorithm=algorithm,
        source=source,
    )


def _ignores(rule: Mapping[str, Any], target: Target) -> bool:
    # An ignore rule matches when each field it sets matches (GoReleaser buildtarget).
    return all(
        not rule.get(key) or str(rule[key]) == value
        for key, value in (("goos", target.os), ("goarch", target.arch))
    )


def _formats(item: Mapping[str, Any], source: str, where: str) -> tuple[str, ...]:
    # v2 spells it ``formats: [tar.gz]``; v1's ``format: tar.gz`` is still accepted, deprecated.
    if item.get("formats"):
        return tuple(str(v) for v in _sequence(item["formats"], source, f"{where}.formats"))
    if item.get("format"):
        return (str(item["format"]),)
    return ()


def _mapping(value: object, source: str, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ConfigError(f"{source}: {where} must be a mapping, not {type(value).__name__}")
    return value


def _sequence(value: object, source: str, where: str, *, empty: bool = False) -> Sequence[Any]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence) or not (value or empty):
        raise ConfigError(f"{source}: {where} must be a {'' if empty else 'non-empty '}list")
    return value


def _text(value: object, source: str, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{source}: {where} must be set (a non-empty string)")
    return value
