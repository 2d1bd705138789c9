"""Reading and recording the release description: ``goreleaser.yaml`` and the checkout's origin.

The description is GoReleaser's configuration document plus one fact GoReleaser itself takes
from the checkout it runs in: the URL of the git remote ``origin``, the repository a config
without a ``release`` block publishes to (GoReleaser's ``internal/git`` ``ExtractRepoFromConfig``).
A git checkout holds ``goreleaser.yaml``, read with PyYAML, and a ``.git`` to ask for the origin.
An sdist has no ``.git``, so building the sdist records both, already parsed, in ``release.json``
beside the package's source (as setuptools records PKG-INFO); the build copies it into the
installed package. An sdist's build and the installed commands read it with the standard
library alone, so PyYAML is needed only in a checkout and by ``names --config FILE``.

``release.json``::

    {"format": 1, "config": <goreleaser.yaml as parsed>, "origin": <URL> or null,
     "module": <go.mod's module path> or null}

``module`` is the module path of the ``go.mod`` beside ``goreleaser.yaml`` (the Go project's
sources, at hand when the package is built from its checkout): GoReleaser's guess of
``project_name`` after the git remote (``internal/pipe/project``). A record without it (older
sdists) reads as null.

This module does the I/O; :func:`release.parse_release` turns the description into a
:class:`release.Release`, and is imported only when it is needed: what only asks where the
description is, or reads it (the build backend's ``get_requires`` hooks), stays light.
"""

from __future__ import annotations

import datetime
import json
import math
import os
import re
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._atomic import atomic_write
from ._redact import redact
from .errors import ConfigError, StorageError
from .untrusted import load_object

if TYPE_CHECKING:
    from .release import Release

__all__ = [
    "CONFIG_NAME",
    "FORMAT",
    "RECORD_NAME",
    "Description",
    "default_config_path",
    "default_record_path",
    "git_origin",
    "go_module",
    "load_release",
    "read_config",
    "read_description",
    "read_record",
    "record",
]

CONFIG_NAME = "goreleaser.yaml"  # GoReleaser's own name for it, in the checkout's root
RECORD_NAME = "release.json"
MAX_RECORD_SIZE = 4 << 20  # a goreleaser.yaml is a few KiB; a record past this is not one
FORMAT = 1  # the version of release.json's layout; another number is refused, not guessed at

_HERE = Path(__file__).resolve().parent  # the package: wrapper/ in a checkout or an sdist
_GIT_TIMEOUT = 10.0  # seconds; a hung git (a network filesystem, a credential helper) gives None


@dataclass(frozen=True)
class Description:
    """A release description as read: GoReleaser's document and the checkout's ``origin``."""

    config: Mapping[str, Any]  # goreleaser.yaml as parsed: JSON's types only
    origin: str | None  # the URL of the git remote ``origin``, credentials removed, or None
    source: str  # where it came from, for messages
    module: str | None = None  # go.mod's module path beside the configuration, or None

    def release(self) -> Release:
        """The :class:`Release` it describes (pure configuration: no environment).

        Raises :class:`ConfigError` if it is unusable. An explicit release block wins over the
        origin: :func:`release.parse_release` decides, as GoReleaser does.
        """
        from .release import parse_release

        return parse_release(self.config, self.source, origin=self.origin, module=self.module)


def default_config_path() -> Path:
    """The ``goreleaser.yaml`` of the checkout or unpacked sdist the package is built from."""
    return _HERE.parent / CONFIG_NAME


def default_record_path() -> Path:
    """Where the recorded description is, when there is one: in the package's own folder.

    Present in an sdist (``wrapper/release.json``, written when the sdist was built) and in an
    installed package; absent from a git checkout, which has ``goreleaser.yaml`` instead.
    """
    return _HERE / RECORD_NAME


def load_release(path: str | os.PathLike[str] | None = None) -> Release:
    """The :class:`Release` of a GoReleaser configuration file, or of this package.

    ``path`` names a ``goreleaser.yaml`` (read with PyYAML, plus its checkout's origin). Without
    it, this package's own description: the recorded ``release.json`` when present, else the
    checkout's ``goreleaser.yaml``. Raises :class:`ConfigError` for a file that cannot be read or
    used, and ``ModuleNotFoundError`` when a YAML file must be read without PyYAML installed.
    """
    return read_description(path).release()


def read_description(path: str | os.PathLike[str] | None = None) -> Description:
    """The description of :func:`load_release`, before it is parsed: the record when the
    package has one, else the checkout's ``goreleaser.yaml``. Raises :class:`ConfigError`
    when it cannot be read, and ModuleNotFoundError for YAML without PyYAML."""
    if path is not None:
        return read_config(Path(path))
    recorded = default_record_path()
    if recorded.is_file():
        return read_record(recorded)
    return read_config(default_config_path())


def read_config(path: Path) -> Description:
    """A ``goreleaser.yaml`` and the origin of the git checkout holding it (PyYAML needed)."""
    import yaml  # a checkout and `names --config` need it; an sdist and an install never come here

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read the release description {path}: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path} is not valid YAML: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path} is not UTF-8 text: {exc.reason} at byte {exc.start}") from exc
    if not isinstance(data, Mapping):
        raise ConfigError(f"{path}: the document must be a mapping, not {type(data).__name__}")
    config = _plain(data, str(path), "")
    return Description(config, git_origin(path.parent), str(path), go_module(path.parent))


def read_record(path: Path) -> Description:
    """A ``release.json`` written by :func:`record` (the standard library only)."""
    again = "rebuild the sdist from a checkout of the project"
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read the release description {path}: {exc.strerror}") from exc
    what = f"a release description of format {FORMAT}"
    data = load_object(raw, str(path), what, ConfigError, limit=MAX_RECORD_SIZE, advice=again)
    found = data.get("format")
    if isinstance(found, bool) or found != FORMAT:
        data.refuse(f"its format is {found!r}")
    config = data.member("config", dict)
    origin = data.member("origin", str, optional=True)
    module = data.member("module", str, optional=True)
    return Description(config, origin, f"{CONFIG_NAME} (recorded in {path})", module)


def record(description: Description, path: Path) -> None:
    """Write ``description`` as ``release.json`` at ``path``, atomically.

    Raises :class:`StorageError` if it cannot be written; nothing is left behind then.
    """
    text = json.dumps(
        {
            "format": FORMAT,
            "config": description.config,
            "origin": description.origin,
            "module": description.module,
        },
        indent=2,
        ensure_ascii=False,
        allow_nan=False,
    )
    # Created with the umask's mode, as every other file of the package: it is installed too.
    try:
        atomic_write(path, (text + "\n").encode("utf-8"))
    except OSError as exc:
        raise StorageError(f"cannot write the release description {path}: {exc}") from exc


def git_origin(directory: Path) -> str | None:
    """The URL of the git remote ``origin`` of the checkout holding ``directory``, or None.

    None outside a checkout, without git, without an ``origin``, or if git fails or hangs.
    User names and passwords are removed from the URL (CI checkouts often carry a token in
    it), since the URL is recorded in a published sdist.
    """
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0"}  # never ask for a password
    try:
        run = subprocess.run(
            ["git", "-C", str(directory), "remote", "get-url", "origin"],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=_GIT_TIMEOUT,
            env=env,
        )
    except (OSError, subprocess.SubprocessError, UnicodeDecodeError):
        return None
    url = run.stdout.strip()
    if run.returncode != 0 or not url or "\n" in url:
        return None
    return redact(url)


# go.mod's module directive (golang.org/ref/mod#go-mod-file-module): a path, maybe quoted.
_MODULE = re.compile(r"""^\s*module\s+(?:"([^"\n]+)"|`([^`\n]+)`|([^\s/"`][^\s"`]*))""", re.M)
MAX_GO_MOD_SIZE = 1 << 20  # a go.mod is a few KiB


def go_module(directory: Path) -> str | None:
    """The module path of ``directory/go.mod``, or None when there is none or it names none.

    What ``go list -m`` prints in that directory, without running Go: only the path's last
    element is used (GoReleaser's ``moduleName``).
    """
    try:
        with (directory / "go.mod").open("rb") as file:
            raw = file.read(MAX_GO_MOD_SIZE)
    except OSError:
        return None
    match = _MODULE.search(raw.decode("utf-8", "replace"))
    if match is None:
        return None
    return next(group for group in match.groups() if group)


def _plain(value: object, source: str, where: str) -> Any:
    """``value`` in JSON's types, so the recorded document reads back equal to the YAML.

    YAML's timestamps become their ISO text and mapping keys their JSON spelling (``true``,
    ``1``): GoReleaser's Go structs read both as text. What JSON cannot hold (binary, sets) is
    refused, naming where it is.
    """
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ConfigError(f"{source}: {where} is {value!r}, which cannot be recorded")
        return value
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {
            _key(key, source, where): _plain(item, source, f"{where}.{key}" if where else str(key))
            for key, item in value.items()
        }
    if isinstance(value, Sequence) and not isinstance(value, (bytes, bytearray)):
        return [_plain(item, source, f"{where}[{n}]") for n, item in enumerate(value)]
    raise ConfigError(
        f"{source}: {where} is a {type(value).__name__}, which a GoReleaser configuration "
        "never holds and the sdist cannot record"
    )


def _key(key: object, source: str, where: str) -> str:
    if isinstance(key, str):
        return key
    if key is None or isinstance(key, (bool, int, float)):
        return json.dumps(key)
    raise ConfigError(f"{source}: {where or 'the document'} has a key {key!r}, which is not text")
