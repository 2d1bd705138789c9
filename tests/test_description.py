"""The release description as read and as recorded in the sdist: goreleaser.yaml and origin."""

from __future__ import annotations

import datetime
import json
import subprocess
import tarfile
from pathlib import Path

import pytest
import yaml
from cerebrium_cli import description
from cerebrium_cli.description import (
    Description,
    git_origin,
    load_release,
    read_config,
    read_description,
    read_record,
    record,
)
from cerebrium_cli.errors import ConfigError, StorageError
from conftest import VERSION

ROOT = Path(__file__).resolve().parent.parent

NO_RELEASE_BLOCK = """\
version: 2
project_name: othercli
builds:
  - binary: othercli
    goos: [linux, darwin, windows]
    goarch: [amd64, arm64]
archives:
  - formats: [tar.gz]
"""


def _git(directory: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(directory), *args], check=True, capture_output=True)


def _recorded(sdist: Path) -> dict[str, object]:
    with tarfile.open(sdist) as tf:
        handle = tf.extractfile(f"{sdist.name.removesuffix('.tar.gz')}/wrapper/release.json")
        assert handle is not None
        data: dict[str, object] = json.load(handle)
    return data


def test_the_sdist_records_this_projects_goreleaser_yaml_as_parsed(sdist: Path) -> None:
    data = _recorded(sdist)
    assert data["format"] == 1
    assert data["config"] == yaml.safe_load((ROOT / "goreleaser.yaml").read_text())
    assert data["origin"] == git_origin(ROOT)
    with tarfile.open(sdist) as tf:  # the YAML itself still travels, as the record's source
        assert f"cerebrium-{VERSION}/goreleaser.yaml" in tf.getnames()


def test_a_config_without_a_release_block_records_the_checkouts_origin(tmp_path: Path) -> None:
    from support.sdist import build_sdist, copy_checkout

    checkout = copy_checkout(tmp_path / "checkout")
    (checkout / "goreleaser.yaml").write_text(NO_RELEASE_BLOCK)
    _git(checkout, "init", "-q")
    # A CI checkout's origin often carries a token: it must not reach the published sdist.
    secret = "ghs_0123456789abcdefSECRET"
    _git(checkout, "remote", "add", "origin", f"https://x-access-token:{secret}@github.com/o/c.git")
    sdist = build_sdist(tmp_path / "dist", checkout)
    data = _recorded(sdist)
    assert data["config"] == yaml.safe_load(NO_RELEASE_BLOCK)
    assert data["origin"] == "https://github.com/o/c.git"
    # The sdist's build, which has no .git, publishes to the recorded origin.
    recorded = tmp_path / "release.json"
    recorded.write_text(json.dumps(data))
    assert read_record(recorded).release().repository == "o/c"
    with tarfile.open(sdist) as tf:
        for member in tf.getmembers():
            handle = tf.extractfile(member)
            assert handle is None or secret.encode() not in handle.read(), member.name


def test_an_explicit_release_block_wins_over_the_origin() -> None:
    config = yaml.safe_load((ROOT / "goreleaser.yaml").read_text())
    described = Description(config, "https://github.com/someone-else/fork.git", "test.yaml")
    assert described.release().repository == "CerebriumAI/cerebrium"


def test_a_checkout_reads_goreleaser_yaml_and_a_record_reads_back_equal(tmp_path: Path) -> None:
    from_yaml = read_description()
    assert from_yaml.source == str(ROOT / "goreleaser.yaml")
    assert not description.default_record_path().exists()  # a checkout carries no record
    record(from_yaml, tmp_path / "release.json")
    from_record = read_record(tmp_path / "release.json")
    assert (from_record.config, from_record.origin) == (from_yaml.config, from_yaml.origin)
    assert from_record.release() == from_yaml.release().__class__(
        **{**from_yaml.release().__dict__, "source": from_record.source}
    )
    assert not [p for p in tmp_path.iterdir() if p.name != "release.json"]  # no temp file left


def test_the_package_reads_its_record_without_pyyaml(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    record(read_description(), tmp_path / "release.json")
    monkeypatch.setattr(description, "default_record_path", lambda: tmp_path / "release.json")
    monkeypatch.setitem(__import__("sys").modules, "yaml", None)  # as if it were not installed
    assert load_release().project_name == "cerebrium"
    with pytest.raises(ModuleNotFoundError):  # a YAML file still needs it: names --config
        load_release(ROOT / "goreleaser.yaml")


def test_git_origin_outside_a_checkout_or_without_git_is_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    assert git_origin(tmp_path) is None
    _git(tmp_path, "init", "-q")
    assert git_origin(tmp_path) is None  # a checkout without an origin
    _git(tmp_path, "remote", "add", "origin", "git@github.com:owner/name.git")
    assert git_origin(tmp_path) == "git@github.com:owner/name.git"
    assert git_origin(tmp_path / "missing") is None
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # no git at all
    assert git_origin(tmp_path) is None


@pytest.mark.parametrize(
    ("url", "recorded"),
    [
        ("https://user:pw@github.com/o/n.git", "https://github.com/o/n.git"),
        ("https://token@gitlab.example.com:8443/g/n", "https://gitlab.example.com:8443/g/n"),
        ("ssh://git@github.com/o/n.git", "ssh://github.com/o/n.git"),
        ("https://github.com/o/n", "https://github.com/o/n"),
        ("git@github.com:o/n.git", "git@github.com:o/n.git"),
    ],
)
def test_git_origin_drops_credentials(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str, recorded: str
) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "remote", "add", "origin", url)
    assert git_origin(tmp_path) == recorded


def test_yaml_values_json_cannot_hold_are_recorded_as_text_or_refused(tmp_path: Path) -> None:
    config = tmp_path / "goreleaser.yaml"
    config.write_text("project_name: x\nreleased: 2024-05-01\nmatrix: {2: two, null: nothing}\n")
    described = read_config(config)
    assert described.config["released"] == datetime.date(2024, 5, 1).isoformat()
    assert described.config["matrix"] == {"2": "two", "null": "nothing"}
    record(described, tmp_path / "release.json")
    assert read_record(tmp_path / "release.json").config == described.config
    config.write_text("project_name: x\nblob: !!binary aGVsbG8=\n")
    with pytest.raises(ConfigError, match=r"blob is a bytes, which .* cannot record"):
        read_config(config)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "is not a release description of format 1: it is not JSON"),
        ('{"format": 2, "config": {}, "origin": null}', "not a release description of format 1"),
        ('{"format": true, "config": {}, "origin": null}', "its format is True"),
        ("[]", "it is a list, not an object"),
        ('{"format": 1, "config": [], "origin": null}', "'config' is a list, not an object"),
        ('{"format": 1, "config": {}, "origin": 3}', "'origin' is a number, not a string"),
    ],
)
def test_a_damaged_record_is_named_with_the_way_out(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "release.json"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message) as info:
        read_record(path)
    assert str(path) in str(info.value)
    assert "rebuild the sdist" in str(info.value)


def test_unreadable_files_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read the release description"):
        read_record(tmp_path / "missing.json")
    latin = tmp_path / "latin.yaml"
    latin.write_bytes(b"project_name: caf\xe9\n")
    with pytest.raises(ConfigError, match="not UTF-8"):
        read_config(latin)
    (tmp_path / "list.yaml").write_text("- a\n")
    with pytest.raises(ConfigError, match="the document must be a mapping"):
        read_config(tmp_path / "list.yaml")


def test_an_unwritable_record_is_a_storage_error_and_leaves_nothing(tmp_path: Path) -> None:
    # A directory where the file should go: the rename fails, as on a read-only or full disk.
    (tmp_path / "release.json").mkdir()
    with pytest.raises(StorageError, match="cannot write the release description"):
        record(read_description(), tmp_path / "release.json")
    assert [p.name for p in tmp_path.iterdir()] == ["release.json"]


# --- go.mod: GoReleaser's guess of project_name when the sources are at hand -----------------

NO_PROJECT_NAME = "version: 2\nbuilds: [{binary: tool}]\nrelease: {disable: true}\n"


@pytest.mark.parametrize(
    ("text", "module"),
    [
        ("module example.com/acme/tool\n\ngo 1.22\n", "example.com/acme/tool"),
        (
            "// comment\nmodule   github.com/go-task/task/v3 // the module\n",
            "github.com/go-task/task/v3",
        ),
        ('module "example.com/quoted"\n', "example.com/quoted"),
        ("module `example.com/raw`\n", "example.com/raw"),
        ("go 1.22\n", None),
        ("\xff\xfe not text", None),
    ],
)
def test_go_module_reads_go_mods_module_directive(
    tmp_path: Path, text: str, module: str | None
) -> None:
    (tmp_path / "go.mod").write_bytes(text.encode("utf-8", "surrogateescape"))
    assert description.go_module(tmp_path) == module


def test_go_module_without_go_mod_is_none(tmp_path: Path) -> None:
    assert description.go_module(tmp_path) is None
    (tmp_path / "go.mod").mkdir()  # unreadable as a file
    assert description.go_module(tmp_path) is None


def test_the_module_names_the_project_and_is_recorded_for_the_sdist(tmp_path: Path) -> None:
    (tmp_path / "goreleaser.yaml").write_text(NO_PROJECT_NAME)
    with pytest.raises(ConfigError, match="project_name must be set"):
        read_config(tmp_path / "goreleaser.yaml").release()
    (tmp_path / "go.mod").write_text("module example.com/acme/tool/v2\n")
    described = read_config(tmp_path / "goreleaser.yaml")
    assert described.module == "example.com/acme/tool/v2"
    assert described.release().project_name == "v2"  # GoReleaser's moduleName: the last element
    record(described, tmp_path / "release.json")
    (tmp_path / "go.mod").unlink()  # an sdist: the record alone
    from_record = read_record(tmp_path / "release.json")
    assert from_record.module == "example.com/acme/tool/v2"
    assert from_record.release().project_name == "v2"


def test_a_record_without_module_reads_as_none(tmp_path: Path) -> None:
    # Sdists recorded before go.mod was read: format 1 without the member.
    path = tmp_path / "release.json"
    path.write_text(json.dumps({"format": 1, "config": {"project_name": "x"}, "origin": None}))
    assert read_record(path).module is None
    path.write_text(json.dumps({"format": 1, "config": {}, "origin": None, "module": 3}))
    with pytest.raises(ConfigError, match="module"):
        read_record(path)


def test_the_sdist_of_a_go_checkout_records_its_module_for_the_project_name(tmp_path: Path) -> None:
    # The Python package built in the Go project's own checkout (go.mod beside goreleaser.yaml),
    # with no remote and the release disabled: the sdist's build names the project from the
    # recorded module path, as GoReleaser did.
    from support.sdist import build_sdist, copy_checkout

    checkout = copy_checkout(tmp_path / "checkout")
    (checkout / "goreleaser.yaml").write_text(NO_PROJECT_NAME)
    (checkout / "go.mod").write_text("module example.com/acme/othertool\n\ngo 1.22\n")
    sdist = build_sdist(tmp_path / "dist", checkout)
    data = _recorded(sdist)
    assert data["module"] == "example.com/acme/othertool"
    recorded = tmp_path / "release.json"
    recorded.write_text(json.dumps(data))
    assert read_record(recorded).release().project_name == "othertool"
