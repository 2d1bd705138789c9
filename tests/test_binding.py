"""The version the binary records, bound to the tag being installed (wrapper/binding.py).

The binaries are the test CLI built by the real Go toolchain in each way a release can be built
(the version by -X, -trimpath, a VCS-stamped tag, no Go at all); the release descriptions are
goreleaser.yaml and variants of it. End to end, through pip: tests/test_binding_e2e.py.
"""

from __future__ import annotations

import copy
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from cerebrium_cli.binding import (
    VersionMismatchError,
    check_binary,
    main_module_version,
    names_bind,
    probe_tags,
    split_flags,
    version_variables,
    x_assignments,
)
from cerebrium_cli.buildinfo import MAGIC, BuildInfo, BuildInfoError, Module
from cerebrium_cli.errors import ArchiveError, SignatureError
from cerebrium_cli.fetch import VerifiedArchive, VerifiedChecksums
from cerebrium_cli.platforms import Target
from cerebrium_cli.proofs import Proofs
from cerebrium_cli.release import Release, parse_release
from cerebrium_cli.settings import VerifyPolicy
from cerebrium_cli.signatures import PublicKey, load_public_key
from cerebrium_cli.verification import Verification
from conftest import ROOT
from hypothesis import given, settings
from hypothesis import strategies as st
from support.gocli import MAIN, SOURCE, VERSION_PACKAGE, go_env, tagged_checkout
from support.logs import captured
from support.signing import make_key, public_pem

LINUX = Target("linux", "amd64")
TAG = "v2.0.0"
CONFIG: dict[str, Any] = yaml.safe_load((ROOT / "goreleaser.yaml").read_text())
VERSION_VAR = f"{VERSION_PACKAGE}.Version"


def release_with(**build: Any) -> Release:
    """goreleaser.yaml with builds[0] changed (a key set to None is removed)."""
    config = copy.deepcopy(CONFIG)
    for key, value in build.items():
        if value is None:
            config["builds"][0].pop(key, None)
        else:
            config["builds"][0][key] = value
    return parse_release(config, "goreleaser.yaml")


REAL = release_with()


# --- the -X assignments and which of them name the version ------------------------------------


@pytest.mark.parametrize(
    ("text", "fields"),
    [
        ("-s -w", ["-s", "-w"]),
        ("  -X  a.b=c\t-s\n", ["-X", "a.b=c", "-s"]),
        ("-X 'a.b=c d' -X \"e.f=g h\"", ["-X", "a.b=c d", "-X", "e.f=g h"]),
        ("-X a.b='c d'", ["-X", "a.b='c", "d'"]),  # a quote only starts a field
        ("''", [""]),
        ("-X 'a.b=c", None),
    ],
)
def test_split_flags_as_the_go_command(text: str, fields: list[str] | None) -> None:
    assert split_flags(text) == fields


@pytest.mark.parametrize(
    ("ldflags", "assigned"),
    [
        ("-s -w -X a/b.V=1.0.0 -X a/b.C=abc", {"a/b.V": "1.0.0", "a/b.C": "abc"}),
        ("-X=a.V=1 --X a.W=2 --X=a.Z=3", {"a.V": "1", "a.W": "2", "a.Z": "3"}),
        ("-X a.V=1 -X a.V=2", {"a.V": "2"}),  # the last wins, as in the linker
        ("-X 'a.V=1 2'", {"a.V": "1 2"}),
        ("-X a.V=", {"a.V": ""}),
        ("-X", {}),
        ("-Xa.V=1 -X noequals -X =x", {}),
        ("-X 'unterminated", {}),
    ],
)
def test_x_assignments(ldflags: str, assigned: dict[str, str]) -> None:
    assert x_assignments(ldflags) == assigned


def test_probe_tags_differ_in_each_part() -> None:
    assert probe_tags("v2.0.0") == ["v3.0.0", "v2.1.0", "v2.0.1", "v2.0.0-rc.1"]
    assert probe_tags("v2.1.0-beta.1") == [
        "v3.1.0-beta.1",
        "v2.2.0-beta.1",
        "v2.1.1-beta.1",
        "v2.1.0",
    ]
    assert probe_tags("nightly") == ["nightly-other"]


def _variables(release: Release, tag: str = TAG) -> dict[str, str]:
    return version_variables(lambda t: release.ldflags(LINUX, t), tag)


def test_the_real_build_block_names_its_version_variable() -> None:
    """Commit and BuildDate render from what no install knows: never taken for the version."""
    assert _variables(REAL) == {VERSION_VAR: "2.0.0"}


@pytest.mark.parametrize(
    ("ldflags", "variables"),
    [
        (None, {"main.version": "2.0.0"}),  # GoReleaser's default ldflags
        ("-s -w -X main.Version=v{{ .Version }}", {"main.Version": "v2.0.0"}),
        (["-X main.tag={{.Tag}}", "-X main.other=fixed"], {"main.tag": "v2.0.0"}),
        ("-X main.major={{ .Major }}", {}),  # v2.1.0 has it too: not the version
        ("-X main.v={{ .Version }}-{{ .ShortCommit }}", {}),  # half unknowable
        ("-X main.v={{ .Env.NOT_SET_HERE }}", {}),  # cannot be rendered here
        ("-X main.v={{ .Version }} -X main.w={{ .Env.NOT_SET_HERE }}", {}),  # one entry
        (["-X main.v={{ .Version }}", "-X main.w={{ .Env.NOT_SET_HERE }}"], {"main.v": "2.0.0"}),
        ("-X 'main.v={{ .Version }} final'", {"main.v": "2.0.0 final"}),
    ],
)
def test_which_variables_name_the_version(
    ldflags: str | list[str] | None, variables: dict[str, str]
) -> None:
    assert _variables(release_with(ldflags=ldflags)) == variables


def test_an_override_for_the_target_gives_its_ldflags() -> None:
    release = release_with(
        overrides=[{"goos": "linux", "goarch": "amd64", "ldflags": ["-X main.linux={{.Version}}"]}]
    )
    assert _variables(release) == {"main.linux": "2.0.0"}
    assert version_variables(lambda t: release.ldflags(Target("darwin", "arm64"), t), TAG) == {
        VERSION_VAR: "2.0.0"
    }


@pytest.mark.parametrize(
    ("version", "stamped"),
    [
        ("v2.0.0", "v2.0.0"),
        ("v2.0.0+dirty", "v2.0.0+dirty"),
        ("v2.1.0-rc.1", "v2.1.0-rc.1"),
        ("(devel)", None),
        ("", None),
        ("v0.0.0-20240102030405-fdcdb386cdbd", None),
        ("v2.0.1-0.20240102030405-fdcdb386cdbd", None),
        ("v2.0.0-rc.1.0.20240102030405-fdcdb386cdbd+dirty", None),
        ("2.0.0", None),
    ],
)
def test_main_module_version(version: str, stamped: str | None) -> None:
    info = BuildInfo("go1.26.8", "m/cmd/x", Module("m", version, ""), (), ())
    assert main_module_version(info) == stamped


@pytest.mark.parametrize(
    ("template", "binds"),
    [
        ("cerebrium_cli_{{ .Os }}_{{ .Arch }}", False),  # the real releases' names
        ("cerebrium_{{ .Version }}_{{ .Os }}_{{ .Arch }}", True),
        ("cerebrium_{{ .Tag }}_{{ .Os }}_{{ .Arch }}", True),
        ("cerebrium_{{ .Major }}_{{ .Os }}_{{ .Arch }}", False),
    ],
)
def test_versioned_names_bind(template: str, binds: bool) -> None:
    config = copy.deepcopy(CONFIG)
    config["archives"][0]["name_template"] = template
    assert names_bind(parse_release(config, "goreleaser.yaml"), LINUX, TAG) is binds


def test_split_checksums_names_do_not_bind() -> None:
    config = copy.deepcopy(CONFIG)
    config["archives"][0]["name_template"] = "cerebrium_{{ .Version }}_{{ .Os }}_{{ .Arch }}"
    config["checksum"] = {"split": True}
    assert not names_bind(parse_release(config, "goreleaser.yaml"), LINUX, TAG)


# --- the check, on real binaries ---------------------------------------------------------------


def _go_build(out: Path, *flags: str, cwd: Path = SOURCE, vcs: bool = False) -> Path:
    if shutil.which("go") is None:  # a required test tool (.ci/run installs it): never skip
        pytest.fail("Go is not installed; these tests build real binaries")
    env = {
        **go_env(),
        "GOOS": "linux",
        "GOARCH": "amd64",
        # This machine's Go sets -buildvcs=false in its env file: say which each build is.
        "GOFLAGS": f"-mod=mod -buildvcs={'true' if vcs else 'false'}",
    }
    subprocess.run(["go", "build", "-o", str(out), *flags, MAIN], cwd=cwd, env=env, check=True)
    return out


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The test CLI built each way, for linux/amd64."""
    out = tmp_path_factory.mktemp("bin")
    x = f"-X {VERSION_VAR}"
    binaries = {
        "2.0.0": _go_build(out / "v2", "-ldflags", f"-s -w {x}=2.0.0"),
        "1.0.0": _go_build(out / "v1", "-ldflags", f"-s -w {x}=1.0.0"),
        "trimpath": _go_build(out / "trim", "-trimpath", "-ldflags", f"-s -w {x}=2.0.0"),
        "none": _go_build(out / "none"),
    }
    # A checkout at tag v1.0.0, built with VCS stamping and -trimpath: the main module's
    # version is the only record.
    repo = tmp_path_factory.mktemp("repo") / "src"
    shutil.copytree(SOURCE, repo)
    tagged_checkout(repo, "v1.0.0")
    binaries["vcs-v1"] = _go_build(out / "vcs", "-trimpath", cwd=repo, vcs=True)
    not_go = out / "not-go"
    not_go.write_bytes(b"\x7fELF" + bytes(4000))
    binaries["not-go"] = not_go
    return binaries


@pytest.fixture(scope="module")
def key(tmp_path_factory: pytest.TempPathFactory) -> PublicKey:
    """A release key, as the package pins one (wrapper/cosign.pub)."""
    path = tmp_path_factory.mktemp("key") / "cosign.pub"
    path.write_bytes(public_pem(make_key()))
    loaded = load_public_key(path)
    assert loaded is not None
    return loaded


ASSET = "cerebrium_cli_linux_amd64.tar.gz"
CHECKSUMS = VerifiedChecksums(
    name="checksums.txt",
    raw=b"",
    entries={},
    algorithm="sha256",
    source="https://example.com/releases/download/v2.0.0/checksums.txt",
    vouched_by="signature",
)
# What a fetch proves (proofs.Proofs), one of each kind.
KEY_SIGNED = Proofs(key="09adeadc688c4653")
PROOFS = {
    "key": KEY_SIGNED,
    "pins": Proofs(pins=True),
    "keyless": Proofs(keyless="a workflow of github.com/CerebriumAI/cerebrium at refs/tags/v2.0.0"),
    "attestation": Proofs(key="09adeadc688c4653", attestation="attested (SLSA) by a workflow"),
    "kept": Proofs(kept_signed=True),
    "none": Proofs(),
}


def check(
    binary: Path,
    proofs: Proofs = KEY_SIGNED,
    policy: VerifyPolicy = "signature",
    release: Release = REAL,
) -> list[str]:
    """Run the check as fetch.extract does, on an archive with ``proofs`` under ``policy``;
    the log lines."""
    with binary.open("rb") as handle, captured() as lines:
        archive = VerifiedArchive(handle, ASSET, "sha256", "0" * 64, CHECKSUMS, proofs, policy)
        check_binary(release, LINUX, TAG, binary, archive)
    return lines


@pytest.mark.e2e
def test_the_tags_version_passes_and_says_so(built: dict[str, Path]) -> None:
    (line,) = check(built["2.0.0"])
    assert "records version 2.0.0" in line
    assert f"(-X {VERSION_VAR} in its -ldflags)" in line
    assert "), matching the tag v2.0.0" in line


@pytest.mark.e2e
@pytest.mark.parametrize("policy", ["auto", "signature", "attestation"])
@pytest.mark.parametrize("proofs", PROOFS)
def test_another_version_is_refused_under_every_policy(
    built: dict[str, Path], policy: VerifyPolicy, proofs: str
) -> None:
    with pytest.raises(VersionMismatchError) as caught:
        check(built["1.0.0"], PROOFS[proofs], policy)
    message = str(caught.value)
    assert message.startswith(
        f"{ASSET}: the archive holds version '1.0.0', not '2.0.0': "
        "the release location serves another release's files for v2.0.0"
    )
    assert "Nothing was installed" in message
    assert isinstance(caught.value, ArchiveError)


@pytest.mark.e2e
def test_the_main_module_version_stamped_from_the_tag_is_refused(built: dict[str, Path]) -> None:
    """-trimpath hides the ldflags, but Go 1.24+ stamped the checkout's tag v1.0.0."""
    with pytest.raises(VersionMismatchError, match=r"holds version 'v1\.0\.0', not 'v2\.0\.0'"):
        check(built["vcs-v1"], Proofs(), "auto")


@pytest.mark.e2e
@pytest.mark.parametrize("binary", ["trimpath", "none", "not-go"])
@pytest.mark.parametrize(
    ("proofs", "what"),
    [("key", "signed by the release key"), ("kept", "signed (when the cached checksums")],
)
def test_nothing_bound_but_a_signature_refused_under_signature(
    built: dict[str, Path], binary: str, proofs: str, what: str
) -> None:
    with pytest.raises(SignatureError) as caught:
        check(built[binary], PROOFS[proofs])
    message = str(caught.value)
    assert f"{what}" in message
    assert "the version is not bound" in message
    assert "CEREBRIUM_VERIFY=signature refuses that" in message
    for remedy in ("pinned in the package", "keyless", "asset names", "build information"):
        assert remedy in message


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("binary", "reason"),
    [
        ("trimpath", "it was built with -trimpath, which leaves its -ldflags out"),
        ("none", "it was built without -ldflags"),
        ("not-go", "holds no Go build information"),
    ],
)
def test_nothing_bound_but_the_key_logged_under_auto(
    built: dict[str, Path], binary: str, reason: str
) -> None:
    (line,) = check(built[binary], KEY_SIGNED, "auto")
    assert line.startswith("cerebrium: signed by the release key; the version is not bound (")
    assert reason in line


@pytest.mark.e2e
def test_ldflags_without_the_version_variable(built: dict[str, Path]) -> None:
    release = release_with(ldflags=["-s -w -X main.version={{.Version}}"])
    (line,) = check(built["2.0.0"], KEY_SIGNED, "auto", release)
    assert "the version is not bound" in line
    assert "its -ldflags set none of main.version" in line


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("proofs", "policy", "by"),
    [
        ("pins", "signature", "the pinned checksums"),
        ("pins", "auto", "the pinned checksums"),
        ("keyless", "signature", "the keyless signature by a workflow of github.com/"),
        ("attestation", "attestation", "the archive's attestation (attested (SLSA) by"),
    ],
)
def test_other_proofs_bind_the_version(
    built: dict[str, Path], proofs: str, policy: VerifyPolicy, by: str
) -> None:
    (line,) = check(built["trimpath"], PROOFS[proofs], policy)
    assert line.startswith(f"cerebrium: the version is bound by {by}")


@pytest.mark.e2e
def test_versioned_names_bind_a_key_signature(built: dict[str, Path]) -> None:
    config = copy.deepcopy(CONFIG)
    config["archives"][0]["name_template"] = "cerebrium_{{ .Version }}_{{ .Os }}_{{ .Arch }}"
    (line,) = check(built["trimpath"], release=parse_release(config, "goreleaser.yaml"))
    assert "bound by the archive's name, which carries the version" in line


@pytest.mark.e2e
def test_integrity_only_never_claims_a_binding(built: dict[str, Path]) -> None:
    (line,) = check(built["trimpath"], Proofs(), "auto")
    assert line.startswith("cerebrium: integrity only; the version is not bound")


@pytest.mark.e2e
def test_malformed_build_information_is_refused(built: dict[str, Path], tmp_path: Path) -> None:
    data = bytearray(built["2.0.0"].read_bytes())
    # A build line of the blob's module information (runtime.modinfo holds another copy).
    at = data.index(b"\nbuild\t-ldflags=", data.index(MAGIC))
    data[at + 7] = ord("=")  # "build\t=ldflags=...": a build line with a missing key
    bad = tmp_path / "cerebrium"
    bad.write_bytes(bytes(data))
    refusal = r"malformed: line \d+: build line with missing key\. Go's own reader .* installed"
    with pytest.raises(BuildInfoError, match=refusal):
        check(bad)


@pytest.mark.e2e
def test_the_fetch_pipeline_refuses_and_leaves_nothing(
    logged: list[str], built: dict[str, Path], tmp_path: Path
) -> None:
    """fetch.extract, the one place every install and wheel passes: the refused binary is
    removed from the destination."""
    from cerebrium_cli.fetch import Install, extract
    from cerebrium_cli.sources import Sources
    from support.release import make_archive

    name = REAL.archive_name(LINUX, TAG)
    dest = tmp_path / "bin"
    dest.mkdir()
    for version in ("1.0.0", "2.0.0"):
        (tmp_path / version).mkdir()
        archive = make_archive(built[version], tmp_path / version / name, "linux")
        lines = logged
        install = Install(REAL, REAL.plan(TAG, LINUX), Sources())
        with archive.open("rb") as handle:
            verified = VerifiedArchive(
                handle, name, "sha256", "0" * 64, CHECKSUMS, KEY_SIGNED, "auto"
            )
            if version == "1.0.0":
                with pytest.raises(VersionMismatchError, match=r"'1\.0\.0', not '2\.0\.0'"):
                    extract(install, verified, dest)
                assert list(dest.iterdir()) == []
            else:
                binary = extract(install, verified, dest)
                assert binary.exists()
                assert any("records version 2.0.0" in line for line in lines)


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("binary", "pinned", "keyed", "says"),
    [
        (
            "2.0.0",
            False,
            True,
            f"version binding: the installed v2 records version 2.0.0 (-X {VERSION_VAR} in its "
            "-ldflags), matching the tag v2.0.0",
        ),
        ("1.0.0", False, True, "records '1.0.0', not '2.0.0' ("),
        (
            "trimpath",
            False,
            True,
            "version binding: signed by the release key; the version is not ",
        ),
        ("trimpath", True, True, "version binding: by the pinned checksums (the binary records "),
        (None, False, False, "integrity only; the version is not bound (no binary is installed"),
    ],
)
def test_info_says_what_binds_the_installed_version(
    built: dict[str, Path],
    key: PublicKey,
    binary: str | None,
    pinned: bool,
    keyed: bool,
    says: str,
) -> None:
    from cerebrium_cli.binding import describe

    installed = built[binary] if binary is not None else None
    verification = Verification("auto", key if keyed else None)
    line = describe(REAL, LINUX, TAG, installed, pinned=pinned, verification=verification)
    assert says in line


@given(st.text(alphabet=" \t\n'\"-X=ab.c", max_size=60))
@settings(max_examples=300, deadline=None)
def test_any_ldflags_text_splits_or_is_refused(text: str) -> None:
    """Any -ldflags text: fields with no separator inside an unquoted field, or None for an
    unterminated quote; the -X assignments of it never raise."""
    fields = split_flags(text)
    if fields is None:
        assert "'" in text or '"' in text
    else:
        for field in fields:
            assert field == "" or field in text
    assigned = x_assignments(text)
    assert all("=" not in var and var for var in assigned)
