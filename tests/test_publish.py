"""Another project's distribution without a fork: dist.py (GoReleaser's dist/), project.py
(METADATA beyond the configuration) and publish.py (the package under the project's names)."""

from __future__ import annotations

import io
import json
import re
import tarfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest
from cerebrium_cli import bootstrap
from cerebrium_cli.description import Description
from cerebrium_cli.dist import DistLocation, parse_artifacts, read_dist
from cerebrium_cli.errors import AssetNotFoundError, ConfigError
from cerebrium_cli.project import ProjectInfo, read_project
from cerebrium_cli.publish import project_content, write_sdist

OWN = "cerebrium"  # this package's name: nothing made for another project may hold it
CONFIG = {
    "version": 2,
    "project_name": "tasktool",
    "builds": [{"binary": "tasktool", "goos": ["linux"], "goarch": ["amd64"]}],
    "release": {"github": {"owner": "example-org", "name": "tasktool"}},
}


def _dist(tmp_path: Path, artifacts: Sequence[Mapping[str, object]]) -> Path:
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "artifacts.json").write_text(json.dumps(artifacts))
    meta = {"project_name": "tasktool", "tag": "v1.2.3", "version": "1.2.3"}
    (dist / "metadata.json").write_text(json.dumps(meta))
    return dist


def _binary_dist(tmp_path: Path) -> Path:
    """formats: [binary]: the uploaded file is in a build folder, under another name."""
    dist = _dist(
        tmp_path,
        [
            {"name": "tasktool", "path": "dist/b_linux_amd64_v1/tasktool", "type": "Binary",
             "internal_type": 4, "goos": "linux", "goarch": "amd64", "goamd64": "v1"},
            {"name": "tasktool_linux_amd64", "path": "dist/b_linux_amd64_v1/tasktool",
             "type": "Binary", "internal_type": 2, "goos": "linux", "goarch": "amd64",
             "goamd64": "v1"},
            {"name": "SHA256SUMS", "path": "dist/SHA256SUMS", "type": "Checksum",
             "internal_type": 12},
        ],
    )  # fmt: skip
    (dist / "b_linux_amd64_v1").mkdir()
    (dist / "b_linux_amd64_v1" / "tasktool").write_bytes(b"\x7fELF binary")
    (dist / "SHA256SUMS").write_text("00  tasktool_linux_amd64\n")
    return dist


def test_uploadable_binaries_are_read_at_their_paths_by_their_release_names(
    tmp_path: Path,
) -> None:
    dist = read_dist(_binary_dist(tmp_path))
    assert (dist.project_name, dist.tag, dist.version) == ("tasktool", "v1.2.3", "1.2.3")
    # The build's own binary (internal_type 4) is not a release file; the uploadable one is.
    assert sorted(dist.files) == ["SHA256SUMS", "tasktool_linux_amd64"]
    location = DistLocation(dist)
    assert location.read("tasktool_linux_amd64", limit=100) == b"\x7fELF binary"
    out = io.BytesIO()
    location.copy("tasktool_linux_amd64", out, algorithm="sha256", limit=100)
    assert out.getvalue() == b"\x7fELF binary"
    assert dist.artifacts[1].variant == "v1"


def test_a_name_not_listed_is_looked_for_at_the_top_of_dist(tmp_path: Path) -> None:
    dist_dir = _binary_dist(tmp_path)
    (dist_dir / "SHA256SUMS.sig").write_bytes(b"sig")
    location = DistLocation(read_dist(dist_dir))
    assert location.read("SHA256SUMS.sig", limit=10) == b"sig"
    with pytest.raises(AssetNotFoundError):
        location.read("SHA256SUMS.pem", limit=10)


@pytest.mark.parametrize("path", ["../secret", "/etc/passwd", "dist/../../secret"])
def test_an_artifact_outside_dist_is_refused(tmp_path: Path, path: str) -> None:
    entry = {"name": "x.tar.gz", "path": path, "type": "Archive", "internal_type": 1}
    with pytest.raises(ConfigError, match="outside"):
        read_dist(_dist(tmp_path, [entry]))


def test_two_files_under_one_release_name_are_refused(tmp_path: Path) -> None:
    entries = [{"name": "x.tar.gz", "path": f"dist/{n}/x.tar.gz", "type": "Archive"} for n in "ab"]
    with pytest.raises(ConfigError, match=re.escape("two files named 'x.tar.gz'")):
        read_dist(_dist(tmp_path, entries))


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        (b"{}", "not a list"),
        (b"[1]", "entry 0 is not an object"),
        (b'[{"name": "a", "path": "b"}]', "'[0].type'"),
        (b'[{"name": "a", "path": 1, "type": "Archive"}]', "'[0].path' is a number"),
    ],
)
def test_malformed_artifacts_are_refused_naming_the_entry(raw: bytes, problem: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(problem)):
        parse_artifacts(raw, "dist/artifacts.json")


def test_a_directory_without_goreleasers_records_says_what_it_expected(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="finished goreleaser release"):
        read_dist(tmp_path)


def test_project_record_round_trips_with_defaults(tmp_path: Path) -> None:
    assert read_project(tmp_path / "absent.json") == ProjectInfo()
    info = ProjectInfo("A task runner", "MIT")
    (tmp_path / "project.json").write_bytes(info.to_json())
    assert read_project(tmp_path / "project.json") == info
    assert ProjectInfo().summary_for("tasktool").startswith("The tasktool command-line tool")


def test_project_content_is_the_package_under_the_projects_names() -> None:
    description = Description(CONFIG, None, "goreleaser.yaml")
    release = description.release()
    content = project_content(release, description, "1.2.3", ProjectInfo(license="MIT"))
    assert content.name == "tasktool"
    package = content.package
    assert '__version__ = "1.2.3"' in package["tasktool_cli/__init__.py"].decode()
    record = json.loads(package["tasktool_cli/release.json"])
    assert record["config"]["project_name"] == "tasktool"
    # This package's own release (its pins, its key) is never carried over.
    assert "tasktool_cli/pinned-checksums.txt" not in package
    assert "tasktool_cli/cosign.pub" not in package
    assert b"[tool." not in package["tasktool_cli/_sdist/pyproject.toml"]
    metadata = content.dist_info["METADATA"].decode()
    assert "Name: tasktool\nVersion: 1.2.3\n" in metadata
    assert "License: MIT\n" in metadata
    assert "tasktool = tasktool_cli.__main__:main" in content.dist_info["entry_points.txt"].decode()
    written = [*content.package.items(), *content.dist_info.items()]
    assert [name for name, data in written if OWN.encode() in data.lower()] == []


def test_sdist_is_reproducible_and_has_the_build_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    description = Description(CONFIG, None, "goreleaser.yaml")
    content = project_content(description.release(), description, "1.2.3", ProjectInfo())
    first = write_sdist(content, tmp_path / "a")
    second = write_sdist(content, tmp_path / "b")
    assert first.name == "tasktool-1.2.3.tar.gz"
    assert first.read_bytes() == second.read_bytes()
    with tarfile.open(first) as tar:
        names = tar.getnames()
        assert {m.mtime for m in tar.getmembers()} == {1700000000}
    for name in ("PKG-INFO", "setup.py", "pyproject.toml", "MANIFEST.in", "wrapper/release.json"):
        assert f"tasktool-1.2.3/{name}" in names


def test_sdist_command_writes_the_projects_sdist(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import yaml

    config = tmp_path / "goreleaser.yaml"
    config.write_text(yaml.safe_dump(CONFIG))
    args = ["sdist", "--config", str(config), "--tag", "v1.2.3", "--out", str(tmp_path / "out")]
    assert bootstrap.main([*args, "--summary", "Runs tasks"]) == 0
    (sdist,) = (tmp_path / "out").glob("*.tar.gz")
    assert capsys.readouterr().out.strip() == str(sdist)
    with tarfile.open(sdist) as tar:
        handle = tar.extractfile("tasktool-1.2.3/PKG-INFO")
        assert handle is not None
        assert "Summary: Runs tasks\n" in handle.read().decode()


def test_sdist_without_a_version_says_how_to_give_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import yaml

    config = tmp_path / "goreleaser.yaml"
    config.write_text(yaml.safe_dump(CONFIG))
    assert bootstrap.main(["sdist", "--config", str(config), "--out", str(tmp_path)]) == 1
    assert "give --version V" in capsys.readouterr().err
