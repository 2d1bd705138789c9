"""Go build information read from real binaries, compared with Go's own reader as the oracle.

Every binary here is built by the real Go toolchain and read twice: by ``read_buildinfo`` and by
``go version -m -json`` (``debug/buildinfo``). The parser of the module information is also
compared with Go's ``runtime/debug.ParseBuildInfo`` on generated text, and any bytes at all give
build information or BuildInfoError, never anything else.
"""

from __future__ import annotations

import io
import json
import random
import shutil
import struct
import subprocess
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

import pytest
from cerebrium_cli.buildinfo import (
    MAGIC,
    BuildInfo,
    BuildInfoError,
    Module,
    NoBuildInfoError,
    parse_modinfo,
    read_buildinfo,
)
from cerebrium_cli.errors import ArchiveError
from conftest import ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.gocli import (
    MODULE,
    SOURCE,
    TARGETS,
    VERSION_PACKAGE,
    buildinfo_blob,
    framed,
    go_env,
    tagged_checkout,
)
from support.goreleaser import BINARY, UNIVERSAL_BINARY, GoReleaser

# Builds never reach the network (support/gocli.py); dependencies come from a file proxy.
GO_ENV = {**go_env(), "GOFLAGS": "-mod=mod -modcacherw"}


def _require_go() -> None:
    if shutil.which("go") is None:  # a required test tool (.ci/run installs it): never skip
        pytest.fail("Go is not installed; these tests compare with Go's own build info reader")


def go_json(binary: Path) -> dict[str, Any]:
    """``go version -m -json``: the oracle."""
    result = subprocess.run(
        ["go", "version", "-m", "-json", str(binary)],
        capture_output=True,
        text=True,
        check=True,
        env=GO_ENV,
    )
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def as_go_json(info: BuildInfo) -> dict[str, Any]:
    """``info`` as ``runtime/debug.BuildInfo`` marshals to JSON (omitempty fields left out)."""

    def module(m: Module) -> dict[str, Any]:
        out: dict[str, Any] = {"Path": m.path, "Version": m.version, "Sum": m.sum}
        if m.replace is not None:
            out["Replace"] = module(m.replace)
        return {k: v for k, v in out.items() if v}

    data: dict[str, Any] = {
        "GoVersion": info.go_version,
        "Path": info.path,
        "Main": module(info.main),
        "Deps": [module(d) for d in info.deps],
        "Settings": [{k: v for k, v in (("Key", k), ("Value", v)) if v} for k, v in info.settings],
    }
    # Main is a struct, not a pointer: encoding/json's omitempty never drops it.
    return {k: v for k, v in data.items() if v or k == "Main"}


def read(binary: Path) -> BuildInfo:
    with binary.open("rb") as f:
        return read_buildinfo(f, name=binary.name)


def agree(binary: Path) -> BuildInfo:
    info = read(binary)
    assert as_go_json(info) == go_json(binary)
    return info


# --- real binaries ----------------------------------------------------------------------------


@pytest.mark.e2e
def test_the_six_release_targets_read_as_go_reads_them(
    go_binaries: dict[tuple[str, str], Path],
) -> None:
    """The test CLI as the release builds it (no -trimpath, the version by -X)."""
    _require_go()
    assert set(go_binaries) == set(TARGETS)
    for (goos, goarch), binary in go_binaries.items():
        info = agree(binary)
        assert info.path == f"{MODULE}/cmd/cerebrium"
        assert info.main == Module(MODULE, "(devel)", "")
        assert info.setting("GOOS") == goos
        assert info.setting("GOARCH") == goarch
        assert info.setting("CGO_ENABLED") == "0"
        assert info.setting("-ldflags") == f"-s -w -X {VERSION_PACKAGE}.Version=2.0.0"
        assert info.go_version.startswith("go1.")


def _zip_module(proxy: Path, path: str, version: str, files: dict[str, str]) -> None:
    """Publish a module in a GOPROXY=file:// directory (the module proxy protocol's files)."""
    where = proxy / path / "@v"
    where.mkdir(parents=True, exist_ok=True)
    (where / "list").write_text(version + "\n")
    (where / f"{version}.info").write_text(json.dumps({"Version": version}))
    (where / f"{version}.mod").write_text(files["go.mod"])
    with zipfile.ZipFile(where / f"{version}.zip", "w") as zf:
        for name, text in files.items():
            zf.writestr(f"{path}@{version}/{name}", text)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A module with a dependency from a file proxy (so its line has a real h1: sum), one
    replaced by a directory, and a tagged git history, built below in several ways."""
    _require_go()
    root = tmp_path_factory.mktemp("project")
    proxy = root / "proxy"
    _zip_module(
        proxy,
        "example.com/greet",
        "v1.4.0",
        {
            "go.mod": "module example.com/greet\n\ngo 1.19\n",
            "greet.go": 'package greet\n\nfunc Hello() string { return "hello" }\n',
        },
    )
    src = root / "src"
    shutil.copytree(SOURCE, src)
    (src / "local").mkdir()
    (src / "local" / "go.mod").write_text("module example.com/local\n\ngo 1.19\n")
    (src / "local" / "local.go").write_text("package local\n\nconst Name = `local`\n")
    (src / "internal" / "use").mkdir()
    (src / "internal" / "use" / "use.go").write_text(
        'package use\n\nimport (\n\t"example.com/greet"\n\t"example.com/local"\n)\n\n'
        "var Both = greet.Hello() + local.Name\n"
    )
    main = src / "cmd" / "cerebrium" / "main.go"
    main.write_text(
        main.read_text().replace(
            "import (", 'import (\n\t_ "github.com/cerebriumai/cerebrium/internal/use"', 1
        )
    )
    with (src / "go.mod").open("a") as f:
        f.write(
            "\nrequire (\n\texample.com/greet v1.4.0\n\texample.com/local v0.1.0\n)\n"
            "\nreplace example.com/local => ./local\n"
        )
    env = {
        **GO_ENV,
        "GOPROXY": proxy.as_uri(),
        "GOSUMDB": "off",
        "GOMODCACHE": str(root / "modcache"),
    }
    subprocess.run(["go", "mod", "tidy"], cwd=src, env=env, check=True, capture_output=True)
    (src / ".gitignore").write_text("/out/\n")
    tagged_checkout(src, "v1.2.3")
    return src


def _build(
    src: Path, name: str, *args: str, env: dict[str, str] | None = None, vcs: bool = False
) -> Path:
    out = src / "out" / name
    environ = {
        **GO_ENV,
        "GOPROXY": "off",
        "GOSUMDB": "off",
        "GOMODCACHE": str(src.parent / "modcache"),
        # This machine's Go sets -buildvcs=false in its env file; a release build elsewhere
        # stamps VCS information, so say which one each build is.
        "GOFLAGS": f"-mod=mod -modcacherw -buildvcs={'true' if vcs else 'false'}",
        **(env or {}),
    }
    subprocess.run(
        ["go", "build", "-o", str(out), *args, "./cmd/cerebrium"],
        cwd=src,
        env=environ,
        check=True,
        capture_output=True,
    )
    return out


@pytest.mark.e2e
def test_dependencies_sums_and_replacements(project: Path) -> None:
    info = agree(_build(project, "deps"))
    greet, local = info.deps
    assert greet.path == "example.com/greet"
    assert greet.version == "v1.4.0"
    assert greet.sum.startswith("h1:")
    assert local == Module("example.com/local", "v0.1.0", "", Module("./local", "(devel)", ""))


@pytest.mark.e2e
def test_trimpath_records_no_ldflags(project: Path) -> None:
    """-trimpath: Go leaves the ldflags out of the build information (they may hold paths)."""
    info = agree(_build(project, "trim", "-trimpath", "-ldflags", "-X a.b=c"))
    assert info.setting("-trimpath") == "true"
    assert info.setting("-ldflags") is None


@pytest.mark.e2e
def test_ldflags_that_need_quoting(project: Path) -> None:
    """Values with spaces, quotes, tabs and non-ASCII are Go-quoted in the build lines."""
    flags = f'-s -w -X "{VERSION_PACKAGE}.Commit=a b\tc" -X {VERSION_PACKAGE}.BuildDate=é`\\"x'
    info = agree(_build(project, "quoted", "-ldflags", flags))
    assert info.setting("-ldflags") == flags


@pytest.mark.e2e
def test_cgo_build(project: Path) -> None:
    if shutil.which("gcc") is None:
        pytest.fail("gcc is needed for a cgo build (apt-get install gcc)")
    info = agree(_build(project, "cgo", env={"CGO_ENABLED": "1"}))
    assert info.setting("CGO_ENABLED") == "1"
    assert info.setting("CGO_CFLAGS") is not None


@pytest.mark.e2e
def test_vcs_stamped_build_of_a_tag(project: Path) -> None:
    """-buildvcs=true in a clean checkout of tag v1.2.3: Go 1.24+ stamps the tag as the main
    module's version, and the revision, time and state as settings."""
    info = agree(_build(project, "vcs", vcs=True))
    assert info.main.version == "v1.2.3"
    assert info.setting("vcs") == "git"
    assert info.setting("vcs.modified") == "false"
    assert len(info.setting("vcs.revision") or "") == 40


@pytest.mark.e2e
def test_goreleasers_builds_of_the_real_build_block(goreleaser: GoReleaser) -> None:
    """Every binary real GoReleaser builds from goreleaser.yaml, and a universal binary it
    makes (universal_binaries, replace: true), reads as Go reads it and records its version
    in its -ldflags: the real build block has no -trimpath."""
    _require_go()
    runs = {
        # the real build block, and GoReleaser's default ldflags (the config sets none)
        "goreleaser.yaml": f"-X {VERSION_PACKAGE}.Version=2.0.0",
        "tests/goreleaser_configs/universal-replace.yaml": "-X main.version=2.0.0",
    }
    made: set[tuple[str, str]] = set()
    for config, version_flag in runs.items():
        for artifact in goreleaser.run(ROOT / config).of_type(BINARY, UNIVERSAL_BINARY):
            made.add((artifact.goos, artifact.goarch))
            info = agree(artifact.path)
            assert info.path == f"{MODULE}/cmd/cerebrium"
            assert info.setting("-trimpath") is None
            assert version_flag in (info.setting("-ldflags") or ""), artifact
    assert made == {*TARGETS, ("darwin", "all")}


def _fat(slices: list[tuple[int, int, bytes]]) -> bytes:
    """A universal Mach-O of (cputype, cpusubtype, thin file) slices, 2^14-aligned, as lipo
    writes it (mach-o/fat.h: big-endian fat_header and fat_arch)."""
    align = 14
    header = struct.pack(">II", 0xCAFEBABE, len(slices))
    offset = 1 << align
    arches, body = b"", b""
    for cputype, subtype, data in slices:
        arches += struct.pack(">IIIII", cputype, subtype, offset, len(data), align)
        pad = -len(data) % (1 << align)
        body += data + b"\0" * pad
        offset += len(data) + pad
    head = header + arches
    return head + b"\0" * ((1 << align) - len(head)) + body


@pytest.mark.e2e
def test_universal_binary_reads_its_first_slice(
    go_binaries: dict[tuple[str, str], Path], tmp_path: Path
) -> None:
    fat = tmp_path / "cerebrium"
    fat.write_bytes(
        _fat(
            [
                (0x01000007, 3, go_binaries[("darwin", "amd64")].read_bytes()),
                (0x0100000C, 0, go_binaries[("darwin", "arm64")].read_bytes()),
            ]
        )
    )
    info = agree(fat)
    assert info.setting("GOARCH") == "amd64"


@pytest.mark.e2e
def test_the_go_toolchain_itself() -> None:
    """A binary built in GOPATH-like std mode (cmd/go): a path and no main module."""
    _require_go()
    go = Path(shutil.which("go") or "go").resolve()
    info = agree(go)
    assert info.path == "cmd/go"
    assert info.main == Module("", "", "")


# --- what is not build information ----------------------------------------------------------


def test_a_syntheticbuildinfo_blob() -> None:
    data = buildinfo_blob(b"go1.22.1", framed(b"path\tx\nmod\tx\tv1.0.0\t\nbuild\tGOOS=linux\n"))
    info = read_buildinfo(io.BytesIO(data), name="blob")
    assert info == BuildInfo("go1.22.1", "x", Module("x", "v1.0.0", ""), (), (("GOOS", "linux"),))


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"", "holds no Go build information"),
        (b"\x7fELF" + b"\0" * 100, "holds no Go build information"),
        # misaligned magic: not the linker's
        (b"\0" * 8 + buildinfo_blob(b"go1.22.1", b"")[64:], "holds no Go build information"),
        # the header cut short
        (b"\0" * 16 + MAGIC + b"\x08", "holds no Go build information"),
        # a string length past the end
        (b"\0" * 16 + MAGIC + b"\x08\x02" + b"\0" * 16 + b"\x7f", "holds no Go build information"),
        # a 10-byte varint over 64 bits
        (buildinfo_blob(b"", b"")[:-2] + b"\xff" * 9 + b"\x02", "holds no Go build information"),
        # not a version string
        (buildinfo_blob(b"hello", b""), "holds no Go build information"),
        (buildinfo_blob(b"", b""), "holds no Go build information"),
        (buildinfo_blob(b"go1.17", b"", flags=0), "built by Go older than 1.18"),
        (buildinfo_blob(b"go1.17", b"", flags=1), "built by Go older than 1.18"),
    ],
)
def test_no_build_information(data: bytes, says: str) -> None:
    with pytest.raises(NoBuildInfoError, match=says) as caught:
        read_buildinfo(io.BytesIO(data), name="cerebrium in a.tar.gz")
    assert "cerebrium in a.tar.gz" in str(caught.value)
    assert isinstance(caught.value, ArchiveError)


def test_a_bad_candidate_is_skipped_for_the_real_one() -> None:
    """An aligned magic that does not decode (an accidental match in read-only data) is passed
    over; the blob after it is read."""
    good = buildinfo_blob(b"go1.22.1", framed(b"path\tx\n"), at=0)
    data = MAGIC + b"\0\0" + b"\0" * 16 + b"\0" * 16 + good
    assert read_buildinfo(io.BytesIO(data), name="x").path == "x"


def test_unframed_module_information_is_none() -> None:
    """Without the 16-byte sentinels (a binary built outside module mode) there are no
    modules, as debug/buildinfo has it."""
    info = read_buildinfo(io.BytesIO(buildinfo_blob(b"go1.22.1", b"path\tx\n")), name="x")
    assert info == BuildInfo("go1.22.1", "", Module("", "", ""), (), ())


def test_malformed_module_information_names_binary_and_line() -> None:
    data = buildinfo_blob(b"go1.22.1", framed(b"path\tx\nmod\tx\n"))
    with pytest.raises(BuildInfoError, match=r"^cerebrium: .*line 2: expected 2 or 3 columns"):
        read_buildinfo(io.BytesIO(data), name="cerebrium")


class _Counting(io.BytesIO):
    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.largest = 0

    def read(self, size: int | None = -1) -> bytes:
        assert size is not None
        assert size >= 0, "never the whole file"
        self.largest = max(self.largest, size)
        return super().read(size)


def test_reads_a_chunk_at_a_time() -> None:
    """The blob 3 MiB in, behind two near-misses straddling chunk edges: found, and no read
    asks for more than a MiB."""
    blob = buildinfo_blob(b"go1.22.1", framed(b"path\tx\n"), at=0)
    data = (
        b"\0" * ((1 << 20) - 7)
        + MAGIC
        + b"\0" * ((2 << 20) - len(MAGIC) + 7 - 16)
        + b"\0" * 16
        + blob
    )
    f = _Counting(data)
    assert read_buildinfo(f, name="x").path == "x"
    assert f.largest <= 1 << 20


class _Total(io.BytesIO):
    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.total = 0

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        self.total += len(data)
        return data


@pytest.mark.parametrize("version", [b"x", b"go1.22.1"], ids=["bad version", "good version"])
def test_false_candidates_claiming_16_mib_each_are_passed_over_cheaply(version: bytes) -> None:
    """Red team: thousands of aligned headers, each with a version that is no version (or a
    module information length past the end), claiming 16 MiB of module information: each was
    read whole before being passed over, hours for a 64 MiB binary. Now the reads stay within a
    few times the file's size."""
    header = MAGIC + b"\x08\x02" + b"\0" * 16
    candidate = (header + bytes([len(version)]) + version + b"\x80\x80\x80\x08").ljust(48, b"\0")
    data = candidate * 2000 + b"\0" * (1 << 20)  # 16 MiB claimed by each; 1 MiB is there
    f = _Total(data)
    with pytest.raises(NoBuildInfoError, match="holds no Go build information"):
        read_buildinfo(f, name="x")
    assert f.total < 4 * len(data)


# --- the module information parser, against Go's ParseBuildInfo ------------------------------

_PARSER_GO = """package main

import (
	"bufio"
	"encoding/json"
	"os"
	"runtime/debug"
)

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<20)
	out := json.NewEncoder(os.Stdout)
	for in.Scan() {
		var text string
		if err := json.Unmarshal(in.Bytes(), &text); err != nil {
			panic(err)
		}
		bi, err := debug.ParseBuildInfo(text)
		if err != nil {
			out.Encode(map[string]any{"error": err.Error()})
		} else {
			out.Encode(map[string]any{"ok": bi})
		}
	}
}
"""


@pytest.fixture(scope="module")
def go_parse(tmp_path_factory: pytest.TempPathFactory) -> Callable[[list[str]], list[Any]]:
    _require_go()
    where = tmp_path_factory.mktemp("parse")
    (where / "go.mod").write_text("module parse\n\ngo 1.21\n")
    (where / "main.go").write_text(_PARSER_GO)
    out = where / "parse"
    subprocess.run(
        ["go", "build", "-o", str(out), "."], cwd=where, env=GO_ENV, check=True, capture_output=True
    )

    def parse(texts: list[str]) -> list[Any]:
        lines = "".join(json.dumps(t) + "\n" for t in texts)
        result = subprocess.run([str(out)], input=lines, capture_output=True, text=True, check=True)
        return [json.loads(line) for line in result.stdout.splitlines()]

    return parse


def _python_parse(text: str) -> dict[str, Any]:
    try:
        info = parse_modinfo(text.encode(), name="x")
    except BuildInfoError as exc:
        return {"error": str(exc)}
    return {"ok": as_go_json(info)}


def _go_ok(go: dict[str, Any]) -> dict[str, Any]:
    def clean(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items() if v not in (None, "", [], {})}
        if isinstance(value, list):
            return [clean(v) for v in value]
        return value

    ok: dict[str, Any] = clean(go["ok"])
    return {"Main": {}, **ok}


PARSER_CASES = [
    "path\tp\nmod\tm\tv1\th1:x\ndep\td\tv2\n=>\tr\tv3\th1:y\nbuild\tk=v\n",
    "mod\tm\tv1\n=>\t./dir\t\t\n",
    "=>\tr\tv\ts\n",
    "dep\td\tv\n=>\tr\tv\n",
    "dep\td\tv\n=>\tr\tv\ts\n=>\tr2\tv\ts\n",
    "dep\td\n",
    "dep\td\tv\ts\textra\n",
    "build\t\n",
    "build\t=v\n",
    "build\tk\n",
    "build\tk v=1\n",
    'build\t"k v"=1\n',
    'build\t"k v"\n',
    'build\t"k v"x=1\n',
    'build\t"k\n',
    "build\t`k v`=`a\tb`\n",
    'build\tk="a b"\n',
    'build\tk="a\\tb\\x41\\101\\u00e9\\U0001F600\\\\\\""\n',
    'build\tk="a\\q"\n',
    'build\tk="\\400"\n',
    'build\tk="\\uD800"\n',
    'build\tk="unterminated\n',
    'build\tk="a"b\n',
    "build\tk=a b\n",
    'build\tk=a"b\n',
    "build\tk=a=b\n",
    "build\tk=\n",
    "build\tk=`a\rb`\n",
    "build\tk='a'\n",
    "path\tp",
    "nonsense\nmod\tm\tv\n\npath\tq\n",
    'build\tk="é"\n',
    "build\t-ldflags=\"-s -w -X 'a.b=c d'\"\n",
]


@pytest.mark.e2e
def test_parser_cases_parse_as_go_parses_them(go_parse: Callable[[list[str]], list[Any]]) -> None:
    for text, go in zip(PARSER_CASES, go_parse(PARSER_CASES)):
        py = _python_parse(text)
        assert go.keys() == py.keys(), (text, go, py)
        if "ok" in go:
            assert _go_ok(go) == py["ok"], text


_PIECES = [
    "path\t", "mod\t", "dep\t", "=>\t", "build\t", "\t", "\n", "=", "k", "v1.0.0", "h1:abc",
    '"', "`", "\\", "\\n", "\\x4", "\\u00e9", "\\400", "\\'", " ", "é", "\r", "-ldflags",
]  # fmt: skip


@pytest.mark.e2e
def test_generated_module_information_parses_as_go_parses_it(
    go_parse: Callable[[list[str]], list[Any]],
) -> None:
    rng = random.Random(19)
    texts = ["".join(rng.choices(_PIECES, k=rng.randrange(1, 16))) for _ in range(3000)]
    for text, go in zip(texts, go_parse(texts)):
        py = _python_parse(text)
        assert go.keys() == py.keys(), (text, go, py)
        if "ok" in go:
            assert _go_ok(go) == py["ok"], text


# --- fuzz: any bytes -------------------------------------------------------------------------


def _any_outcome(data: bytes) -> None:
    f: BinaryIO = io.BytesIO(data)
    try:
        info = read_buildinfo(f, name="fuzz")
    except BuildInfoError as exc:
        refused = str(exc)
    else:
        assert info.go_version.startswith(("go", "devel"))
        return
    assert refused.startswith("fuzz")


@given(st.binary(max_size=400))
@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
def test_any_bytes_give_build_info_or_the_error(data: bytes) -> None:
    _any_outcome(data)


@given(
    st.binary(max_size=24),
    st.binary(max_size=300),
    st.integers(min_value=0, max_value=255),
    st.lists(st.tuples(st.integers(0, 400), st.integers(0, 255)), max_size=6),
)
@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
def test_mutated_blobs_give_build_info_or_the_error(
    version: bytes, modinfo: bytes, flags: int, flips: list[tuple[int, int]]
) -> None:
    data = bytearray(buildinfo_blob(b"go" + version, framed(modinfo), flags=flags))
    for at, value in flips:
        if at < len(data):
            data[at] = value
    _any_outcome(bytes(data))
