"""The SBOM made from a binary's Go build information (``sbom.py``), against real syft.

A small Go program with real dependencies from the Go module proxy (golang.org/x/text, and
golang.org/x/mod replaced by another version), one replaced by a directory, and a main module
stamped from a git tag, is built once; syft v1.57.1 (built for the tests, support/gotools.py)
reports its packages, and the SBOM must name the same components: purls, versions and Go
checksums, the main module and the Go standard library alike. The rules alone are tested on
build information made by hand.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from cerebrium_cli.buildinfo import BuildInfo, Module, read_buildinfo
from cerebrium_cli.sbom import SPEC_VERSION, cyclonedx, purl, sbom_name
from support import gotools
from support.gocli import go_env
from support.goreleaser import GIT_ENV, OFFLINE

# The dependencies, pinned with their sums so the build needs no checksum database.
GO_MOD = """module example.com/sbomdemo

go 1.21

require (
\texample.com/local v0.1.0
\tgolang.org/x/mod v0.22.0
\tgolang.org/x/text v0.21.0
)

replace example.com/local => ./local

replace golang.org/x/mod => golang.org/x/mod v0.20.0
"""
GO_SUM = """golang.org/x/mod v0.20.0 h1:utOm6MM3R3dnawAiJgn0y+xvuYRsm1RKM/4giyfDgV0=
golang.org/x/mod v0.20.0/go.mod h1:hTbmBsO62+eylJbnUtE2MGJUyE7QWk4xUqPFrRgJ+7c=
golang.org/x/text v0.21.0 h1:zyQAAkrwaneQ066sspRyJaG9VNi/YJ1NfzcGB3hZ/qo=
golang.org/x/text v0.21.0/go.mod h1:4IBbMaMmOPCJ8SecivzSH54+73PCFmPWxNTLm+vZkEQ=
"""
MAIN_GO = """package main

import (
\t"fmt"

\t"example.com/local"
\t"golang.org/x/mod/semver"
\t"golang.org/x/text/language"
)

func main() { fmt.Println(language.English, local.Name, semver.IsValid("v1.0.0")) }
"""
TOOL = ("cerebrium_cli", "2.0.0")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The program, built with VCS stamping at the tag v1.2.3 (its main module's version)."""
    if shutil.which("go") is None:  # a required test tool: never skip
        pytest.fail("Go is not installed; the SBOM is compared with real builds")
    src = tmp_path_factory.mktemp("sbomdemo")
    (src / "go.mod").write_text(GO_MOD)
    (src / "go.sum").write_text(GO_SUM)
    (src / "main.go").write_text(MAIN_GO)
    (src / "local").mkdir()
    (src / "local" / "go.mod").write_text("module example.com/local\n\ngo 1.21\n")
    (src / "local" / "local.go").write_text('package local\n\nconst Name = "local"\n')
    (src / ".gitignore").write_text("/demo\n")
    git = ["git", "-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false"]
    for args in (["init", "--quiet"], ["add", "--all"], ["commit", "--quiet", "-m", "v"]):
        subprocess.run([*git, *args], cwd=src, env={**os.environ, **GIT_ENV}, check=True)
    subprocess.run([*git, "tag", "v1.2.3"], cwd=src, env={**os.environ, **GIT_ENV}, check=True)
    env = {
        **go_env(),
        # The modules come from the Go module proxy once, then from the tests' module cache.
        "GOPROXY": os.environ.get("GOPROXY") or "https://proxy.golang.org",
        "GOFLAGS": "-mod=readonly -modcacherw -buildvcs=true",
        "CGO_ENABLED": "0",
    }
    result = subprocess.run(
        ["go", "build", "-ldflags", "-s -w", "-o", "demo", "."],
        cwd=src,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if result.returncode != 0:
        pytest.fail(f"go build of the SBOM demo failed (the module proxy?):\n{result.stderr}")
    return src / "demo"


def _syft(binary: Path) -> dict[str, Any]:
    syft = gotools.install("syft")
    result = subprocess.run(
        [str(syft), str(binary), "-o", "cyclonedx-json", "-q"],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **OFFLINE},  # syft never leaves the machine
    )
    assert result.returncode == 0, result.stderr
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def _ours(binary: Path) -> dict[str, Any]:
    with binary.open("rb") as handle:
        info = read_buildinfo(handle, name=binary.name)
    digest = hashlib.sha256(binary.read_bytes()).hexdigest()
    document: dict[str, Any] = json.loads(
        cyclonedx(info, binary_name=binary.name, binary_sha256=digest, tool=TOOL)
    )
    return document


def _property(component: dict[str, Any], name: str) -> str | None:
    found = [p["value"] for p in component.get("properties", []) if p["name"] == name]
    return found[0] if found else None


def _as_syft(component: dict[str, Any]) -> tuple[str, str, str | None]:
    """(purl, version, h1) as syft reports a Go module: no version is ``UNKNOWN``."""
    return (
        component["purl"],
        component.get("version") or "UNKNOWN",
        _property(component, "syft:metadata:h1Digest"),
    )


@pytest.mark.e2e
def test_the_components_are_the_ones_syft_reports(demo: Path) -> None:
    syft, ours = _syft(demo), _ours(demo)
    main = ours["metadata"]["component"]
    assert (main["name"], main["version"]) == ("example.com/sbomdemo", "v1.2.3")
    theirs = {
        _as_syft(c) for c in syft["components"] if c["type"] == "library"
    }  # syft lists the main module among them, and the file itself apart
    assert {_as_syft(c) for c in ours["components"]} | {_as_syft(main)} == theirs
    assert theirs == {
        ("pkg:golang/example.com/sbomdemo@v1.2.3", "v1.2.3", None),
        ("pkg:golang/example.com/local", "UNKNOWN", None),  # replaced by ./local
        (
            "pkg:golang/golang.org/x/mod@v0.20.0",  # the replacement, not v0.22.0
            "v0.20.0",
            "h1:utOm6MM3R3dnawAiJgn0y+xvuYRsm1RKM/4giyfDgV0=",
        ),
        (
            "pkg:golang/golang.org/x/text@v0.21.0",
            "v0.21.0",
            "h1:zyQAAkrwaneQ066sspRyJaG9VNi/YJ1NfzcGB3hZ/qo=",
        ),
        (f"pkg:golang/stdlib@{_go_version(demo).removeprefix('go')}", _go_version(demo), None),
    }
    # The Go toolchain as syft describes it: its CPE and licence too.
    (their_stdlib,) = [c for c in syft["components"] if c["name"] == "stdlib"]
    (our_stdlib,) = [c for c in ours["components"] if c["name"] == "stdlib"]
    for key in ("cpe", "licenses", "purl", "version"):
        assert our_stdlib[key] == their_stdlib[key], key
    # Each Go checksum is also a SHA-256 hash, hex, as cyclonedx-gomod writes it.
    for component in ours["components"]:
        h1 = _property(component, "syft:metadata:h1Digest")
        hashes = component.get("hashes")
        if h1 is None:
            assert hashes is None
        else:
            assert hashes == [
                {"alg": "SHA-256", "content": base64.b64decode(h1.removeprefix("h1:")).hex()}
            ]
    # The binary it describes: the digest syft reports for the file.
    (their_file,) = [c for c in syft["components"] if c["type"] == "file"]
    digest = next(h["content"] for h in their_file["hashes"] if h["alg"] == "SHA-256")
    assert {"name": "cdx:gomod:binary:hash:SHA-256", "value": digest} in ours["metadata"][
        "properties"
    ]


@pytest.mark.e2e
def test_the_test_clis_sbom_agrees_with_syft_but_claims_no_version_from_ldflags(
    go_binaries: dict[tuple[str, str], Path],
) -> None:
    # Built without VCS stamping: the build information records no version (Go's "(devel)").
    # syft guesses v2.0.0 from the -X in -ldflags; the SBOM states only what Go recorded.
    binary = go_binaries["linux", "amd64"]
    syft, ours = _syft(binary), _ours(binary)
    theirs = {c["purl"] for c in syft["components"] if c["type"] == "library"}
    (stdlib,) = ours["components"]
    assert stdlib["purl"].startswith("pkg:golang/stdlib@1.")
    assert theirs == {"pkg:golang/github.com/cerebriumai/cerebrium@v2.0.0", stdlib["purl"]}
    main = ours["metadata"]["component"]
    assert main["purl"] == "pkg:golang/github.com/cerebriumai/cerebrium"
    assert "version" not in main


def _go_version(binary: Path) -> str:
    with binary.open("rb") as handle:
        return read_buildinfo(handle, name=binary.name).go_version


# --- the rules, on build information made by hand -------------------------------------------


def _info(*deps: Module, main: Module | None = None, go: str = "go1.26.8") -> BuildInfo:
    main = main or Module("example.com/app", "v1.0.0", "")
    settings = (("GOOS", "linux"), ("GOARCH", "arm64"), ("CGO_ENABLED", "0"), ("-ldflags", "-s"))
    return BuildInfo(go, f"{main.path}/cmd/app", main, deps, settings)


def _document(info: BuildInfo) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(
        cyclonedx(info, binary_name="app", binary_sha256="00" * 32, tool=TOOL)
    )
    return document


H1 = "h1:" + base64.b64encode(bytes(range(32))).decode()


def test_the_document_is_cyclonedx_with_no_time_and_a_serial_from_its_content() -> None:
    info = _info(Module("golang.org/x/sys", "v0.30.0", H1))
    data = cyclonedx(info, binary_name="app", binary_sha256="00" * 32, tool=TOOL)
    document = json.loads(data)
    assert document["bomFormat"] == "CycloneDX"
    assert document["specVersion"] == SPEC_VERSION == "1.6"
    assert document["$schema"] == "http://cyclonedx.org/schema/bom-1.6.schema.json"
    assert document["version"] == 1
    assert "timestamp" not in document["metadata"]
    assert document["serialNumber"].startswith("urn:uuid:")
    assert data == cyclonedx(info, binary_name="app", binary_sha256="00" * 32, tool=TOOL)
    other = cyclonedx(info, binary_name="app", binary_sha256="11" * 32, tool=TOOL)
    assert json.loads(other)["serialNumber"] != document["serialNumber"]
    assert document["metadata"]["tools"]["components"] == [
        {"type": "application", "name": "cerebrium_cli", "version": "2.0.0"}
    ]
    assert document["metadata"]["properties"] == [
        {"name": "cdx:gomod:binary:name", "value": "app"},
        {"name": "cdx:gomod:binary:hash:SHA-256", "value": "00" * 32},
        {"name": "cdx:gomod:build:env:GOARCH", "value": "arm64"},
        {"name": "cdx:gomod:build:env:GOOS", "value": "linux"},
        {"name": "cdx:gomod:build:env:CGO_ENABLED", "value": "0"},
    ]
    assert document["metadata"]["component"] == {
        "bom-ref": "pkg:golang/example.com/app@v1.0.0",
        "type": "application",
        "name": "example.com/app",
        "version": "v1.0.0",
        "purl": "pkg:golang/example.com/app@v1.0.0",
    }
    # The main module depends on every component; their own edges are unknown, so not given.
    assert document["dependencies"] == [
        {
            "ref": "pkg:golang/example.com/app@v1.0.0",
            "dependsOn": ["pkg:golang/golang.org/x/sys@v0.30.0", "pkg:golang/stdlib@1.26.8"],
        }
    ]
    assert data.endswith(b"}\n")


def test_dependencies_replacements_and_sums() -> None:
    document = _document(
        _info(
            Module("golang.org/x/sys", "v0.30.0", H1),
            Module("example.com/old", "v1.0.0", "h1:x", Module("example.com/new", "v2.1.0", H1)),
            Module("example.com/dir", "v0.1.0", "", Module("../dir", "(devel)", "")),
            Module("example.com/abs", "v0.1.0", "", Module("/src/abs", "(devel)", "")),
            Module("example.com/nosum", "v0.0.1", ""),
        )
    )
    by_name = {c["name"]: c for c in document["components"]}
    assert sorted(by_name) == [
        "example.com/abs",
        "example.com/dir",
        "example.com/new",
        "example.com/nosum",
        "golang.org/x/sys",
        "stdlib",
    ]
    new = by_name["example.com/new"]
    assert (new["version"], new["purl"]) == ("v2.1.0", "pkg:golang/example.com/new@v2.1.0")
    assert new["hashes"] == [{"alg": "SHA-256", "content": bytes(range(32)).hex()}]
    assert new["properties"] == [{"name": "syft:metadata:h1Digest", "value": H1}]
    for local in ("example.com/dir", "example.com/abs"):
        assert by_name[local]["purl"] == f"pkg:golang/{local}"
        assert "version" not in by_name[local]
        assert "hashes" not in by_name[local]
    assert "hashes" not in by_name["example.com/nosum"]
    refs = [c["bom-ref"] for c in document["components"]]
    assert refs == sorted(refs)
    assert len(set(refs)) == len(refs)


def test_a_malformed_sum_gives_no_hash_but_keeps_the_string() -> None:
    for bad in ("h1:not base64!", "h1:" + base64.b64encode(b"short").decode()):
        (dep, _) = _document(_info(Module("example.com/m", "v1.0.0", bad)))["components"]
        assert "hashes" not in dep
        assert dep["properties"] == [{"name": "syft:metadata:h1Digest", "value": bad}]


def test_two_modules_replaced_by_one_give_one_component() -> None:
    target = Module("example.com/fork", "v1.0.0", H1)
    document = _document(
        _info(
            Module("example.com/a", "v1.0.0", "", target),
            Module("example.com/b", "v1.0.0", "", target),
        )
    )
    assert [c["name"] for c in document["components"]] == ["example.com/fork", "stdlib"]


def test_a_main_module_without_a_version() -> None:
    document = _document(_info(main=Module("example.com/app", "(devel)", "")))
    assert document["metadata"]["component"]["purl"] == "pkg:golang/example.com/app"
    assert "version" not in document["metadata"]["component"]
    # A GOPATH build records no main module: the package path names it.
    document = _document(BuildInfo("go1.26.8", "example.com/tool", Module("", "", ""), (), ()))
    assert document["metadata"]["component"]["name"] == "example.com/tool"
    assert document["metadata"]["properties"][2:] == []


@pytest.mark.parametrize(
    ("go", "version", "ref"),
    [
        ("go1.26.8", "go1.26.8", "pkg:golang/stdlib@1.26.8"),
        ("go1.22.12 X:boringcrypto", "go1.22.12", "pkg:golang/stdlib@1.22.12"),
        ("go1.27rc1", "go1.27rc1", "pkg:golang/stdlib@1.27rc1"),
        ("devel go1.27-abcdef", "devel", "pkg:golang/stdlib@devel"),
    ],
)
def test_the_go_toolchain_as_syft_names_it(go: str, version: str, ref: str) -> None:
    (stdlib,) = _document(_info(go=go))["components"]
    assert (stdlib["name"], stdlib["version"], stdlib["purl"]) == ("stdlib", version, ref)
    assert stdlib["licenses"] == [{"license": {"id": "BSD-3-Clause"}}]
    assert stdlib["cpe"] == f"cpe:2.3:a:golang:go:{ref.rpartition('@')[2]}:-:*:*:*:*:*:*"


@pytest.mark.parametrize(
    ("path", "version", "expected"),
    [
        ("github.com/cli/cli/v2", "v2.63.0", "pkg:golang/github.com/cli/cli/v2@v2.63.0"),
        ("golang.org/x/text", "", "pkg:golang/golang.org/x/text"),
        (
            "github.com/docker/docker",
            "v28.0.0+incompatible",
            "pkg:golang/github.com/docker/docker@v28.0.0%2Bincompatible",
        ),
        ("example.com/a b", "v1.0.0", "pkg:golang/example.com/a%20b@v1.0.0"),
        ("example.com/~user/x", "v1", "pkg:golang/example.com/~user/x@v1"),
        ("gopkg.in/yaml.v3", "v3.0.1", "pkg:golang/gopkg.in/yaml.v3@v3.0.1"),
        ("stdlib", "1.26.8", "pkg:golang/stdlib@1.26.8"),
    ],
)
def test_purls_are_encoded_as_packageurl_go_encodes_them(
    path: str, version: str, expected: str
) -> None:
    assert purl(path, version) == expected


def test_the_sbom_is_named_for_the_binary() -> None:
    assert sbom_name("cerebrium") == "cerebrium.cdx.json"
    assert sbom_name("cerebrium.exe") == "cerebrium.exe.cdx.json"
