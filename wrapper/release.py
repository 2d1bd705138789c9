"""The release description: what the Go project publishes, read from its ``goreleaser.yaml``.

GoReleaser's own configuration is the single source of truth for the project name, the
repository, the binary, the targets and every asset name, so the wrapper can never drift from
what the release pipeline uploads. Wrapping another GoReleaser CLI means dropping in its v2
config as it is: the sections that name assets (``builds``, ``universal_binaries``,
``archives``, ``checksum``, ``release`` with ``*_urls``, ``env``, and ``signs`` and ``sboms``
for the files they add) are read as GoReleaser reads them, with its defaults; every other block
(``nfpms``, ``notarize``, ``homebrew_casks``, ``changelog``, ...) is accepted and ignored. The
rules and defaults cite the files of GoReleaser v2's source they come from
(https://github.com/goreleaser/goreleaser, ``internal/``) and
https://goreleaser.com/customization/. This module is pure: ``description.py`` reads the file
(or the sdist's record of it).

Two choices the configuration leaves open, made here:

* **The CLI**, when ``builds`` has several: the builds a top-level ``env`` entry
  ``PYPI_CLI_BUILDS=id,id`` names; else the binary of the first (not skipped) build whose
  ``binary`` is the project name (GoReleaser's default binary); else the builds whose binaries
  are named per OS with the project name as their stem (cosign); else the first build's binary.
  Every build of that binary counts, the first that makes a target winning (trivy builds one per
  OS); see ``_config.cli_builds``.
* **One binary per wheel target**: of several ``goamd64`` levels the one any amd64 machine runs
  (``v1`` if built, else the lowest), of several ``goarm64`` levels ``v8.0`` if built, else the
  lowest; of several archives holding the binary, the first with a format the wrapper reads.
"""

from __future__ import annotations

import functools
import posixpath
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, TypeVar

from . import _config
from ._config import Archive, Binary, RepositorySpec, Sbom, Sign
from ._gotemplate import Namespace, Unknowable, render
from .description import CONFIG_NAME
from .errors import ConfigError, TemplateError, UnsupportedPlatformError
from .formats import FORMATS, Format, is_format
from .plan import AssetPlan, CheckedAsset
from .platforms import Target, no_wheel_reason
from .repository import Repository
from .versions import release_version

__all__ = ["NO_ENVIRONMENT", "UNKNOWN_FIELD", "Release", "parse_release"]

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
# What a field no install can know renders as in :meth:`Release.ldflags`: never in a real flag.
UNKNOWN_FIELD = "\x00unknown\x00"
_T = TypeVar("_T")
# No environment: what ``.Env`` reads when no caller passed one in.
NO_ENVIRONMENT: Mapping[str, str] = MappingProxyType({})
_TAG_FIELDS = ("Version", "RawVersion", "Tag", "Major", "Minor", "Patch", "Prerelease")
_LOCAL_PATH = Unknowable("is a path on the machine that made the release")
# Masterminds/semver, as internal/pipe/semver parses the tag for .Major, .Minor, .Patch.
_SEMVER = re.compile(
    r"v?(?P<major>\d+)(?:\.(?P<minor>\d+))?(?:\.(?P<patch>\d+))?"
    r"(?:-(?P<pre>[0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?"
)


# --- the release ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Release:
    """Everything the wrapper needs to know about the releases of one GoReleaser project."""

    project_name: str
    binary_template: str  # the CLI build's ``binary``
    # One per target, wheel or not, in the build's order; darwin/all for a universal binary.
    binaries: tuple[tuple[Target, Binary], ...]
    archives: tuple[Archive, ...]
    checksum_template: str
    checksum_algorithm: str
    checksum_split: bool = False
    checksum_ids: tuple[str, ...] = ()
    repository_spec: RepositorySpec | None = None
    no_repository: str = "goreleaser.yaml has no release block and no git remote is recorded"
    draft: bool = False
    command: str = ""  # the command's name when the CLI's builds name binaries per OS
    signs: tuple[Sign, ...] | None = None  # None: the configuration has no signs block
    sboms: tuple[Sbom, ...] | None = None  # None: the configuration has no sboms block
    env: tuple[str, ...] = ()  # the top-level env: list, templates
    source: str = CONFIG_NAME

    # -- names that do not depend on a release ---------------------------------------------------

    @property
    def targets(self) -> tuple[Target, ...]:
        """Every target the release has a binary for, wheel or not (``darwin/all``: a universal
        binary)."""
        return tuple(target for target, _ in self.binaries)

    def no_wheel(self, target: Target) -> str | None:
        """Why ``target``'s build gets no wheel (one line), or ``None`` when it gets one
        (:func:`platforms.no_wheel_reason`: the platform tags PyPI accepts)."""
        return no_wheel_reason(target)

    def level(self, target: Target) -> str | None:
        """The microarchitecture level ``target``'s binary needs above its architecture's
        baseline (``GOAMD64=v3``), or ``None`` (:attr:`_config.Binary.level`); raises as
        :meth:`check_target` does."""
        return self._binary(target).level

    def armv7l_from(self, target: Target) -> bool:
        """Whether ``target``'s wheel serves armv7l machines too: a Linux GOARM 6 build when
        the release builds no GOARM 7 (ARMv7 runs ARMv6 code)."""
        six, seven = Target("linux", "arm", "6"), Target("linux", "arm", "7")
        return target == six and seven not in self.targets

    @property
    def env_prefix(self) -> str:
        """Prefix of this wrapper's environment variables: ``mycli`` -> ``MYCLI_``."""
        return re.sub(r"[^A-Z0-9]+", "_", self.project_name.upper()).strip("_") + "_"

    @property
    def import_name(self) -> str:
        """The import package the wrapper installs as, so two wrapped CLIs never collide."""
        return re.sub(r"[^a-z0-9]+", "_", self.project_name.lower()).strip("_") + "_cli"

    @property
    def command_name(self) -> str:
        """The console command: the build's binary name, without directory or ``.exe``; the
        project name for a CLI built per OS under names such as ``cosign-linux-{{ .Arch }}``."""
        if self.command:
            return self.command
        varies = Unknowable("changes from release to release, and the command's name cannot")
        fields = dict(self._scope("", lenient=True).general)
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
        home = self._home
        return "" if isinstance(home, ConfigError) else home.path

    @property
    def github_repository(self) -> str | None:
        """``owner/name`` when releases are published on github.com, else None.

        Sigstore keyless signatures and artifact attestations are checked against GitHub
        Actions' OIDC claims for ``https://github.com/<owner>/<name>``; a GitLab, Gitea or
        GitHub Enterprise repository of the same name is another repository, so no keyless
        identity is derived for it.
        """
        if self.repository_spec is None or self.repository_spec.host != "github":
            return None
        homepage = self.homepage
        if homepage is None or homepage != f"https://github.com/{self.repository}":
            return None
        return self.repository

    @property
    def homepage(self) -> str | None:
        """The repository's web page (``https://github.com/owner/name``); None when unknown."""
        if self.repository_spec is None:
            return None
        home = self._home
        return None if isinstance(home, ConfigError) else home.homepage

    @property
    def releases_page(self) -> str:
        """The page listing the releases, for messages; a hint when the repository is unknown."""
        if self.repository_spec is None:
            return f"the project's releases page ({self.no_repository})"
        home = self._home
        if isinstance(home, ConfigError):
            raise home.with_traceback(None)
        return home.releases_page

    @functools.cached_property
    def _home(self) -> Repository | ConfigError:
        """The repository as the configuration alone names it (no tag, no environment),
        rendered once; the error when it cannot be."""
        try:
            return self._repository(self._scope("", lenient=True).general)
        except ConfigError as exc:
            return exc

    def release_url(self, tag: str, environ: Mapping[str, str] = NO_ENVIRONMENT) -> str:
        """The directory URL (ending in ``/``) that holds the assets of the release ``tag``.

        ``environ`` is the environment the templates' ``.Env`` reads (after the ``env:`` list).
        Raises :class:`ConfigError` when the configuration names no repository (no release
        block, no recorded git remote, or ``release.disable``): then the release location must
        be given by ``<PREFIX>RELEASE_URL``.
        """
        return self._release_url(self._scope(tag, environ))

    def _release_url(self, scope: _Scope) -> str:
        if self.repository_spec is None:
            raise ConfigError(
                f"{self.source}: the release location is unknown: {self.no_repository}. Set "
                f"{self.env_prefix}RELEASE_URL to the URL or directory holding the release "
                "assets, or add a release block (release.github: {owner: ..., name: ...})"
            )
        fields = scope.general
        version = str(fields["Version"])
        return self._repository(fields).release_url(scope.tag, self.project_name, version)

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
        """Return the target whose archive serves ``target``, else say which targets it has.

        That is ``target`` itself, or for an arm machine the best ARM build there is at or
        below its GOARM (ARMv7 runs ARMv6 code: an armv7l machine takes GOARM 6 when the
        release builds no GOARM 7), or for a Mac whose architecture has no build of its own the
        universal binary, ``darwin/all``.
        """
        universal = Target(target.os, "all")
        if target.os == "darwin" and target not in self.targets and universal in self.targets:
            return universal
        if target.arch == "arm" and target not in self.targets:
            arms = [t for t in self.targets if t.os == target.os and t.arch == "arm"]
            fitting = [t for t in arms if t.variant <= target.variant]
            if fitting:
                return max(fitting, key=lambda t: t.variant)
        if target not in self.targets:
            supported = ", ".join(str(t) for t in self.targets)
            raise UnsupportedPlatformError(
                f"{self.project_name} publishes no build for this platform, {target}. "
                f"Supported platforms: {supported}. Other builds may be listed at "
                f"{self.releases_page}."
            )
        return target

    # -- asset names -----------------------------------------------------------------------------

    def plan(
        self, tag: str, target: Target, environ: Mapping[str, str] = NO_ENVIRONMENT
    ) -> AssetPlan:
        """Every name and URL of the install of ``target`` from the release ``tag``.

        ``environ`` is the user's environment, as the templates' ``.Env`` reads it (overridden
        by the top-level ``env:`` list). The template context is built once and each name
        rendered once. Raises :class:`UnsupportedPlatformError` for a target the release has no
        binary for, and :class:`ConfigError` (:class:`TemplateError`) for a name that cannot be
        rendered; a release URL that cannot be is kept as the reason there is none.
        """
        self.check_target(target)
        scope = self._scope(tag, environ)
        archive = self._archive_name(target, scope)
        try:
            url: str | None = self._release_url(scope)
            reason = None
        except ConfigError as exc:
            url, reason = None, exc
        return AssetPlan(
            tag=tag,
            target=target,
            archive=self._checked(scope, archive, self._checksum_name(scope, target)),
            archive_format=self._archive(target)[1],
            binary_member=self._binary_member(target, scope),
            binary_name=posixpath.basename(self._binary_path(self._binary(target), scope)),
            ldflags=self._ldflags(target, scope),
            sboms=tuple(
                self._checked(scope, sbom, self._other_checksum_name(scope, sbom))
                for sbom in self._sbom_names(target, scope)
            ),
            release_url=url,
            no_release_url=reason,
        )

    def archive_format(self, target: Target) -> Format:
        """The first format of ``target``'s archive that the wrapper reads (formats.py).

        Raises :class:`ConfigError` naming the setting when the archive for ``target`` is
        published only as ``none`` or in formats the wrapper does not read.
        """
        return self._archive(target)[1]

    def archive_name(
        self, target: Target, tag: str, environ: Mapping[str, str] = NO_ENVIRONMENT
    ) -> str:
        """The asset name of ``target``'s archive in the release ``tag``.

        ``name_template`` plus ``.<format>``; with the ``binary`` format the asset is the binary
        itself, named ``name_template`` plus ``.exe`` on Windows (archive.go ``create``, ``skip``).

        Raises :class:`UnsupportedPlatformError` for a target the release has no binary for, and
        :class:`ConfigError` (:class:`TemplateError`) when the template cannot give a file name,
        as do :meth:`binary_name` and :meth:`binary_member`.
        """
        return self._archive_name(target, self._scope(tag, environ))

    def _archive_name(self, target: Target, scope: _Scope) -> str:
        fmt, binary = self._archive(target)[1], self._binary(target)
        stem = self._archive_stem(target, scope)
        return stem + binary.ext if fmt == "binary" else f"{stem}.{fmt}"

    def _archive_stem(self, target: Target, scope: _Scope) -> str:
        """The archive's ``name_template`` rendered: its name without the format."""

        def make() -> str:
            archive, binary = self._archive(target)[0], self._binary(target)
            where = f"archives[{archive.index}].name_template"
            return self._render(archive.name_template, self._archive_fields(binary, scope), where)

        return scope.once(("archive", target), make)

    def binary_name(
        self, target: Target, tag: str, environ: Mapping[str, str] = NO_ENVIRONMENT
    ) -> str:
        """The binary's file name as GoReleaser built it: ``.exe`` on Windows, no directory."""
        binary = self._binary(target)
        return posixpath.basename(self._binary_path(binary, self._scope(tag, environ)))

    def binary_member(
        self, target: Target, tag: str, environ: Mapping[str, str] = NO_ENVIRONMENT
    ) -> str:
        """The binary's path inside the archive (archive.go ``create``).

        The build's binary path (``bin/tool`` stays ``bin/tool`` unless
        ``strip_binary_directory``), inside ``wrap_in_directory``: ``true`` wraps in the
        archive's name template, ``false`` not at all, anything else is a template. For the
        ``binary`` format the asset is the binary: its member is the asset's own name.
        """
        return self._binary_member(target, self._scope(tag, environ))

    def _binary_member(self, target: Target, scope: _Scope) -> str:
        archive, fmt = self._archive(target)
        if fmt == "binary":
            return self._archive_name(target, scope)
        binary = self._binary(target)
        member = self._binary_path(binary, scope)
        if archive.strip_binary_directory:
            member = posixpath.basename(member)
        wrap = archive.wrap_in_directory
        if wrap == "true":  # the archive's name template: its stem, rendered once
            member = f"{self._archive_stem(target, scope)}/{member}"
        elif wrap and wrap != "false":
            where = f"archives[{archive.index}].wrap_in_directory"
            folder = self._render(wrap, self._archive_fields(binary, scope), where, path=True)
            member = f"{folder}/{member}"
        return _clean_member(member, self.source, f"archives[{archive.index}]")

    def ldflags(
        self, target: Target, tag: str, environ: Mapping[str, str] = NO_ENVIRONMENT
    ) -> tuple[str | None, ...]:
        """``target``'s build's ``ldflags``, each rendered for ``tag`` as GoReleaser renders
        them (internal/builders/golang/build.go processFlags: the binary's fields). A field no
        install can know (``.Commit``, ``.Date``, ...) renders as :data:`UNKNOWN_FIELD`; an
        entry that cannot be rendered here (an unset ``.Env``, a function this renderer lacks)
        is None. GoReleaser joins them with spaces into the one ``-ldflags`` it passes to Go.
        """
        try:
            scope = self._scope(tag, environ)
        except TemplateError:  # the env: list cannot be rendered here
            binary = self._binary(target)
            return tuple(None for _ in (binary.made_from or binary).ldflags)
        return self._ldflags(target, scope)

    def _ldflags(self, target: Target, scope: _Scope) -> tuple[str | None, ...]:
        binary = self._binary(target)
        binary = binary.made_from or binary  # a universal binary joins the build's binaries
        fields = dict(self._build_fields(binary, scope))
        fields.update(dict.fromkeys(_UNKNOWABLE, UNKNOWN_FIELD))
        rendered: list[str | None] = []
        for flag in binary.ldflags:
            try:
                rendered.append(render(flag, fields))
            except TemplateError:
                rendered.append(None)
        return tuple(rendered)

    def checksum_name(
        self, tag: str, artifact: str | None = None, environ: Mapping[str, str] = NO_ENVIRONMENT
    ) -> str:
        """The asset name of the checksums file of the release ``tag``.

        The one combined file, or, with ``checksum.split``, the file that holds the checksum of
        the asset ``artifact`` alone (internal/pipe/checksums: ``singleChecksum``,
        ``splitChecksum``; default template ``{{ .ArtifactName }}.{{ .Algorithm }}``). A split
        file name needs ``artifact``: :class:`ConfigError` without it.
        """
        scope = self._scope(tag, environ)
        if not self.checksum_split:
            return self._checksum_name(scope, None)
        if artifact is None:
            raise ConfigError(
                f"{self.source}: checksum.split is true, so each asset has its own checksum file; "
                "its name depends on the asset's name"
            )
        for target in self.targets:
            if self._archive_name(target, scope) == artifact:
                return self._checksum_name(scope, target)
        return self._other_checksum_name(scope, artifact)

    def _other_checksum_name(self, scope: _Scope, artifact: str) -> str:
        """The checksums file listing ``artifact``, an asset other than an archive (an SBOM)."""
        if not self.checksum_split:
            return self._checksum_name(scope, None)

        def make() -> str:
            fields = {**scope.general, "ArtifactName": artifact, "ArtifactExt": ""}
            fields.update(Binary=self.project_name, Algorithm=self.checksum_algorithm)
            return self._render(self.checksum_template, fields, "checksum.name_template")

        return scope.once(("checksums", artifact), make)

    def _checked(self, scope: _Scope, asset: str, checksums: str) -> CheckedAsset:
        signatures = scope.once(
            ("signatures", checksums), lambda: self._checksum_signatures(scope, checksums)
        )
        return CheckedAsset(asset, checksums, signatures)

    def _checksum_name(self, scope: _Scope, target: Target | None) -> str:
        """The checksums file listing ``target``'s archive (any, without ``checksum.split``)."""
        if not self.checksum_split:
            general = scope.general
            where = "checksum.name_template"
            return scope.once(
                ("checksums",), lambda: self._render(self.checksum_template, general, where)
            )
        assert target is not None

        def make() -> str:
            artifact = self._archive_name(target, scope)
            fields = {**scope.general, **self._artifact_fields(target, scope, artifact)}
            fields["Algorithm"] = self.checksum_algorithm
            return self._render(self.checksum_template, fields, "checksum.name_template")

        return scope.once(("checksums", target), make)

    def checksum_signatures(
        self, tag: str, checksums: str, environ: Mapping[str, str] = NO_ENVIRONMENT
    ) -> tuple[tuple[str, str], ...]:
        """``(signature, certificate)`` asset names of each signature on the checksums file
        ``checksums``; the certificate is ``""`` where none is written.

        Rendered from every ``signs`` entry that signs checksums (``artifacts: checksum`` or
        ``all``) as GoReleaser's sign pipe names what it uploads (internal/pipe/sign,
        ``signone``): ``$artifact``-style variables expanded first (``artifact`` is the
        checksums file's name), then the template with the checksums file as ``.ArtifactName``.
        Without a signs block, the names cosign is conventionally run with:
        ``<checksums>.sig`` and ``<checksums>.sigstore.json``.
        """
        return self._checksum_signatures(self._scope(tag, environ), checksums)

    def _checksum_signatures(self, scope: _Scope, checksums: str) -> tuple[tuple[str, str], ...]:
        if self.signs is None:
            return ((checksums + CONVENTIONAL_SIGNATURE, ""), (checksums + CONVENTIONAL_BUNDLE, ""))
        fields = {**scope.general, **_NO_PLATFORM}
        # A checksums artifact has no Ext or Binary extra (tmpl.go WithArtifact: ExtraOr).
        fields.update(ArtifactName=checksums, ArtifactExt="", ArtifactPath=_LOCAL_PATH)
        fields["Binary"] = self.project_name
        found = []
        for sign in self.signs:
            if sign.signs_checksums():
                found.append(self._signature_files(sign, checksums, fields, scope))
        return tuple(found)

    def sbom_names(
        self, target: Target, tag: str, environ: Mapping[str, str] = NO_ENVIRONMENT
    ) -> tuple[str, ...]:
        """The SBOM asset names describing ``target``'s archive (or its binary).

        Rendered from every ``sboms`` entry that catalogs that archive, or the binary in it,
        (internal/pipe/sbom, ``applyTemplate``): each document's ``$artifact``-style variables
        expanded, the template rendered with the artifact's fields, and its base name taken.
        Without an sboms block, GoReleaser's documented recipe's name:
        ``<archive>.sbom.json``.
        """
        return self._sbom_names(target, self._scope(tag, environ))

    def _sbom_names(self, target: Target, scope: _Scope) -> tuple[str, ...]:
        archive_name = self._archive_name(target, scope)
        if self.sboms is None:
            return (archive_name + CONVENTIONAL_SBOM,)
        archive, fmt = self._archive(target)
        binary = self._binary(target)
        names: list[str] = []
        for sbom in self.sboms:
            kind = sbom.catalogs(archive.id, binary.id, fmt == "binary")
            if not kind:
                continue
            where = f"sboms[{sbom.index}]"
            general = scope.general
            if self._render(sbom.disable, general, f"{where}.disable", name=False) == "true":
                continue
            if kind == "archive":
                artifact = archive_name
                fields = {**general, **self._artifact_fields(target, scope, archive_name)}
                artifact_id = archive.id
            else:
                artifact = posixpath.basename(self._binary_path(binary, scope))
                fields = self._archive_fields(binary, scope)
                artifact_id = binary.id
            variables = {"artifact": artifact, "artifactID": artifact_id}
            for number, document in enumerate(sbom.documents):
                text = _expand(document, {**scope.variables, **variables})
                rendered = self._render(text, fields, f"{where}.documents[{number}]", path=True)
                names.append(posixpath.basename(rendered))
        return tuple(dict.fromkeys(names))

    def _signature_files(
        self, sign: Sign, artifact: str, fields: Mapping[str, object], scope: _Scope
    ) -> tuple[str, str]:
        where = f"signs[{sign.index}]"
        # A checksums artifact has no id and no digest extra: both expand to nothing.
        variables = {**scope.variables, "artifact": artifact, "artifactName": artifact}
        variables.update(artifactID="", digest="")
        signature = self._render(_expand(sign.signature, variables), fields, f"{where}.signature")
        variables.update(signature=signature, certificate="")
        certificate = ""
        if sign.certificate:
            text = _expand(sign.certificate, variables)
            certificate = self._render(text, fields, f"{where}.certificate", name=False)
            if certificate:
                self._usable(certificate, f"{where}.certificate")
        return signature, certificate

    # -- template fields (internal/tmpl/tmpl.go: New, WithArtifact, WithBuildOptions) -------------

    def _scope(
        self, tag: str, environ: Mapping[str, str] = NO_ENVIRONMENT, *, lenient: bool = False
    ) -> _Scope:
        """The template context of the release ``tag`` in ``environ``, built once.

        ``lenient`` for what the configuration alone names (the repository, the command): an
        ``env:`` entry that cannot be rendered without the user's environment is left out.
        """
        return _Scope(tag, self._general(tag, environ, lenient))

    def _environment(
        self, fields: Mapping[str, object], environ: Mapping[str, str], lenient: bool
    ) -> Namespace:
        """``.Env``: the environment, overridden by the top-level ``env:`` list (internal/pipe/env),
        whose entries are templates rendered against the environment alone."""
        missing = (
            "the environment variable {name!r} is not set, so .Env.{name} has no value: set it, "
            f"or give it a value in {self.source}'s top-level env: list"
        )
        values: dict[str, object] = dict(environ)
        given = Namespace(dict(values), missing)
        for number, entry in enumerate(self.env):
            try:
                text = self._render(entry, {**fields, "Env": given}, f"env[{number}]", name=False)
            except TemplateError:
                if not lenient:
                    raise
                continue
            key, sep, value = text.partition("=")
            if sep and key:
                values[key] = value
        return Namespace(values, missing)

    def _general(
        self, tag: str, environ: Mapping[str, str], lenient: bool = False
    ) -> dict[str, object]:
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
        fields["Env"] = self._environment(dict(fields), environ, lenient)
        return fields

    def _platform_fields(self, binary: Binary) -> dict[str, object]:
        return {
            "Os": binary.goos,
            "Arch": binary.goarch,
            "Amd64": binary.amd64,
            "I386": binary.go386,
            "Arm": binary.goarm,
            "Arm64": binary.arm64,
            "Mips": binary.gomips,
            "Ppc64": binary.goppc64,
            "Riscv64": binary.goriscv64,
            "Target": binary.target,
        }

    def _binary_path(self, binary: Binary, scope: _Scope) -> str:
        """The binary artifact's ``Name``: the built file's path in the dist, with ``.exe``."""

        def make() -> str:
            fields = scope.general if binary.universal else self._build_fields(binary, scope)
            name = self._render(binary.name_template, fields, binary.where, path=True)
            name += "" if binary.universal else binary.ext
            return _clean_member(name, self.source, binary.where)

        return scope.once(("binary", binary), make)

    def _build_fields(self, binary: Binary, scope: _Scope) -> dict[str, object]:
        # build.go buildOptionsForTarget: the binary template sees the target, Ext, and a
        # Name and Path not set yet.
        fields = {**scope.general, **self._platform_fields(binary)}
        fields.update(Ext=binary.ext, Name="", Path="")
        return fields

    def _archive_fields(self, binary: Binary, scope: _Scope) -> dict[str, object]:
        """The fields of an archive's templates: WithArtifact of the binary it packs."""
        name = self._binary_path(binary, scope)
        fields = {**scope.general, **self._platform_fields(binary)}
        fields.update(
            Binary=self._binary_stem(binary, scope),
            ArtifactName=name,
            ArtifactExt=binary.ext,
            ArtifactPath=_LOCAL_PATH,
        )
        return fields

    def _binary_stem(self, binary: Binary, scope: _Scope) -> str:
        """``.Binary``: the built file's name without directory or extension (golang/build.go
        getBinaryArtifact); a universal binary keeps the one of the binary it was made from."""
        if binary.made_from is not None:
            return self._binary_stem(binary.made_from, scope)
        stem = posixpath.basename(self._binary_path(binary, scope))
        return stem[: -len(binary.ext)] if binary.ext else stem

    def _artifact_fields(self, target: Target, scope: _Scope, asset: str) -> dict[str, object]:
        """WithArtifact of a published archive (or binary), for a split checksum file name."""
        binary = self._binary(target)
        fields = self._platform_fields(binary)
        binary_format = self._archive(target)[1] == "binary"
        fields.update(
            ArtifactName=asset,
            ArtifactExt="",
            # An archive artifact carries no "Binary" extra, so .Binary is the project name;
            # an uploaded binary carries its file name (archive.go create, skip; tmpl.go).
            Binary=self._binary_path(binary, scope) if binary_format else self.project_name,
            ArtifactPath=_LOCAL_PATH,
        )
        return fields

    # -- lookups ---------------------------------------------------------------------------------

    def _binary(self, target: Target) -> Binary:
        """The binary serving ``target`` (:meth:`check_target`'s, raising as it does)."""
        served = self.check_target(target)
        for known, binary in self.binaries:
            if known == served:
                return binary
        raise AssertionError(served)  # check_target returns a target of the release

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
                if is_format(fmt):
                    self._check_checksummed(archive)
                    return archive, fmt
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
        if name:
            self._usable(text, where, path=path)
        return text

    def _usable(self, text: str, where: str, *, path: bool = False) -> None:
        """Refuse ``text``, rendered from ``where``, unless it is a usable file name (with
        ``path``, a relative path)."""
        parts = text.split("/") if path else [text]
        if not text or "\\" in text or any(p in {"", ".", ".."} or "/" in p for p in parts):
            raise ConfigError(
                f"{self.source}: {where} renders to {text!r}, which is not a usable file name"
            )


class _Scope:
    """The template context of one release tag in one environment, built once, and the names
    rendered from it so far: each is rendered once (:meth:`once`)."""

    def __init__(self, tag: str, general: dict[str, object]) -> None:
        self.tag = tag
        self.general = general
        environment = general["Env"]
        assert isinstance(environment, Namespace)
        # What ``$NAME`` expands to in signs and sboms: GoReleaser's environment, the
        # process's overridden by the top-level ``env:`` list (ctx.Env).
        self.variables = {key: str(value) for key, value in environment.items()}
        self._made: dict[tuple[object, ...], Any] = {}

    def once(self, key: tuple[object, ...], make: Callable[[], _T]) -> _T:
        """The name ``key`` stands for, made by ``make`` the first time it is asked for."""
        if key not in self._made:
            self._made[key] = make()
        made: _T = self._made[key]
        return made


def _clean_member(path: str, source: str, where: str) -> str:
    # filepath.Join in archive.go's EnhancedArchive.Add cleans the path; never let it escape.
    cleaned = posixpath.normpath(path)
    if cleaned.startswith(("/", "..")) or cleaned == ".":
        raise ConfigError(f"{source}: {where} puts the binary at {path!r}, outside the archive")
    return cleaned


# Conventional names, for a configuration that has no signs or sboms block: cosign's
# ``sign-blob --output-signature`` and ``--bundle`` as GoReleaser's cosign recipe writes them,
# and GoReleaser's SBOM recipe (``{{ .ArtifactName }}.sbom.json``).
CONVENTIONAL_SIGNATURE = ".sig"
CONVENTIONAL_BUNDLE = ".sigstore.json"
CONVENTIONAL_SBOM = ".sbom.json"
_NO_PLATFORM: dict[str, object] = dict.fromkeys(
    ("Os", "Arch", "Amd64", "I386", "Arm", "Arm64", "Mips", "Ppc64", "Riscv64", "Target"), ""
)
# os.Expand, as the sign and sbom pipes apply it before the template: ${name}, $name, and
# one special character after $.
_VARIABLE = re.compile(
    r"\$(?:\{(?P<braced>[^}]*)\}|(?P<name>[A-Za-z0-9_]+)|(?P<special>[*#$@!?-]))"
)


def _expand(text: str, variables: Mapping[str, str]) -> str:
    """Go's ``os.Expand(text, lookup)``: an unknown variable expands to nothing."""
    return _VARIABLE.sub(
        lambda m: variables.get(m["braced"] or m["name"] or m["special"] or "", ""), text
    )


# --- a parsed configuration ---------------------------------------------------------------------


def parse_release(
    data: object,
    source: str = CONFIG_NAME,
    *,
    origin: str | None = None,
    module: str | None = None,
) -> Release:
    """Build a :class:`Release` from a parsed GoReleaser v2 configuration (pure: no I/O).

    ``origin`` is the URL of the git remote ``origin`` of the checkout the package was built
    from: GoReleaser's repository when the configuration has no release block, and with
    ``module`` (go.mod's module path, when the sources were at hand) its project name when
    the configuration sets none. The user's environment is no part of it: callers pass it to
    :meth:`Release.plan` where they name assets (the templates' ``.Env``). Raises
    :class:`ConfigError` naming the setting (``archives[0].formats``) for anything unusable.
    """
    read = _config.Reader(source)
    config = read.mapping(data, "the document")
    if config.get("includes"):
        raise read.fail(
            "includes is not read: the wrapper reads one file, and asset names may come from an "
            "included one. Give it the merged configuration, which `goreleaser release "
            "--snapshot --clean` writes to dist/config.yaml"
        )
    project = _config.project_name(config, read, origin, module)
    builds, command = _config.cli_builds(config, project, read)
    checksum = read.mapping(config.get("checksum") or {}, "checksum")
    release = read.mapping(config.get("release") or {}, "release")
    repository, no_repository = _config.repository(config, release, origin, read)
    return Release(
        project_name=project,
        binary_template=builds[0].binary,
        command=command,
        binaries=_config.binaries(config, project, builds, read),
        archives=_config.archives(config, read),
        **_config.checksum(checksum, read),
        repository_spec=repository,
        no_repository=no_repository,
        draft=release.get("draft") is True,
        signs=_config.signs(config, read),
        sboms=_config.sboms(config, read),
        env=tuple(str(v) for v in read.sequence(config.get("env") or [], "env", empty=True)),
        source=source,
    )
