"""Developer sessions: ``nox -s demo`` runs the main job end to end, ``nox -s tests`` the tests.

Everything a session needs is installed here: Python packages from PyPI, Go from Debian if it
is missing, and the release tools the tests use as oracles (GoReleaser, cosign, syft) from the
Go module proxy, so both work on a fresh machine. The tests themselves make no connection off
the machine: the wheels a fresh venv needs to build the sdist are downloaded first into a local
wheelhouse. The demo installs only what it uses, and builds none of the release tools (about 20
minutes on a fresh machine): a first ``nox -s demo`` ends within minutes.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import nox

nox.options.sessions = ["tests"]
nox.options.default_venv_backend = "venv"

ROOT = Path(__file__).resolve().parent
WHEELHOUSE = ROOT / ".nox" / "wheelhouse"
# What tests/demo.py imports and runs, of tests/requirements.txt: the HTTPS server's CA
# (trustme, cryptography), the sdist's build without isolation (build and pyproject.toml's
# build requirements; PyYAML reads goreleaser.yaml into it).
DEMO_REQUIREMENTS = (
    "trustme>=1.1",
    "cryptography>=42",
    "PyYAML>=6",
    "build>=1.2",
    "setuptools>=70.1",
    "wheel",
    "httpx>=0.27",
    "packaging>=23",
)


def _ensure_go(session: nox.Session) -> None:
    if shutil.which("go"):
        return
    if shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0:
        session.run("apt-get", "update", "-qq", external=True)
        session.run("apt-get", "install", "-y", "-qq", "golang-go", external=True)
        return
    session.error(
        "Go is needed to build the test CLI: install it (Debian/Ubuntu: apt-get install golang-go)"
    )


def _ensure_wine(session: nox.Session) -> None:
    """Wine, for the Windows tests (tests/test_windows_e2e.py), where apt can install it."""
    if shutil.which("wine") or not shutil.which("apt-get"):
        return
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        session.run("apt-get", "update", "-qq", external=True)
        session.run(
            "apt-get", "install", "-y", "-qq", "wine64",  # recommends wine: /usr/bin/wine
            external=True, env={"DEBIAN_FRONTEND": "noninteractive"},
        )  # fmt: skip


def _download_wheels(session: nox.Session, *requirements: str) -> dict[str, str]:
    """``pip download`` wheels of ``requirements`` (pip's arguments) into the local wheelhouse;
    return the environment that points the tests and the demo at it."""
    WHEELHOUSE.mkdir(parents=True, exist_ok=True)
    session.run(
        "python",
        "-m",
        "pip",
        "download",
        "--quiet",
        "--only-binary=:all:",
        "--dest",
        str(WHEELHOUSE),
        *requirements,
    )
    return {"CEREBRIUM_TEST_WHEELHOUSE": str(WHEELHOUSE)}


def _build_requirements() -> list[str]:
    """pyproject.toml's ``[build-system] requires``: what installing the sdist needs (its build
    backend adds nothing for the demo's release), or, where Python has no tomllib (before
    3.11), everything tests/wheelhouse.txt lists."""
    if sys.version_info < (3, 11):
        return ["-r", "tests/wheelhouse.txt"]
    import tomllib

    with (ROOT / "pyproject.toml").open("rb") as handle:
        return list(tomllib.load(handle)["build-system"]["requires"])


def _prepare(session: nox.Session) -> dict[str, str]:
    """The tests' (and the benchmarks') environment: every test dependency, the wheelhouse, and
    the real release tools."""
    _ensure_go(session)
    _ensure_wine(session)
    session.install("-r", "tests/requirements.txt")
    env = _download_wheels(session, "-r", "tests/wheelhouse.txt")
    # The artifact signed by the real Sigstore bundle in ../shared/testdata/sigstore-public
    # (tests/test_public_sigstore.py pins its digest).
    _download_wheels(session, "--no-deps", "rfc8785==0.1.2")
    # The real release tools the tests use as oracles (GoReleaser, cosign, syft): built once per
    # version into the user cache; Go's module and build caches make it quick afterwards.
    session.run("python", "tests/support/gotools.py", "goreleaser", "cosign", "syft")
    # Windows CPython and pip in a Wine prefix, made once into the user cache
    # (tests/support/wine.py). Without Wine the Windows tests skip, except in CI (CI set, as
    # .ci/run sets it), where they fail.
    if shutil.which("wine"):
        session.run("python", "tests/support/wine.py", str(WHEELHOUSE))
    return env


@nox.session
def tests(session: nox.Session) -> None:
    """The test suite: unit tests, then end to end through pip against a local HTTPS release."""
    env = _prepare(session)
    session.run("python", "-m", "pytest", *(session.posargs or ["-q"]), env=env)


@nox.session
def demo(session: nox.Session) -> None:
    """Build a GoReleaser-shaped release of the test CLI, serve it over HTTPS on 127.0.0.1,
    pip install this package against it into a fresh venv, and run ``cerebrium version``.

    It uses real GoReleaser when ``nox -s tests`` has built it, and otherwise lays the release
    out with the tests' builder, which the oracle tests prove equal to GoReleaser's layout."""
    _ensure_go(session)
    session.install(*DEMO_REQUIREMENTS)
    env = _download_wheels(session, *_build_requirements())
    session.run("python", "tests/demo.py", *session.posargs, env=env)


@nox.session
def bench(session: nox.Session) -> None:
    """Speed and memory against curl + sha256sum + tar, and the shim's overhead (benchmarks/)."""
    env = _prepare(session)
    session.run("python", "benchmarks/bench.py", *session.posargs, env=env)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff and mypy --strict (also run by the test suite)."""
    session.install("-r", "tests/requirements.txt")
    session.run("ruff", "check", ".")
    session.run("mypy")
