from __future__ import annotations

import re

import pytest
from cerebrium_cli.errors import VersionError
from cerebrium_cli.versions import release_version, tag_for, version_for_tag

PAIRS = [
    ("2.0.0", "v2.0.0"),
    ("2.1.0b1", "v2.1.0-beta.1"),
    ("2.1.0a2", "v2.1.0-alpha.2"),
    ("2.1.0rc1", "v2.1.0-rc.1"),
    ("10.20.30", "v10.20.30"),
]


@pytest.mark.parametrize(("version", "tag"), PAIRS)
def test_version_to_tag(version: str, tag: str) -> None:
    assert tag_for(version) == tag


@pytest.mark.parametrize(("version", "tag"), PAIRS)
def test_tag_to_version(version: str, tag: str) -> None:
    assert version_for_tag(tag) == version


@pytest.mark.parametrize(("version", "tag"), PAIRS)
def test_round_trip(version: str, tag: str) -> None:
    assert tag_for(version_for_tag(tag)) == tag
    assert version_for_tag(tag_for(version)) == version


def test_pep440_spellings_normalise() -> None:
    # PEP 440 accepts several spellings of one version; all map to the one tag.
    assert tag_for("2.1.0-beta1") == "v2.1.0-beta.1"
    assert tag_for("2.1.0.rc1") == "v2.1.0-rc.1"


@pytest.mark.parametrize(
    "version", ["2.0", "2.0.0.post1", "2.0.0.dev3", "1!2.0.0", "2.0.0+local", "nope"]
)
def test_versions_without_a_tag_are_refused(version: str) -> None:
    with pytest.raises(VersionError, match=re.escape(repr(version))):
        tag_for(version)


@pytest.mark.parametrize(
    "tag", ["2.0.0", "v2.0", "v2.0.0-beta", "v2.0.0-preview.1", "v2.0.0-beta.1.2"]
)
def test_tags_without_a_version_are_refused(tag: str) -> None:
    with pytest.raises(VersionError, match=re.escape(repr(tag))):
        version_for_tag(tag)


def test_release_version_is_goreleasers_version_field() -> None:
    assert release_version("v2.1.0-beta.1") == "2.1.0-beta.1"
