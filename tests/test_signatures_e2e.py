"""Through pip: a package carrying the release key installs only releases that key signed."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
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
