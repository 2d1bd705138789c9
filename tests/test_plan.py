"""The asset plan: every name of one install, rendered once, and read by every step after."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml
from cerebrium_cli import _gotemplate
from cerebrium_cli import release as release_module
from cerebrium_cli.description import default_config_path
from cerebrium_cli.errors import ConfigError
from cerebrium_cli.fetch import fetch_binary
from cerebrium_cli.platforms import Target
from cerebrium_cli.release import Release, parse_release
from cerebrium_cli.sources import ReleaseLocation, Sources
from support.release import archive_name, make_archive

TAG = "v2.0.0"
LINUX = Target("linux", "amd64")
BINARY = b"\x7fELF the binary\n" * 64
# Three entries, each a template: each rendered once per install, not once per name.
ENV = ["CHANNEL={{ .Tag }}", "FIXED=yes", "FROM_SHELL={{ .Env.SHELL_VALUE }}-x"]


def _release(*, split: bool = False, env: bool = False, **changes: Any) -> Release:
    """This package's goreleaser.yaml, with split checksums or a top-level env: list."""
    config = yaml.safe_load(default_config_path().read_text())
    if split:
        config["checksum"] = {"split": True}
    if env:
        config["env"] = ENV
    config.update(changes)
    return parse_release(config, "goreleaser.yaml")


def test_the_plan_holds_every_name_of_one_install() -> None:
    plan = _release().plan(TAG, LINUX)
    assert plan.target == LINUX
    assert plan.tag == TAG
    assert plan.archive_name == archive_name("linux", "amd64")  # the real releases' name
    assert plan.archive_format == "tar.gz"
    assert plan.binary_member == "cerebrium"
    assert plan.binary_name == "cerebrium"
    assert plan.checksums_name == "checksums.txt"
    # No signs block: cosign's conventional names; no sboms block: GoReleaser's recipe's.
    assert plan.archive.signatures == (
        ("checksums.txt.sig", ""),
        ("checksums.txt.sigstore.json", ""),
    )
    assert plan.sbom_names == (f"{plan.archive_name}.sbom.json",)
    assert plan.release_url == (
        "https://github.com/CerebriumAI/cerebrium/releases/download/v2.0.0/"
    )
    assert plan.release_location() == plan.release_url


def test_split_checksums_plan_a_checksums_file_and_its_signatures_per_asset() -> None:
    plan = _release(split=True).plan(TAG, LINUX)
    archive = archive_name("linux", "amd64")
    assert plan.archive.checksums == f"{archive}.sha256"
    assert plan.archive.signatures[0] == (f"{archive}.sha256.sig", "")
    (sbom,) = plan.sboms
    assert sbom.checksums == f"{archive}.sbom.json.sha256"


def test_without_a_repository_the_plan_keeps_the_reason() -> None:
    plan = _release(release={"disable": True}).plan(TAG, LINUX)
    assert plan.release_url is None
    with pytest.raises(ConfigError, match="the release location is unknown"):
        plan.release_location()


def test_the_environment_is_passed_in_not_held() -> None:
    release = _release(
        env=True, archives=[{"name_template": "tool_{{ .Env.FROM_SHELL }}_{{ .Env.CHANNEL }}"}]
    )
    plan = release.plan(TAG, LINUX, {"SHELL_VALUE": "a"})
    assert plan.archive_name == "tool_a-x_v2.0.0.tar.gz"
    assert release.plan(TAG, LINUX, {"SHELL_VALUE": "b"}).archive_name == "tool_b-x_v2.0.0.tar.gz"
    with pytest.raises(ConfigError, match="'SHELL_VALUE' is not set"):
        release.plan(TAG, LINUX)  # no environment given: none is remembered from before


class _Renders:
    """Every template the release renders, with the tag of its context: through its one
    renderer (``templates``), and by the setting rendered and what it gave (``names``)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.templates: list[tuple[str, object]] = []
        self.names: list[tuple[str, object, str]] = []
        render, named = _gotemplate.render, Release._render  # release.py renders with it

        def counting_render(template: str, fields: Mapping[str, object]) -> str:
            self.templates.append((template, fields.get("Tag")))
            return render(template, fields)

        def counting_named(
            self_: Release, template: str, fields: Mapping[str, object], where: str, **kw: Any
        ) -> str:
            text = named(self_, template, fields, where, **kw)
            self.names.append((where, fields.get("Tag"), text))
            return text

        monkeypatch.setattr(release_module, "render", counting_render)
        monkeypatch.setattr(Release, "_render", counting_named)


@pytest.mark.parametrize("split", [False, True], ids=["one-checksums-file", "split"])
@pytest.mark.parametrize("env", [False, True], ids=["no-env", "env-list-of-3"])
def test_one_install_renders_each_name_once(
    split: bool, env: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = _release(split=split, env=env)
    out = tmp_path / "release"
    out.mkdir()
    fake = tmp_path / "cerebrium"
    fake.write_bytes(BINARY)
    archive = make_archive(fake, out / archive_name("linux", "amd64"), "linux")
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    if split:
        (out / f"{archive.name}.sha256").write_text(digest)
    else:
        (out / "checksums.txt").write_text(f"{digest}  {archive.name}\n")
    sources = Sources(location=ReleaseLocation.directory(out))
    renders = _Renders(monkeypatch)
    environ = {"SHELL_VALUE": "s"}
    binary = fetch_binary(release, LINUX, TAG, tmp_path / "bin", sources=sources, environ=environ)
    assert binary.read_bytes() == BINARY
    # The install's own names; binding.py also renders the ldflags of the tags it probes
    # (other releases: other contexts), and the build's own ldflags, which name nothing.
    ldflags = set(release.binaries[0][1].ldflags)
    own = [(t, tag) for t, tag in renders.templates if tag == TAG and t not in ldflags]
    names = [(where, text) for where, tag, text in renders.names if tag == TAG]
    assert [pair for pair, count in Counter(names).items() if count > 1] == []
    assert len(own) == len(names) == len(set(names))  # each distinct name rendered once
    settings = {setting for setting, _ in names}
    expected = {
        "builds[0].binary",
        "archives[0].name_template",
        "checksum.name_template",
        "github_urls.download",
        "release.github.owner",
        "release.github.name",
    }
    assert settings == expected | ({f"env[{n}]" for n in range(len(ENV))} if env else set())
    # With split checksums the one template names two files: the archive's and its SBOM's.
    assert sum(s == "checksum.name_template" for s, _ in names) == (2 if split else 1)


def test_a_release_is_configuration_and_its_repository_needs_no_environment() -> None:
    import dataclasses

    release = _release(env=True)  # env[2] reads the shell's SHELL_VALUE
    assert "environ" not in {f.name for f in dataclasses.fields(release)}
    # What the configuration alone names stays known: the entry it cannot render is left out.
    assert release.github_repository == "CerebriumAI/cerebrium"
    assert release.command_name == "cerebrium"
