"""What a build needs beyond pyproject.toml's requirements: PEP 517's ``get_requires_for_*``.

pyproject.toml names what every build needs (setuptools, wheel, httpx, packaging); the rest
depends on the build, and is decided here for the backend (``_backend.py``) without importing
setuptools or httpx, since pip asks in a process of its own before every build.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from .description import default_config_path, default_record_path, read_config, read_record
from .errors import BootstrapError
from .formats import TAR_COMPRESSIONS
from .platforms import current_target
from .signatures import default_key_path

if TYPE_CHECKING:
    from .release import Release

__all__ = [
    "CRYPTOGRAPHY",
    "PYYAML",
    "SOCKSIO",
    "ZSTANDARD",
    "sdist_requirements",
    "wheel_requirements",
]

PYYAML = "PyYAML>=6"  # reads goreleaser.yaml: a build from a checkout, which has no record of it
CRYPTOGRAPHY = "cryptography>=42"  # checks signatures by the release key, when one is pinned
ZSTANDARD = "zstandard>=0.22"  # reads tar.zst archives
SOCKSIO = "socksio>=1.0"  # httpx's SOCKS support (its socks extra), for a SOCKS proxy


def wheel_requirements(environ: Mapping[str, str] | None = None) -> list[str]:
    """What building the wheel needs beyond pyproject.toml's requirements (PEP 517's
    ``get_requires_for_build_wheel``), as requirement strings.

    - PyYAML when the description is not recorded (a build from a checkout);
    - socksio when the downloads would go through a SOCKS proxy (``ALL_PROXY=socks5://...``);
    - cryptography when the package pins a release key (``cosign.pub``);
    - zstandard when this machine's archive is a ``tar.zst``;
    - sigstore-python when the verify policy requires a proof only it can check: an
      attestation, or a signature when no release key is pinned.

    When the description cannot be parsed yet (a checkout whose build environment lacks PyYAML
    so far), or need not be (neither its text nor the environment can ask for more), the answer
    comes from its text: a superset of what the build will need (:func:`_possible`), and an
    unusable description or setting is reported by the build itself. Otherwise raises
    :class:`ConfigError` when the description or the settings are unusable.
    """
    env = os.environ if environ is None else environ
    key_pinned = default_key_path().is_file()
    needs = [SOCKSIO] if _socks_proxy(env) else []
    if key_pinned:
        needs.append(CRYPTOGRAPHY)
    recorded, config = default_record_path(), default_config_path()
    if recorded.is_file():
        if not _possible(recorded, env, key_pinned):
            # Nothing in the record or the environment can need more (an sdist of a release
            # with no tar.zst archive, built without a *_VERIFY variable): no parse needed.
            return needs
        description = read_record(recorded)
    else:
        needs.append(PYYAML)
        if importlib.util.find_spec("yaml") is None:
            return needs + _possible(config, env, key_pinned)
        description = read_config(config)
    from .settings import Settings

    release = description.release()
    settings = Settings.from_environ(release, env)
    if _zstandard_archive(release):
        needs.append(ZSTANDARD)
    if _needs_sigstore(settings.verify, key_pinned):
        from . import keyless

        needs.extend(keyless.REQUIREMENTS)
    return needs


def sdist_requirements() -> list[str]:
    """What building the sdist needs beyond pyproject.toml's requirements: PyYAML, to read
    goreleaser.yaml into the record, unless the description is recorded already."""
    return [] if default_record_path().is_file() else [PYYAML]


def _zstandard_archive(release: Release) -> bool:
    """Whether the archive this machine installs from is a ``tar.zst`` (GoReleaser's
    ``formats: [tar.zst]``, or a ``format_overrides`` entry for this GOOS): the archive of the
    target the build takes, as it takes it (an armv7l machine may take GOARM 6)."""
    try:
        target = release.check_target(current_target())
        archive_format = release.archive_format(target)
    except BootstrapError:
        # No build for this machine, or no format the wrapper reads: the build stops on this,
        # listing the supported platforms or naming the format.
        return False
    return any(name == archive_format and kind == "zst" for name, kind in TAR_COMPRESSIONS.items())


def _socks_proxy(environ: Mapping[str, str]) -> bool:
    """Whether a proxy the downloads may use is a SOCKS one, as ``urllib.request.getproxies``
    finds them for the downloader (``_http.py``): the ``*_proxy`` variables, in any case, and
    without them, on macOS and Windows, the system's proxy settings."""
    values = [
        value
        for name, value in environ.items()
        if name.lower().endswith("_proxy") and name.lower() != "no_proxy"
    ]
    if not values and environ is os.environ and sys.platform in ("darwin", "win32"):
        import urllib.request

        values = [v for k, v in urllib.request.getproxies().items() if k != "no"]
    schemes = (value.strip().lower().partition("://") for value in values)
    return any(scheme.startswith("socks") and sep for scheme, sep, _ in schemes)


def _needs_sigstore(verify: str, key_pinned: bool) -> bool:
    return verify == "attestation" or (verify == "signature" and not key_pinned)


def _possible(description: Path, environ: Mapping[str, str], key_pinned: bool) -> list[str]:
    """What the build could need, from the description's text and the environment alone: a
    superset of :func:`wheel_requirements`'s answer beyond PyYAML and cryptography, for when
    the description is not parsed (PyYAML is missing so far, or nothing in it can need more).

    zstandard when the text mentions ``zst`` at all (every tar.zst format does), sigstore when
    any ``*_VERIFY`` variable asks for a proof only it checks (every ``<PREFIX>`` ends in ``_``).
    """
    try:
        text = description.read_text(encoding="utf-8", errors="replace")
    except OSError:
        text = ""  # the build stops on this, naming the file
    needs = [ZSTANDARD] if "zst" in text else []
    policies = (v.strip().lower() for k, v in environ.items() if k.endswith("_VERIFY"))
    if any(_needs_sigstore(policy, key_pinned) for policy in policies):
        from . import keyless

        needs.extend(keyless.REQUIREMENTS)
    return needs
