"""The sections of a GoReleaser v2 configuration that name release assets, with its defaults.

Each function reads one section (``project_name``, ``builds``, ``universal_binaries``,
``archives``, ``checksum``, ``release`` with the ``*_urls`` blocks, ``signs``, ``sboms``) into
plain values, applying GoReleaser's defaults and
rules as its source does (the ``internal/`` files cited), and raises :class:`ConfigError`
naming the file and the setting (``archives[0].formats``) for what cannot be used. The
:class:`~.release.Release` turns these values into names.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .digests import ALGORITHMS, REFUSED_ALGORITHMS
from .errors import ConfigError
from .platforms import Target
from .repository import PUBLIC_HOSTS, Host, parse_remote

__all__ = [
    "Archive",
    "Binary",
    "FormatOverride",
    "Reader",
    "RepositorySpec",
    "Sbom",
    "Sign",
    "archives",
    "binaries",
    "checksum",
    "cli_builds",
    "project_name",
    "repository",
    "sboms",
    "signs",
]

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
# The variant fields of a target, in the order of GoReleaser's .Target, and their defaults
# (build.go: defaultGo386, experimental.DefaultGOARM, defaultGomips, ...), by GOARCH.
_LEVEL_FIELDS = ("goamd64", "goarm64", "go386", "goarm", "gomips", "goppc64", "goriscv64")
_LEVEL_DEFAULTS = {
    "goamd64": _DEFAULT_GOAMD64,
    "goarm64": _DEFAULT_GOARM64,
    "go386": "sse2",
    "goarm": "6",
    "gomips": "hardfloat",
    "goppc64": "power8",
    "goriscv64": "rva20u64",
}
_LEVEL_OF = {"amd64": "goamd64", "arm64": "goarm64", "386": "go386", "arm": "goarm"}
_LEVEL_OF.update(dict.fromkeys(("mips", "mipsle", "mips64", "mips64le"), "gomips"))
_LEVEL_OF.update(ppc64="goppc64", ppc64le="goppc64", riscv64="goriscv64")
# The variants that make another program (a Target of its own); the others are levels of one.
_VARIANT_FIELDS = ("goarm", "gomips")
# targets.go validTargets (with experimentalTargets and brokenTargets): a matrix entry not in
# it is skipped without a word (darwin/386 of the default goarch).
_VALID_ARCHES = {
    "aix": "ppc64",
    "android": "386 amd64 arm arm64",
    "darwin": "amd64 arm64",
    "dragonfly": "amd64",
    "freebsd": "386 amd64 arm arm64",
    "illumos": "amd64",
    "ios": "arm64",
    "js": "wasm",
    "wasip1": "wasm",
    "linux": "386 amd64 arm arm64 ppc64 ppc64le mips mipsle mips64 mips64le s390x riscv64 loong64",
    "netbsd": "386 amd64 arm arm64",
    "openbsd": "386 amd64 arm arm64 riscv64",
    "plan9": "386 amd64 arm",
    "solaris": "amd64 sparc sparc64",
    "windows": "arm64 386 amd64 arm",
}
_VALID_TARGETS = frozenset(
    f"{o}/{a}" for o, arches in _VALID_ARCHES.items() for a in arches.split()
)
# A built target: (goos, goarch, then one value per _LEVEL_FIELDS, empty where not its own).
_Built = tuple[str, ...]
_FIRST_CLASS = (
    "darwin_amd64",
    "darwin_arm64",
    "linux_386",
    "linux_amd64",
    "linux_arm",
    "linux_arm64",
    "windows_386",
    "windows_amd64",
)
_FIRST_CLASS_NAMES = ("go_first_class", "go_118_first_class")
# internal/builders/golang/build.go WithDefaults: the ldflags of a build that sets none.
_DEFAULT_LDFLAGS = (
    "-s -w -X main.version={{.Version}} -X main.commit={{.Commit}} -X main.date={{.Date}} "
    "-X main.builtBy=goreleaser",
)


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
    """The binary artifact GoReleaser archives for one target (internal/artifact fields).

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
    # builds[].ldflags (or a matching override's, or GoReleaser's default), unrendered: what
    # the binary's build information records as -ldflags unless it was built with -trimpath.
    ldflags: tuple[str, ...] = ()
    # GO386, GOARM, GOMIPS, GOPPC64, GORISCV64 of the target, for the archive templates
    # (.I386, .Arm, .Mips, .Ppc64, .Riscv64); empty where the GOARCH has none.
    go386: str = ""
    goarm: str = ""
    gomips: str = ""
    goppc64: str = ""
    goriscv64: str = ""

    @property
    def universal(self) -> bool:
        return self.made_from is not None

    @property
    def level(self) -> str | None:
        """The microarchitecture level the binary needs above its architecture's baseline,
        as Go names it (``GOAMD64=v3``), or ``None``: no wheel tag says it (PyPI has no level
        tags), and a machine below it cannot run the binary (Go's runtime refuses to start on
        one below its GOAMD64 level). GO386 ``softfloat`` is below the baseline, not above."""
        values = {"goamd64": self.amd64, "goarm64": self.arm64, "goppc64": self.goppc64}
        values["goriscv64"] = self.goriscv64
        field = _LEVEL_OF.get(self.goarch, "")
        value = values.get(field, "")
        if not value or value == _LEVEL_DEFAULTS[field]:
            return None
        return f"{field.upper()}={value}"

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


# --- reading the sections -------------------------------------------------------------------------


@dataclass(frozen=True)
class Reader:
    """Type checks with messages that name the file and the setting."""

    source: str

    def fail(self, message: str) -> ConfigError:
        return ConfigError(f"{self.source}: {message}")

    def mapping(self, value: object, where: str) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(f"{where} must be a mapping, not {type(value).__name__}")
        return value

    def sequence(self, value: object, where: str, *, empty: bool = False) -> Sequence[Any]:
        if (
            isinstance(value, (str, bytes))
            or not isinstance(value, Sequence)
            or not (value or empty)
        ):
            raise self.fail(f"{where} must be a {'' if empty else 'non-empty '}list")
        return value

    def strings(self, value: object, where: str) -> tuple[str, ...]:
        """A list of strings; YAML numbers and booleans read as Go reads them into strings."""
        return tuple(scalar(v) for v in self.sequence(value or [], where, empty=True))

    def text(self, value: object, where: str) -> str:
        if not isinstance(value, str) or not value:
            raise self.fail(f"{where} must be set (a non-empty string)")
        return value

    def entries(
        self, config: Mapping[str, Any], key: str, parent: str = ""
    ) -> Iterator[tuple[int, Mapping[str, Any]]]:
        """The mappings of the list ``config[key]`` (absent: none), numbered for messages."""
        where = f"{parent}.{key}" if parent else key
        for number, item in enumerate(self.sequence(config.get(key) or [], where, empty=True)):
            yield number, self.mapping(item, f"{where}[{number}]")


def scalar(value: object) -> str:
    """A YAML scalar as Go's YAML decoder puts it into a string field (true, not True)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def project_name(
    config: Mapping[str, Any], read: Reader, origin: str | None = None, module: str | None = None
) -> str:
    """``project_name``, or GoReleaser's guess when the configuration is silent.

    internal/pipe/project (Default) takes the first of: the release block's ``name``
    (``release.github``, ``.gitlab``, ``.gitea``), the last element of the Go module path
    (``go list -m``), the git remote's repository name. The release defaulter runs before it
    (pkg/defaults: release.Pipe, then project.Pipe) and fills the release block's ``name`` from
    the git remote unless ``release.disable``, so the remote comes before go.mod unless the
    release is disabled. ``origin`` is the remote the sdist records; ``module`` the module path
    of the checkout's ``go.mod``, when the project's sources are at hand (also recorded).
    """
    if config.get("project_name"):
        return read.text(config["project_name"], "project_name")
    release = read.mapping(config.get("release") or {}, "release")
    for host in ("github", "gitlab", "gitea"):
        name = read.mapping(release.get(host) or {}, f"release.{host}").get("name")
        if isinstance(name, str) and name and "{{" not in name:
            return name
    remote = _remote_name(origin)
    disabled = scalar(release.get("disable", "")).strip().lower() == "true"
    module_name = module.rstrip("/").rpartition("/")[2].strip() if module else ""
    for guess in ([] if disabled else [remote]) + [module_name, remote]:
        if guess:
            return guess
    raise read.fail(
        "project_name must be set (a non-empty string): GoReleaser would take it from the git "
        "remote 'origin' or go.mod's module path, and neither was recorded when the package was "
        "built; set project_name, or build the package from a git checkout with an origin"
    )


def _remote_name(origin: str | None) -> str:
    # internal/git ExtractRepoFromConfig + CheckSCM: a remote naming no owner/name gives nothing.
    if not origin:
        return ""
    try:
        return parse_remote(origin)[2]
    except ConfigError:
        return ""


@dataclass(frozen=True)
class _Build:
    index: int
    id: str
    binary: str
    config: Mapping[str, Any]


def cli_builds(config: Mapping[str, Any], project: str, read: Reader) -> tuple[list[_Build], str]:
    """The builds of the CLI's binary, and the command's name when it is not the binary's.

    In order: the builds whose ids the top-level ``env`` entry ``PYPI_CLI_BUILDS=id,id`` lists
    (:data:`CLI_BUILDS_VARIABLE`; GoReleaser refuses unknown keys, and an ``env`` entry is one it
    accepts and the sdist records); else every build of the binary of the first (not skipped)
    build whose ``binary`` is the project name (GoReleaser's default binary; trivy builds one per
    OS); else the builds whose binaries are named per OS with the project name as their stem
    (cosign's ``cosign-linux-{{ .Arch }}``, ``cosign-darwin-amd64``: one CLI, whose command is
    the project name); else every build of the first build's binary. Of several builds making a
    target, the first in the file wins.
    """
    builds: list[_Build] = []
    for number, item in read.entries(config, "builds"):
        where = f"builds[{number}]"
        if scalar(item.get("skip", "")).strip().lower() == "true":
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
    chosen = _chosen_builds(config, builds, read)
    if len({b.binary for b in chosen}) > 1:
        stems = {_stem(b.binary) for b in chosen}
        return chosen, stems.pop() if len(stems) == 1 else project
    if chosen:
        return chosen, _command(chosen[0].binary)
    if any(b.binary == project for b in builds):
        return [build for build in builds if build.binary == project], ""
    stemmed = [build for build in builds if _stem(build.binary) == project]
    if len({b.binary for b in stemmed}) > 1:
        return stemmed, project
    first = builds[0].binary
    return [build for build in builds if build.binary == first], _command(first)


# The fields of one target: a binary named with them (sget-{{ .Os }}-{{ .Arch }}) has no one
# name for the command, which is then the name's stem.
_PLATFORM_FIELD = re.compile(r"\.(?:Os|Arch|Amd64|Arm64|Arm|I386|Mips|Ppc64|Riscv64|Target)\b")


def _command(binary: str) -> str:
    return _stem(binary) if _PLATFORM_FIELD.search(binary) else ""


CLI_BUILDS_VARIABLE = "PYPI_CLI_BUILDS"


def _chosen_builds(config: Mapping[str, Any], builds: list[_Build], read: Reader) -> list[_Build]:
    """The builds a ``PYPI_CLI_BUILDS=id,id`` entry of the top-level ``env`` names; none without."""
    for number, entry in enumerate(read.strings(config.get("env"), "env")):
        key, _, value = entry.partition("=")
        if key.strip() != CLI_BUILDS_VARIABLE:
            continue
        where = f"env[{number}]"
        ids = [text.strip() for text in value.split(",") if text.strip()]
        known = {build.id: build for build in builds}
        unknown = [i for i in ids if i not in known]
        if not ids or unknown:
            raise read.fail(
                f"{where} is {entry!r}: {CLI_BUILDS_VARIABLE} must list the ids of the builds "
                f"that hold the CLI, separated by commas; {unknown or 'none'} of them is not the "
                f"id of a build that is not skipped ({', '.join(known)})"
            )
        return [known[i] for i in ids]
    return []


def _stem(binary: str) -> str:
    """A binary template's name up to its first separator or template: ``cosign-linux-{{ .Arch
    }}`` -> ``cosign``, ``bin/tool_{{ .Os }}`` -> ``tool``."""
    name = binary.rpartition("/")[2]
    return re.split(r"[-_.]|\{\{", name, maxsplit=1)[0]


def _build_targets(build: _Build, read: Reader) -> list[_Built]:
    """(goos, goarch, then GOAMD64, GOARM64, GO386, GOARM, GOMIPS, GOPPC64, GORISCV64) of every
    target the build makes (internal/builders/golang/build.go WithDefaults, targets.go
    listTargets); a field is empty where the GOARCH has none."""
    if build.config.get("targets"):
        return _listed_targets(build, read)
    return _matrix_targets(build, read)


def _listed_targets(build: _Build, read: Reader) -> list[_Built]:
    # ``targets: [linux_amd64_v3, go_first_class]``: a level left out is the default
    # (fixTarget); ``ignore`` does not apply to listed targets.
    found = []
    where = f"builds[{build.index}].targets"
    for text in read.strings(build.config["targets"], where):
        for name in _FIRST_CLASS if text in _FIRST_CLASS_NAMES else (text,):
            goos, _, rest = name.partition("_")
            goarch, _, level = rest.partition("_")
            field = _LEVEL_OF.get(goarch, "")
            found.append(_built(goos, goarch, level or _LEVEL_DEFAULTS.get(field, "")))
    return found


def _built(goos: str, goarch: str, level: str) -> _Built:
    field = _LEVEL_OF.get(goarch, "")
    return (goos, goarch, *(level if f == field else "" for f in _LEVEL_FIELDS))


def _matrix_targets(build: _Build, read: Reader) -> list[_Built]:
    # goos x goarch x the level list of the GOARCH, less the invalid pairs and what an
    # ``ignore`` rule matches.
    item, where = build.config, f"builds[{build.index}]"
    goos = read.strings(item.get("goos"), f"{where}.goos") or _DEFAULT_GOOS
    goarch = read.strings(item.get("goarch"), f"{where}.goarch") or _DEFAULT_GOARCH
    levels = {
        field: read.strings(item.get(field), f"{where}.{field}") or (_LEVEL_DEFAULTS[field],)
        for field in _LEVEL_FIELDS
    }
    ignore = [rule for _, rule in read.entries(item, "ignore", where)]
    targets = []
    for os_ in goos:
        for arch in goarch:
            if f"{os_}/{arch}" not in _VALID_TARGETS:
                continue
            for level in levels.get(_LEVEL_OF.get(arch, ""), ("",)):
                candidate = _built(os_, arch, level)
                if not any(_ignores(rule, candidate) for rule in ignore):
                    targets.append(candidate)
    return targets


def _ignores(rule: Mapping[str, Any], target: _Built) -> bool:
    # A rule ignores a target when every field it sets matches (golang/targets.go, ignored).
    keys = ("goos", "goarch", *_LEVEL_FIELDS)
    return all(not rule.get(k) or scalar(rule[k]) == v for k, v in zip(keys, target))


def _level_key(level: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", level))


def binaries(
    config: Mapping[str, Any], project: str, builds: list[_Build], read: Reader
) -> tuple[tuple[Target, Binary], ...]:
    """One binary per target the builds make, wheel or not: of the first build that makes
    it, and ``darwin/all`` for a universal binary (internal/pipe/universalbinary), in place of
    the darwin ones when it replaces them. A target is GOOS/GOARCH with
    GOARM or GOMIPS (each its own program); of several GOAMD64 (GOARM64, GO386, GOPPC64,
    GORISCV64) levels of one target, :func:`_pick_level`'s."""
    built: dict[Target, tuple[_Build, list[_Built]]] = {}
    for build in builds:
        for candidate in _build_targets(build, read):
            fields = dict(zip(_LEVEL_FIELDS, candidate[2:]))
            variant = next((fields[f] for f in _VARIANT_FIELDS if fields[f]), "")
            target = Target(candidate[0], candidate[1], variant)
            if built.setdefault(target, (build, []))[0] is build:
                built[target][1].append(candidate)
    binaries = [
        (target, _binary(target, build, candidates, read))
        for target, (build, candidates) in built.items()
    ]
    binaries = _with_universal(config, project, binaries, read)
    if not binaries:
        raise read.fail(
            f"{', '.join(f'builds[{b.index}]' for b in builds)} build no target (every one is "
            "ignored or not a GOOS/GOARCH pair Go builds)"
        )
    return tuple(binaries)


def _binary(target: Target, build: _Build, candidates: list[_Built], read: Reader) -> Binary:
    """The binary ``build`` makes for ``target``, of the level :func:`_pick_level` chooses."""
    chosen = _pick_level(target, candidates)
    fields = dict(zip(_LEVEL_FIELDS, chosen[2:]))
    return Binary(
        goos=target.os,
        goarch=target.arch,
        amd64=fields["goamd64"],
        arm64=fields["goarm64"],
        target="_".join(part for part in chosen if part),
        id=build.id,
        name_template=build.binary,
        where=f"builds[{build.index}].binary",
        ldflags=_ldflags(build, chosen, read),
        go386=fields["go386"],
        goarm=fields["goarm"],
        gomips=fields["gomips"],
        goppc64=fields["goppc64"],
        goriscv64=fields["goriscv64"],
    )


def _with_universal(
    config: Mapping[str, Any], project: str, binaries: list[tuple[Target, Binary]], read: Reader
) -> list[tuple[Target, Binary]]:
    """``binaries`` with GoReleaser's universal binary, ``darwin/all``, where the darwin
    binaries were (``replace: true``) or after them (``replace: false``: GoReleaser publishes
    both); unchanged without ``universal_binaries`` or darwin binaries."""
    darwin = [binary for target, binary in binaries if target.os == "darwin"]
    universal = _universal(config, project, darwin[0].id, read) if darwin else None
    if universal is None:
        return binaries
    unibin_id, template, where, replace = universal
    joined = Binary(
        "darwin", "all", "", "", "", unibin_id, template, where, darwin[0], darwin[0].ldflags
    )
    last = max(i for i, (t, _) in enumerate(binaries) if t.os == "darwin")
    binaries = [*binaries[: last + 1], (Target("darwin", "all"), joined), *binaries[last + 1 :]]
    return [(t, b) for t, b in binaries if not replace or b is joined or t.os != "darwin"]


def _ldflags(build: _Build, target: _Built, read: Reader) -> tuple[str, ...]:
    """The build's ``ldflags`` for ``target``: of the first ``overrides`` entry matching it
    (every target field it sets equal; golang/build.go withOverrides) that sets some, else the
    build's, else GoReleaser's default. A string is one flag, as GoReleaser's StringArray
    reads it."""
    where = f"builds[{build.index}]"
    chosen: object = build.config.get("ldflags")
    for number, override in read.entries(build.config, "overrides", where):
        keys = ("goos", "goarch", *_LEVEL_FIELDS)
        if override.get("ldflags") and all(
            not override.get(k) or scalar(override[k]) == v for k, v in zip(keys, target)
        ):
            chosen, where = override["ldflags"], f"{where}.overrides[{number}]"
            break
    if isinstance(chosen, str):
        return (chosen,)
    return read.strings(chosen, f"{where}.ldflags") or _DEFAULT_LDFLAGS


def _pick_level(target: Target, candidates: list[_Built]) -> _Built:
    """Of several microarchitecture levels, the one every machine of the target runs: the
    baseline (GOAMD64 v1, GOARM64 v8.0, GO386 sse2, GOPPC64 power8, GORISCV64 rva20u64) if
    built, else the lowest built."""
    field = _LEVEL_OF.get(target.arch, "")
    index = 2 + _LEVEL_FIELDS.index(field) if field else 0
    for candidate in candidates:
        if not field or candidate[index] == _LEVEL_DEFAULTS[field]:
            return candidate
    return min(candidates, key=lambda c: _level_key(c[index]))


def _universal(
    config: Mapping[str, Any], project: str, build_id: str, read: Reader
) -> tuple[str, str, str, bool] | None:
    """``(id, name_template, where, replace)`` of the universal binary made of the build's
    darwin binaries, if one is.

    internal/pipe/universalbinary: ``id`` defaults to the project name and ``ids`` to
    ``[id]``; the one ``darwin``/``all`` artifact is named by ``name_template`` (default the
    project name). With ``replace: true`` the per-architecture darwin binaries are removed;
    with ``replace: false`` both are archived.
    """
    for number, item in read.entries(config, "universal_binaries"):
        unibin_id = str(item.get("id") or project)
        ids = read.strings(item.get("ids"), f"universal_binaries[{number}].ids") or (unibin_id,)
        if build_id in ids:
            template = str(item.get("name_template") or "{{ .ProjectName }}")
            where = f"universal_binaries[{number}].name_template"
            return unibin_id, template, where, item.get("replace") is True
    return None


def archives(config: Mapping[str, Any], read: Reader) -> tuple[Archive, ...]:
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
                goos=scalar(override.get("goos") or ""),
                formats=_formats(override, read, f"{where}.format_overrides[{n}]"),
            )
            for n, override in read.entries(item, "format_overrides", where)
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
                wrap_in_directory=scalar(item.get("wrap_in_directory", "") or "false"),
                strip_binary_directory=item.get("strip_binary_directory") is True,
            )
        )
    return tuple(archives)


def _formats(item: Mapping[str, Any], read: Reader, where: str) -> tuple[str, ...]:
    # v2 spells it ``formats: [tar.gz]``; v1's ``format: tar.gz`` is appended, deprecated.
    formats = read.strings(item.get("formats"), f"{where}.formats")
    return formats + ((scalar(item["format"]),) if item.get("format") else ())


def checksum(checksum: Mapping[str, Any], read: Reader) -> dict[str, Any]:
    """``checksum`` with its defaults (internal/pipe/checksums, Default)."""
    if checksum.get("disable") is True:
        raise read.fail(
            "checksum.disable is true, so the release publishes no checksums and no archive "
            "can be verified; the wrapper installs only verified binaries"
        )
    algorithm = scalar(checksum.get("algorithm") or "sha256")
    # Every algorithm GoReleaser offers (internal/artifact, Checksum) is either verified here
    # (digests.ALGORITHMS) or refused with its reason (digests.REFUSED_ALGORITHMS).
    if algorithm in REFUSED_ALGORITHMS:
        raise read.fail(
            f"checksum.algorithm {algorithm!r} is not supported: {REFUSED_ALGORITHMS[algorithm]}"
        )
    if algorithm not in ALGORITHMS:
        raise read.fail(
            f"checksum.algorithm {algorithm!r} is not one GoReleaser offers; use one of: "
            + ", ".join(ALGORITHMS)
        )
    split = checksum.get("split") is True
    default = _DEFAULT_SPLIT_CHECKSUM_TEMPLATE if split else _DEFAULT_CHECKSUM_TEMPLATE
    return {
        "checksum_template": str(checksum.get("name_template") or default),
        "checksum_algorithm": algorithm,
        "checksum_split": split,
        "checksum_ids": read.strings(checksum.get("ids"), "checksum.ids"),
    }


def repository(
    config: Mapping[str, Any], release: Mapping[str, Any], origin: str | None, read: Reader
) -> tuple[RepositorySpec | None, str]:
    """Where releases are published, and why it is unknown when it is.

    internal/pipe/release: one of ``release.github``, ``.gitlab``, ``.gitea`` names the
    repository when its ``name`` is set; otherwise the git remote does, here ``origin``.
    """
    if scalar(release.get("disable", "")).strip().lower() == "true":
        return None, "release.disable is true, so GoReleaser publishes no release"
    urls = {
        host: read.mapping(config.get(f"{host}_urls") or {}, f"{host}_urls")
        for host in ("github", "gitlab", "gitea")
    }
    named = _named_repository(release, read)
    origin_host = ""
    if named is not None:
        host, owner, name, where = named
    elif origin:
        # A remote that names no repository (a local path, an unknown server) leaves it unknown:
        # `names` never needs one, and an install is told why when it does.
        try:
            origin_host, owner, name = parse_remote(origin)
            host = _origin_host(origin_host, urls, read)
        except ConfigError as exc:
            return None, str(exc)
        where = "the git remote 'origin'"
    else:
        return None, (
            "goreleaser.yaml has no release block (release.github, release.gitlab or "
            "release.gitea) and no git remote was recorded when the package was built"
        )
    settings = urls[host]
    download = _download_url(host, settings, origin_host, read)
    registry = host == "gitlab" and (
        settings.get("use_package_registry") is True or settings.get("use_job_token") is True
    )
    api = scalar(settings.get("api") or "https://gitlab.com/api/v4") if registry else ""
    if registry and "/api/v4" not in api:
        api = api.rstrip("/") + "/api/v4"  # client-go's setBaseURL adds it
    return RepositorySpec(host, download, owner, name, where, registry, api), ""


def _named_repository(
    release: Mapping[str, Any], read: Reader
) -> tuple[Host, str, str, str] | None:
    """``(host, owner, name, setting)`` from the one ``release.<host>`` block that sets a
    ``name``; None when none does. ConfigError when more than one block names a repository."""
    blocks = {
        host: read.mapping(release.get(host) or {}, f"release.{host}")
        for host in ("github", "gitlab", "gitea")
    }
    named = [host for host, block in blocks.items() if block.get("owner") or block.get("name")]
    if len(named) > 1:
        raise read.fail(
            f"release sets {', '.join('release.' + h for h in named)}; GoReleaser allows one"
        )
    if not named or not blocks[named[0]].get("name"):
        return None
    host = _host(named[0])
    block, where = blocks[host], f"release.{host}"
    owner = scalar(block.get("owner") or "")
    if host != "gitlab":
        read.text(owner, f"{where}.owner")
    return host, owner, scalar(block["name"]), where


def _download_url(host: Host, settings: Mapping[str, Any], origin_host: str, read: Reader) -> str:
    """The server releases are downloaded from: ``<host>_urls.download``, else its default."""
    download = scalar(settings.get("download") or "")
    if host == "gitea" and not download:
        # internal/pipe/defaults: Gitea's download URL is its API URL without /api/v1.
        download = scalar(settings.get("api") or "").replace("/api/v1", "").rstrip("/")
    if not download and origin_host in PUBLIC_HOSTS:
        download = PUBLIC_HOSTS[origin_host][1]
    return download or _default_download(host, read)


def _host(value: str) -> Host:
    for host in ("github", "gitlab", "gitea"):
        if host == value:
            return host
    raise AssertionError(value)


def _default_download(host: Host, read: Reader) -> str:
    for known, (kind, url) in PUBLIC_HOSTS.items():
        if kind == host and known in ("github.com", "gitlab.com"):
            return url
    raise read.fail(
        "gitea_urls.download (or gitea_urls.api) must be set: Gitea has no default server"
    )


def _origin_host(remote_host: str, urls: Mapping[str, Mapping[str, Any]], read: Reader) -> Host:
    """The kind of server the git remote is on: a public one by name, a self-hosted one by
    the ``*_urls`` block GoReleaser needs to reach it."""
    if remote_host in PUBLIC_HOSTS:
        return PUBLIC_HOSTS[remote_host][0]
    configured = [
        _host(h) for h, settings in urls.items() if settings.get("download") or settings.get("api")
    ]
    if len(configured) == 1:
        return configured[0]
    raise read.fail(
        f"the git remote 'origin' is on {remote_host!r}, a server the wrapper cannot tell "
        "GitHub Enterprise, GitLab or Gitea apart on: set github_urls, gitlab_urls or "
        "gitea_urls (download) as GoReleaser needs, or add a release block"
    )


# --- signs and sboms: the files they add to the release -----------------------------------------

# internal/pipe/sign, Run: what each ``artifacts`` value signs (``none`` signs nothing).
SIGN_ARTIFACTS = ("none", "checksum", "source", "all", "archive", "binary", "sbom", "package")
# internal/pipe/sbom, Run: what each ``artifacts`` value catalogs.
SBOM_ARTIFACTS = ("source", "archive", "binary", "package", "any")


@dataclass(frozen=True)
class Sign:
    """One ``signs[i]`` entry with GoReleaser's defaults (internal/pipe/sign, Default)."""

    index: int
    id: str
    artifacts: str  # one of SIGN_ARTIFACTS; default "none"
    ids: tuple[str, ...]
    signature: str  # a template with $artifact-style variables; default "${artifact}.sig"
    certificate: str  # the same; "" writes none (the default)

    def signs_checksums(self) -> bool:
        """Whether it signs the checksums file(s): ``checksum``, or ``all`` (whose ``ids``
        filter always lets checksums through: internal/artifact ByID)."""
        return self.artifacts in ("checksum", "all")


@dataclass(frozen=True)
class Sbom:
    """One ``sboms[i]`` entry with GoReleaser's defaults (internal/pipe/sbom, setConfigDefaults)."""

    index: int
    id: str
    artifacts: str  # one of SBOM_ARTIFACTS; default "archive"
    ids: tuple[str, ...]
    documents: tuple[str, ...]  # templates; the asset is each one's base name
    disable: str  # a template; "true" disables it

    def catalogs(self, archive_id: str, build_id: str, binary_format: bool) -> str:
        """What it catalogs of one target's release: ``"archive"`` (the archive, or with
        ``formats: [binary]`` the uploaded binary), ``"binary"`` (the built binary inside the
        archive), or ``""`` (nothing). ``ids`` filters archives by the archives entry's id and
        binaries by the build's (internal/pipe/sbom, catalogTask)."""
        if self.artifacts == "archive" and not binary_format:
            return "archive" if not self.ids or archive_id in self.ids else ""
        if self.artifacts == "binary" and binary_format:
            # the uploaded binary is the binary, once (ByBinaryLikeArtifacts dedupes by path)
            return "archive" if not self.ids or {archive_id, build_id} & set(self.ids) else ""
        if self.artifacts == "binary":
            return "binary" if not self.ids or build_id in self.ids else ""
        return ""


def _artifacts(
    item: Mapping[str, Any], where: str, default: str, allowed: tuple[str, ...], read: Reader
) -> str:
    artifacts = scalar(item.get("artifacts") or default)
    if artifacts not in allowed:
        raise read.fail(
            f"{where}.artifacts is {artifacts!r}, which GoReleaser refuses; it is one of "
            + ", ".join(allowed)
        )
    return artifacts


def signs(config: Mapping[str, Any], read: Reader) -> tuple[Sign, ...] | None:
    """``signs`` with GoReleaser's defaults; None when the configuration has no signs block."""
    if not config.get("signs"):
        return None
    found = []
    for number, item in read.entries(config, "signs"):
        where = f"signs[{number}]"
        artifacts = _artifacts(item, where, "none", SIGN_ARTIFACTS, read)
        found.append(
            Sign(
                index=number,
                id=scalar(item.get("id") or "default"),
                artifacts=artifacts,
                ids=read.strings(item.get("ids"), f"{where}.ids"),
                signature=scalar(item.get("signature") or "${artifact}.sig"),
                certificate=scalar(item.get("certificate") or ""),
            )
        )
    return tuple(found)


def sboms(config: Mapping[str, Any], read: Reader) -> tuple[Sbom, ...] | None:
    """``sboms`` with GoReleaser's defaults; None when the configuration has no sboms block."""
    if not config.get("sboms"):
        return None
    found = []
    for number, item in read.entries(config, "sboms"):
        where = f"sboms[{number}]"
        artifacts = _artifacts(item, where, "archive", SBOM_ARTIFACTS, read)
        documents = read.strings(item.get("documents"), f"{where}.documents")
        if not documents:
            documents = {
                "binary": ("{{ .Binary }}_{{ .Version }}_{{ .Os }}_{{ .Arch }}.sbom.json",),
                "any": (),
            }.get(artifacts, ("{{ .ArtifactName }}.sbom.json",))
        found.append(
            Sbom(
                index=number,
                id=scalar(item.get("id") or "default"),
                artifacts=artifacts,
                ids=read.strings(item.get("ids"), f"{where}.ids"),
                documents=documents,
                disable=scalar(item.get("disable") or "false"),
            )
        )
    return tuple(found)
