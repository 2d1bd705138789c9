"""The release workflow (``.github/workflows/release.yml``, issue 20): the platform wheels are made
from the files GoReleaser built (its ``dist/``, passed from job to job as an artifact), and every
``bootstrap`` command the workflow runs is one the package's own command line accepts."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
import yaml
from cerebrium_cli import __version__, bootstrap
from cerebrium_cli.description import load_release
from cerebrium_cli.dist import is_dist, read_dist
from cerebrium_cli.versions import tag_for

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW: dict[str, Any] = yaml.safe_load(
    (ROOT / ".github" / "workflows" / "release.yml").read_text(encoding="utf-8")
)
CONFIG: dict[str, Any] = yaml.safe_load((ROOT / "goreleaser.yaml").read_text(encoding="utf-8"))
RELEASE = load_release()
# How the workflow runs this package's commands: the import name comes from goreleaser.yaml.
COMMAND = ["python", "-m", f"{RELEASE.import_name}.bootstrap"]


def _steps(job: str) -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = WORKFLOW["jobs"][job]["steps"]
    return steps


def _step(job: str, action: str) -> tuple[int, dict[str, Any]]:
    """The one step of ``job`` that uses ``action`` (``owner/name``, any version), and its index."""
    found = [
        (n, step)
        for n, step in enumerate(_steps(job))
        if str(step.get("uses", "")).split("@")[0] == action
    ]
    assert len(found) == 1, f"job {job!r} should use {action} once: {found}"
    return found[0]


def _commands(job: str) -> list[tuple[int, list[str]]]:
    """Each ``bootstrap`` command in ``job``'s ``run`` scripts: its step's index and its
    arguments after the module name, as the shell splits them (continued lines joined)."""
    commands: list[tuple[int, list[str]]] = []
    for n, step in enumerate(_steps(job)):
        script = re.sub(r"\\\n\s*", " ", str(step.get("run", "")))
        for line in script.splitlines():
            words = shlex.split(line, comments=True)
            if words[: len(COMMAND)] == COMMAND:
                commands.append((n, words[len(COMMAND) :]))
    return commands


def _parsed(argv: list[str]) -> Any:
    """``argv`` parsed by the package's own ``bootstrap`` parser; a usage error fails the test."""
    try:
        return bootstrap._parser(RELEASE).parse_args(argv)
    except SystemExit:
        pytest.fail(f"release.yml runs {shlex.join([*COMMAND, *argv])}, which bootstrap refuses")


def _wheels() -> tuple[int, Any]:
    (found,) = [(n, argv) for n, argv in _commands("python") if argv[:1] == ["wheels"]]
    return found[0], _parsed(found[1])


def _upload() -> dict[str, Any]:
    """The ``goreleaser`` job's upload of GoReleaser's output folder, after GoReleaser ran."""
    goreleaser, _ = _step("goreleaser", "goreleaser/goreleaser-action")
    n, upload = _step("goreleaser", "actions/upload-artifact")
    assert n > goreleaser, "dist/ is uploaded before GoReleaser wrote it"
    return dict(upload["with"])


def _download() -> tuple[int, PurePosixPath]:
    """Where the ``python`` job downloads GoReleaser's ``dist/``, and that step's index."""
    names = {
        str(step["with"]["name"]): (n, PurePosixPath(step["with"]["path"]))
        for n, step in enumerate(_steps("python"))
        if str(step.get("uses", "")).startswith("actions/download-artifact@")
    }
    uploaded = str(_upload()["name"])
    assert uploaded in names, f"the python job does not download {uploaded!r}: {names}"
    return names[uploaded]


def test_the_goreleaser_job_uploads_the_dist_goreleaser_writes() -> None:
    upload = _upload()
    assert PurePosixPath(upload["path"]) == PurePosixPath(CONFIG.get("dist", "dist"))
    assert upload.get("include-hidden-files", False) is False


def test_the_python_job_downloads_it_into_a_folder_named_dist_of_its_own() -> None:
    _, where = _download()
    assert "goreleaser" in WORKFLOW["jobs"]["python"]["needs"]
    # artifacts.json gives paths as dist/<file>; dist.py reads them relative to a folder so named.
    assert where.name == "dist"
    _, args = _wheels()
    assert where != PurePosixPath(args.out), "the wheels would be written among GoReleaser's files"


def test_every_bootstrap_command_of_the_workflow_parses() -> None:
    commands = [argv for job in WORKFLOW["jobs"] for _, argv in _commands(job)]
    parsed = {args.command: args for args in map(_parsed, commands)}
    assert set(parsed) == {"verify", "pin", "wheels"}, commands
    assert parsed["verify"].all  # the pins are written only after every archive verified
    assert parsed["pin"].source is None  # ... from the published release, as installs read it


def test_the_wheels_are_made_from_the_downloaded_dist() -> None:
    downloaded, where = _download()
    n, args = _wheels()
    assert n > downloaded
    assert PurePosixPath(args.source) == where
    assert args.config is None  # the configuration GoReleaser used: dist/config.yaml
    assert args.version is None  # the tag GoReleaser released: dist/metadata.json


def test_the_downloaded_dist_is_read_at_the_paths_goreleaser_records(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, args = _wheels()
    tag = tag_for(__version__)
    names = [RELEASE.archive_name(target, tag) for target in RELEASE.targets]
    folder = tmp_path / args.source
    folder.mkdir(parents=True)
    # As GoReleaser records them, relative to the folder it ran in (dist.py's docstring).
    artifacts = [{"name": name, "path": f"dist/{name}", "type": "Archive"} for name in names]
    (folder / "artifacts.json").write_text(json.dumps(artifacts))
    metadata = {"project_name": RELEASE.project_name, "tag": tag, "version": __version__}
    (folder / "metadata.json").write_text(json.dumps(metadata))
    for name in names:
        (folder / name).write_bytes(name.encode())
    monkeypatch.chdir(tmp_path)  # the workflow runs in the checkout
    assert is_dist(args.source)
    dist = read_dist(Path(args.source))
    assert dict(dist.files) == {name: (folder / name).resolve() for name in names}
