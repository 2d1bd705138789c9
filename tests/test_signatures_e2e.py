"""Through pip: a package carrying the release key installs only releases that key signed."""

from __future__ import annotations

import functools
import shutil
import sys
from pathlib import Path

import pytest
import yaml
from conftest import VERSION

pytestmark = [pytest.mark.e2e, pytest.mark.skipif(sys.platform == "win32", reason="POSIX")]


@pytest.fixture(scope="module")
def release_key():  # type: ignore[no-untyped-def]
    from support.signing import make_key

    return make_key()


@pytest.fixture(scope="module")
def keyed_sdist(tmp_path_factory, release_key) -> Path:  # type: ignore[no-untyped-def]
    from support.sdist import build_sdist, copy_checkout
    from support.signing import public_pem

    checkout = copy_checkout(tmp_path_factory.mktemp("keyed") / "src")
    (checkout / "wrapper" / "cosign.pub").write_bytes(public_pem(release_key))
    return build_sdist(tmp_path_factory.mktemp("keyed-dist"), checkout)


def _variant(server_root: Path, release, name: str) -> Path:  # type: ignore[no-untyped-def]
    out = server_root / name
    shutil.copytree(release.dir, out)
    return out


def _install(tmp_path, keyed_sdist, wheelhouse, ca_file, server, name):  # type: ignore[no-untyped-def]
    from support.venvs import Venv

    venv = Venv.create(tmp_path / "venv")
    env = {
        "SSL_CERT_FILE": str(ca_file),
        "CEREBRIUM_RELEASE_URL": f"{server.url}/{name}/",
        "CEREBRIUM_CACHE_DIR": str(tmp_path / "cache"),
    }
    return venv, venv.install(str(keyed_sdist), wheelhouse=wheelhouse, env=env)


@pytest.mark.parametrize("form", ["sig", "bundle"])
def test_a_release_signed_by_the_pinned_key_installs(
    tmp_path, keyed_sdist, wheelhouse, ca_file, server, server_root, release, release_key, form
) -> None:  # type: ignore[no-untyped-def]
    from support.signing import bundle, sign

    out = _variant(server_root, release, f"signed-{form}")
    data = (out / "checksums.txt").read_bytes()
    if form == "sig":
        (out / "checksums.txt.sig").write_bytes(sign(release_key, data))
    else:
        (out / "checksums.txt.sigstore.json").write_bytes(bundle(release_key, data))
    venv, result = _install(tmp_path, keyed_sdist, wheelhouse, ca_file, server, f"signed-{form}")
    assert result.returncode == 0, result.stderr[-3000:]
    expected = "cosign signature" if form == "sig" else "Sigstore bundle"
    assert f"checksums.txt signed ({expected}" in result.stdout + result.stderr
    assert venv.run("cerebrium", "version").stdout.strip() == f"cerebrium version {VERSION}"


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("other-key", "does not verify with the release key"),
        ("unsigned", "checksums.txt is not signed"),
        ("edited", "does not verify with the release key"),
    ],
)
def test_releases_the_key_did_not_sign_are_refused(
    tmp_path,
    keyed_sdist,
    wheelhouse,
    ca_file,
    server,
    server_root,
    release,
    release_key,
    case,
    message,
) -> None:  # type: ignore[no-untyped-def]
    from support.signing import make_key, sign

    out = _variant(server_root, release, f"refused-{case}")
    checksums = out / "checksums.txt"
    if case == "other-key":
        (out / "checksums.txt.sig").write_bytes(sign(make_key(), checksums.read_bytes()))
    elif case == "edited":
        (out / "checksums.txt.sig").write_bytes(sign(release_key, checksums.read_bytes()))
        lines = checksums.read_text().splitlines()
        lines[0] = "f" * 64 + lines[0][64:]  # another archive's digest changed after signing
        checksums.write_text("\n".join(lines) + "\n")
    venv, result = _install(tmp_path, keyed_sdist, wheelhouse, ca_file, server, f"refused-{case}")
    out_text = result.stdout + result.stderr
    assert result.returncode != 0
    assert message in out_text
    assert "Traceback" not in out_text
    assert not venv.script("cerebrium").exists()


# --- Real cosign, through GoReleaser's signs block ------------------------------------------

COSIGN_PASSWORD = "release-key-password"  # what `cosign generate-key-pair` encrypts the key with
# GoReleaser signs checksums.txt with `cosign sign-blob --key` (the key from the environment, as
# the README's maintainer section recommends). `--tlog-upload=false` keeps it offline: no Rekor
# entry, which a signature checked against a pinned key does not need; `--new-bundle-format`
# makes `--bundle` write a Sigstore bundle (v0.3, messageSignature) instead of cosign's legacy
# JSON.
SIGNS = {
    "sig": {
        "id": "checksums",
        "cmd": "cosign",
        "artifacts": "checksum",
        "signature": "${artifact}.sig",
        "args": [
            "sign-blob", "--key=env://COSIGN_PRIVATE_KEY", "--output-signature=${signature}",
            "--tlog-upload=false", "--yes", "${artifact}",
        ],
    },
    "bundle": {
        "id": "checksums",
        "cmd": "cosign",
        "artifacts": "checksum",
        "signature": "${artifact}.sigstore.json",
        "args": [
            "sign-blob", "--key=env://COSIGN_PRIVATE_KEY", "--bundle=${signature}",
            "--new-bundle-format", "--tlog-upload=false", "--yes", "${artifact}",
        ],
    },
}  # fmt: skip
# GoReleaser v2.15.x rewrites checksums.txt after signing it, adding the signature's own line, so
# the signature no longer matches (goreleaser/goreleaser#6514, fixed in v2.16.0 by
# b5eabc893 "fix(checksum): exclude signature and certificates"). With v2.15.1 a release
# keeps its signature valid by naming what checksums.txt covers: the archives' and packages' id,
# not the signs block's.
CHECKSUM_IDS = ("cerebrium",)


def _cosign_key_pair(where: Path) -> tuple[bytes, bytes]:
    """``cosign generate-key-pair``: (cosign.key, encrypted with COSIGN_PASSWORD; cosign.pub)."""
    import os
    import subprocess

    from support.gotools import install

    where.mkdir(parents=True)
    subprocess.run(
        [str(install("cosign")), "generate-key-pair"],
        cwd=where,
        env={**os.environ, "COSIGN_PASSWORD": COSIGN_PASSWORD},
        check=True,
        capture_output=True,
    )
    return (where / "cosign.key").read_bytes(), (where / "cosign.pub").read_bytes()


@pytest.fixture(scope="module")
def cosign_keys(tmp_path_factory):  # type: ignore[no-untyped-def]
    """Two key pairs made by cosign: the release's and another one."""
    tmp = tmp_path_factory.mktemp("cosign-keys")
    return {name: _cosign_key_pair(tmp / name) for name in ("release", "other")}


@pytest.fixture(scope="module")
def cosign_sdists(tmp_path_factory, cosign_keys):  # type: ignore[no-untyped-def]
    """The sdist carrying each key pair's cosign.pub as wrapper/cosign.pub."""
    from support.sdist import build_sdist, copy_checkout

    sdists = {}
    for name, (_, public) in cosign_keys.items():
        checkout = copy_checkout(tmp_path_factory.mktemp(f"cosign-{name}") / "src")
        (checkout / "wrapper" / "cosign.pub").write_bytes(public)
        sdists[name] = build_sdist(tmp_path_factory.mktemp(f"cosign-{name}-dist"), checkout)
    return sdists


@pytest.fixture(scope="module")
def cosign_signed(tmp_path_factory, goreleaser, cosign_keys, server_root):  # type: ignore[no-untyped-def]
    """``cosign_signed(form)``: GoReleaser's release of the project's configuration plus a signs
    block of that form, signed with the release key, at ``<server>/cosign-<form>/``."""
    from conftest import ROOT
    from support.goreleaser import derive_config

    private, _ = cosign_keys["release"]
    env = {"COSIGN_PASSWORD": COSIGN_PASSWORD, "COSIGN_PRIVATE_KEY": private.decode()}

    def make(form: str, checksum_ids: tuple[str, ...] | None = CHECKSUM_IDS):  # type: ignore[no-untyped-def]
        base = yaml.safe_load((ROOT / "goreleaser.yaml").read_text())
        checksum = {**base["checksum"], **({"ids": list(checksum_ids)} if checksum_ids else {})}
        name = f"cosign-{form}" if checksum_ids else f"cosign-{form}-all"
        config = derive_config(
            ROOT / "goreleaser.yaml",
            tmp_path_factory.mktemp(name) / "goreleaser.yaml",
            signs=[SIGNS[form]],
            checksum=checksum,
        )
        dist = goreleaser.run(config, sign=True, env=env)
        return dist, dist.publish(server_root / name)

    return functools.cache(make)


@pytest.mark.parametrize("form", ["sig", "bundle"])
def test_goreleaser_and_cosign_signed_release_installs_with_its_key(
    tmp_path, cosign_signed, cosign_sdists, wheelhouse, ca_file, server, form
) -> None:  # type: ignore[no-untyped-def]
    dist, published = cosign_signed(form)
    (signature,) = [a for a in dist.assets if a.type == "Signature"]
    assert (published / signature.name).is_file()
    expected_name = {"sig": "checksums.txt.sig", "bundle": "checksums.txt.sigstore.json"}[form]
    assert signature.name == expected_name
    venv, result = _install(
        tmp_path, cosign_sdists["release"], wheelhouse, ca_file, server, f"cosign-{form}"
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    expected = "cosign signature" if form == "sig" else "Sigstore bundle"
    assert f"checksums.txt signed ({expected}" in result.stdout + result.stderr
    assert venv.run("cerebrium", "version").stdout.strip() == f"cerebrium version {VERSION}"


@pytest.mark.parametrize("form", ["sig", "bundle"])
def test_goreleaser_and_cosign_signed_release_is_refused_with_another_key(
    tmp_path, cosign_signed, cosign_sdists, wheelhouse, ca_file, server, form
) -> None:  # type: ignore[no-untyped-def]
    cosign_signed(form)
    venv, result = _install(
        tmp_path, cosign_sdists["other"], wheelhouse, ca_file, server, f"cosign-{form}"
    )
    out_text = result.stdout + result.stderr
    assert result.returncode != 0
    assert "does not verify with the release key" in out_text
    assert "Traceback" not in out_text
    assert not venv.script("cerebrium").exists()
    assert venv.pip("show", "cerebrium").returncode != 0


def test_a_checksums_file_goreleaser_changed_after_signing_it_is_refused(
    tmp_path, cosign_signed, cosign_sdists, wheelhouse, ca_file, server
) -> None:  # type: ignore[no-untyped-def]
    # GoReleaser v2.15.x without checksum.ids (goreleaser#6514): its checksums.txt lists
    # checksums.txt.sig, written after the signature was made. Even with the right key, such a
    # release installs nothing.
    dist, published = cosign_signed("sig", checksum_ids=None)
    (checksums,) = dist.checksums
    if "checksums.txt.sig" not in (published / checksums.name).read_text():
        pytest.skip("this GoReleaser no longer changes checksums.txt after signing it")
    venv, result = _install(
        tmp_path, cosign_sdists["release"], wheelhouse, ca_file, server, published.name
    )
    out_text = result.stdout + result.stderr
    assert result.returncode != 0
    assert "checksums file was changed after signing" in out_text
    assert "Traceback" not in out_text
    assert not venv.script("cerebrium").exists()
