"""``bootstrap wheels --from dist/`` with a Sigstore keyless signature on dist/'s checksums.

Real GoReleaser's ``dist/`` of test_publish_e2e's project "tasktool", its configuration given a
``signs`` block that names a keyless bundle of the checksums file. GoReleaser does not sign here
(no cosign, no OIDC): the test's private Sigstore (``forge``) signs the checksums file afterwards,
as the release workflow would, and the bundle is written at the top of ``dist/`` under the name
the signs block renders. The signer a release accepts is a workflow of the configuration's
``release.github`` repository at dist/'s tag; the settings are the project's (``TASKTOOL_``).
"""

from __future__ import annotations

import json
import shutil
import sys
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import yaml
from cerebrium_cli import bootstrap
from test_publish_e2e import CONFIG, PROJECT

if TYPE_CHECKING:
    from support.goreleaser import Dist, GoReleaser
    from support.sigstore_forge import SigstoreTestRoot

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(sys.platform == "win32", reason="GoReleaser runs on POSIX here"),
]


def _configured(*keys: str) -> str:
    """A text of test_publish_e2e's configuration: ``_configured("checksum", "name_template")``."""
    value: object = CONFIG
    for key in keys:
        assert isinstance(value, dict)
        value = value[key]
    assert isinstance(value, str)
    return value


PREFIX = f"{PROJECT.upper()}_"  # the project's settings, not this package's
REPO = f"{_configured('release', 'github', 'owner')}/{_configured('release', 'github', 'name')}"
CHECKSUMS = _configured("checksum", "name_template")
# Not cosign's conventional <checksums>.sigstore.json: found only if the signs block is read.
SIGNED = {**CONFIG, "signs": [{"artifacts": "checksum", "signature": "${artifact}.keyless.json"}]}
BUNDLE = f"{CHECKSUMS}.keyless.json"


@pytest.fixture(scope="module")
def built(goreleaser: GoReleaser, tmp_path_factory: pytest.TempPathFactory) -> Dist:
    config = tmp_path_factory.mktemp("dist-keyless") / "goreleaser.yaml"
    config.write_text(yaml.safe_dump(SIGNED, sort_keys=False))
    return goreleaser.run(config)  # the sign pipe is skipped: the forge signs below


def _workflow(repository: str, tag: str) -> str:
    """The SAN GitHub gives a run of the release workflow of ``repository`` at ``tag``."""
    return f"https://github.com/{repository}/.github/workflows/release.yml@refs/tags/{tag}"


def _dist(built: Dist, tmp_path: Path, forge: SigstoreTestRoot, **signer: str) -> Path:
    """A copy of ``built``'s dist/ (artifacts.json's paths are relative to the folder GoReleaser
    ran in, so they hold for the copy), its checksums file signed keyless as ``signer`` says
    (``repository``, ``tag``); unsigned without one."""
    dist = Path(shutil.copytree(built.dir, tmp_path / "dist"))
    if signer:
        bundle = forge.sign_blob((dist / CHECKSUMS).read_bytes(), **signer)
        (dist / BUNDLE).write_bytes(bundle)
    return dist


def _wheels(dist: Path, out: Path, monkeypatch: pytest.MonkeyPatch, trusted_root: Path) -> int:
    monkeypatch.setenv(f"{PREFIX}SIGSTORE_TRUSTED_ROOT", str(trusted_root))
    return bootstrap.main(["wheels", "--from", str(dist), "--out", str(out), "-q"])


def _written(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir()) if out.exists() else []


def test_the_signs_block_names_the_bundle_the_wheels_step_reads(
    built: Dist, capsys: pytest.CaptureFixture[str]
) -> None:
    config = str(built.dir / "config.yaml")  # GoReleaser's effective configuration
    assert bootstrap.main(["names", "--config", config, "--version", built.tag]) == 0
    assert f"signature {BUNDLE}\n" in capsys.readouterr().out


def test_a_dist_signed_keyless_by_its_release_workflow_makes_wheels(
    built: Dist,
    forge: SigstoreTestRoot,
    trusted_root: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    dist = _dist(built, tmp_path, forge, repository=REPO, tag=built.tag)
    monkeypatch.setenv(f"{PREFIX}VERIFY", "signature")
    out = tmp_path / "out"
    assert _wheels(dist, out, monkeypatch, trusted_root) == 0
    wheels = sorted(out.glob("*.whl"))
    assert len(wheels) == len({a.platform for a in built.archives})
    for wheel in wheels:
        with zipfile.ZipFile(wheel) as archive:
            (name,) = [n for n in archive.namelist() if n.endswith(".dist-info/verification.json")]
            record = json.loads(archive.read(name))
        assert record["tag"] == built.tag
        assert record["checksums"]["name"] == CHECKSUMS
        assert record["checksums"]["trust"] == "signed"
        assert record["vouched_by"]["keyless"] == _workflow(REPO, built.tag)
        assert record["vouched_by"]["key"] is None


@pytest.mark.parametrize(
    "case", ["another repository", "another tag", "unsigned", "changed after signing"]
)
def test_a_dist_not_signed_by_its_release_workflow_gets_no_wheel(
    built: Dist,
    forge: SigstoreTestRoot,
    trusted_root: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    case: str,
) -> None:
    signer = {
        "another repository": {"repository": "someone/tasktool", "tag": built.tag},
        "another tag": {"repository": REPO, "tag": "v1.9.0"},
        "unsigned": {},  # no bundle where the signs block says one is
        "changed after signing": {"repository": REPO, "tag": built.tag},
    }[case]
    dist = _dist(built, tmp_path, forge, **signer)
    if case == "unsigned":  # else the default policy, auto: a bad signature is refused under all
        monkeypatch.setenv(f"{PREFIX}VERIFY", "signature")
    if case == "changed after signing":
        checksums = dist / CHECKSUMS
        data = bytearray(checksums.read_bytes())
        data[0] = ord("0") if data[0] != ord("0") else ord("1")  # one archive's digest, one byte
        checksums.write_bytes(bytes(data))
    out = tmp_path / "out"
    assert _wheels(dist, out, monkeypatch, trusted_root) == 1
    err = capsys.readouterr().err
    if case == "unsigned":
        said = [
            f"{CHECKSUMS} is not signed with a Sigstore keyless signature: {BUNDLE} was not found",
            f"{PREFIX}VERIFY=signature requires one",
        ]
    elif case == "changed after signing":
        said = [f"{BUNDLE} does not verify"]
    else:  # who signed, and who was expected
        said = [
            f"{BUNDLE} is signed by {_workflow(**signer)} (issuer ",
            f"the release expects a workflow of github.com/{REPO} at refs/tags/{built.tag}",
        ]
    assert [line for line in said if line not in err] == []
    assert "Traceback" not in err
    assert _written(out) == []  # changed after signing: the archives left alone get none either
