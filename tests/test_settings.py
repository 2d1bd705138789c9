"""Path settings are the user's: relative ones resolve against the directory they ran from.

pip runs the build backend in a temporary directory of its own; a relative
``CEREBRIUM_ARCHIVE=dl/<archive>`` must still mean ``<where the user ran pip>/dl/<archive>``
(found through ``PWD``), or be refused saying an absolute path is needed, never be looked up in
pip's directory. test_offline_e2e.py runs the same through a real ``pip install``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from cerebrium_cli.description import load_release
from cerebrium_cli.errors import ConfigError
from cerebrium_cli.settings import Settings, invocation_directory

# Every setting that names a file or directory, and how to read it back from the settings.
PATH_SETTINGS = {
    "CEREBRIUM_ARCHIVE": lambda s: s.archive,
    "CEREBRIUM_CACHE_DIR": lambda s: s.cache_dir,
    "CEREBRIUM_SIGSTORE_TRUSTED_ROOT": lambda s: s.trusted_root,
    "CEREBRIUM_RELEASE_URL": lambda s: s.release_url,
    "GITHUB_API_URL": lambda s: s.github_api,
}


def _read(name: str, env: dict[str, str], *, build: bool) -> str:
    settings = Settings.from_environ(load_release(), env, build=build)
    return str(PATH_SETTINGS[name](settings))


@pytest.mark.parametrize("name", PATH_SETTINGS)
def test_in_a_build_a_relative_path_is_the_users_directory_from_pwd(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    user, pips = tmp_path / "work", tmp_path / "pip-build-xyz"
    user.mkdir()
    pips.mkdir()
    monkeypatch.chdir(pips)  # where pip runs the backend
    assert _read(name, {name: "dl/x", "PWD": str(user)}, build=True) == str(user / "dl" / "x")


@pytest.mark.parametrize("name", PATH_SETTINGS)
def test_outside_a_build_a_relative_path_is_the_working_directorys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    # The bootstrap command runs where the user ran it; a stale PWD does not move it.
    monkeypatch.chdir(tmp_path)
    env = {name: "dl/x", "PWD": str(tmp_path / "elsewhere")}
    assert _read(name, env, build=False) == str(tmp_path / "dl" / "x")


@pytest.mark.parametrize("name", PATH_SETTINGS)
@pytest.mark.parametrize(
    ("pwd", "why"),
    [
        (None, "PWD, which names the directory the command was run from, is not set"),
        ("work", "PWD='work' is not an absolute path free of '.' and '..', as shells set it"),
        ("/tmp/../tmp", "PWD='/tmp/../tmp' is not an absolute path free of '.' and '..'"),
        ("/tmp/./x", "PWD='/tmp/./x' is not an absolute path free of '.' and '..'"),
        ("/no/such/directory", "PWD='/no/such/directory' is not a directory"),
    ],
)
def test_in_a_build_without_a_trustworthy_pwd_a_relative_path_is_refused(
    name: str, pwd: str | None, why: str
) -> None:
    env = {name: "dl/x", **({"PWD": pwd} if pwd is not None else {})}
    with pytest.raises(ConfigError) as info:
        _read(name, env, build=True)
    message = str(info.value)
    assert message.startswith(f"{name}='dl/x' is a relative path, and the directory it is ")
    assert why in message
    assert "pip builds in a directory of its own" in message
    assert f'An absolute path is needed: set {name}="$PWD/dl/x", or the full path.' in message


@pytest.mark.parametrize("name", PATH_SETTINGS)
def test_absolute_paths_need_no_pwd(tmp_path: Path, name: str) -> None:
    assert _read(name, {name: str(tmp_path / "x")}, build=True) == str(tmp_path / "x")


@pytest.mark.parametrize("name", PATH_SETTINGS)
def test_a_home_relative_path_is_expanded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert _read(name, {name: "~/dl"}, build=True) == str(tmp_path / "dl")


@pytest.mark.parametrize("name", ["CEREBRIUM_RELEASE_URL", "GITHUB_API_URL"])
@pytest.mark.parametrize("url", ["https://example.com/x", "file:///srv/release"])
def test_urls_are_left_as_they_are(name: str, url: str) -> None:
    assert _read(name, {name: url}, build=True) == url


def test_unset_and_empty_path_settings_keep_their_defaults() -> None:
    for env in ({}, dict.fromkeys(PATH_SETTINGS, "")):
        settings = Settings.from_environ(load_release(), env, build=True)
        assert (settings.archive, settings.cache_dir, settings.trusted_root) == (None,) * 3
        assert settings.release_url is None
        assert settings.github_api == "https://api.github.com"


def test_the_shells_pwd_is_trusted_as_it_is_written(tmp_path: Path) -> None:
    link = tmp_path / "link"
    link.symlink_to(tmp_path, target_is_directory=True)
    # A shell's logical path (cd through a symlink) is kept as written: it is where the user was.
    assert invocation_directory({"PWD": str(link)}).directory == link
    assert invocation_directory({"PWD": os.fspath(tmp_path)}).unknown == ""
