"""End to end: `pip install` of the sdist into fresh venvs against a real HTTPS release server.

Each test installs for real (build isolation, the build hook, the wheel, the console script)
with pip's index switched off, so only the loopback server and the local wheelhouse are used.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import pytest
from conftest import VERSION
from support.installs import Installed, Installer, assert_not_installed, copy_release

if TYPE_CHECKING:
    from collections.abc import Callable

    from support.release import Release
    from support.server import RecordedRequest, ReleaseServer
    from support.venvs import Venv

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(sys.platform == "win32", reason="POSIX exec semantics"),
]

SECRET = "ghp_e2e_secret_token_value"


@dataclass(frozen=True)
class GoodInstall:
    """The install the read-only tests share: its venv, pip's result, the requests it made."""

    venv: Venv
    result: subprocess.CompletedProcess[str]
    requests: list[RecordedRequest]


class InstallFrom(Protocol):
    """The ``install_from`` fixture: ``install_from(path, **env)`` from ``<server>/<path>/``."""

    def __call__(self, path: str, **env: str) -> Installed: ...


@pytest.fixture(scope="module")
def installed(
    tmp_path_factory: pytest.TempPathFactory,
    installers: Installer,
    release: Release,
    server: ReleaseServer,
) -> GoodInstall:
    """One good install, shared by the tests that only run what it installed."""
    installer = installers.at(tmp_path_factory.mktemp("installed"))
    before = len(server.requests)
    env = installer.env("good", GITHUB_TOKEN=SECRET)
    venv, result = installer.install(env, extra="[bootstrap]")
    assert result.returncode == 0, result.stdout + result.stderr
    return GoodInstall(venv, result, server.requests[before:])


def test_install_then_cerebrium_version_prints_the_release_version(installed: GoodInstall) -> None:
    venv = installed.venv
    run = subprocess.run([venv.script("cerebrium"), "version"], capture_output=True, text=True)
    assert run.returncode == 0
    assert run.stdout.strip() == f"cerebrium version {VERSION}"


def test_python_dash_m_runs_the_cli_too(installed: GoodInstall) -> None:
    venv = installed.venv
    run = subprocess.run(
        [venv.python, "-m", "cerebrium_cli", "version"], capture_output=True, text=True
    )
    assert run.stdout.strip() == f"cerebrium version {VERSION}"


def test_install_fetched_checksums_then_archive_and_verified(
    installed: GoodInstall, release: Release
) -> None:
    result, requests = installed.result, installed.requests
    paths = [r.path for r in requests]
    assert paths == ["/good/checksums.txt", "/good/cerebrium_cli_linux_amd64.tar.gz"]
    assert "sha256 verified" in result.stdout + result.stderr  # shown with pip -v


def test_github_token_is_neither_sent_to_other_hosts_nor_printed(installed: GoodInstall) -> None:
    result, requests = installed.result, installed.requests
    assert all("authorization" not in {k.lower() for k in r.headers} for r in requests)
    assert SECRET not in result.stdout + result.stderr


def test_wheel_is_tagged_for_this_platform(installed: GoodInstall) -> None:
    venv = installed.venv
    (wheel_file,) = Path(venv.python).parent.parent.glob(
        "lib/python*/site-packages/cerebrium-*.dist-info/WHEEL"
    )
    text = wheel_file.read_text()
    tags = [line.split(": ", 1)[1] for line in text.splitlines() if line.startswith("Tag: ")]
    assert tags, text
    assert all(tag.startswith("py3-none-") and not tag.endswith("-any") for tag in tags)
    assert "Root-Is-Purelib: false" in text


def test_arguments_pass_through_unchanged(installed: GoodInstall) -> None:
    venv = installed.venv
    args = ["a b", "", 'q"uote', "it's", "--flag=1", "ünï", "*", "$HOME"]
    run = subprocess.run([venv.script("cerebrium"), "args", *args], capture_output=True, text=True)
    assert json.loads(run.stdout) == args


@pytest.mark.parametrize("code", [0, 1, 7, 255])
def test_exit_codes_pass_through(installed: GoodInstall, code: int) -> None:
    venv = installed.venv
    assert subprocess.run([venv.script("cerebrium"), "exit", str(code)]).returncode == code


def test_the_binary_replaces_the_shim_process(installed: GoodInstall) -> None:
    # Same PID as the process we started, and our process as its parent: no Python in between.
    venv = installed.venv
    proc = subprocess.Popen([venv.script("cerebrium"), "pid"], stdout=subprocess.PIPE, text=True)
    out, _ = proc.communicate(timeout=30)
    info = json.loads(out)
    assert info["pid"] == proc.pid
    assert info["ppid"] == os.getpid()
    assert info["argv0"] == "cerebrium"


def test_signals_reach_the_binary_directly(installed: GoodInstall) -> None:
    import signal

    venv = installed.venv
    proc = subprocess.Popen([venv.script("cerebrium"), "sleep", "30"])
    try:
        exe = Path(f"/proc/{proc.pid}/exe")
        binary = "/cerebrium_cli/bin/cerebrium"
        for _ in range(200):  # until the shim has exec'd: the process is then the Go binary
            if exe.exists() and os.readlink(exe).endswith(binary):
                break
            subprocess.run(["sleep", "0.05"])
        assert os.readlink(exe).endswith(binary)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == -signal.SIGTERM
    finally:
        proc.kill()


def test_bootstrap_names_lists_what_the_release_published(
    installed: GoodInstall, release: Release
) -> None:
    venv = installed.venv
    run = subprocess.run(
        [venv.python, "-m", "cerebrium_cli.bootstrap", "names"],
        capture_output=True,
        text=True,
        check=True,
    )
    lines = run.stdout.splitlines()
    listed = {line.split(" ", 1)[1] for line in lines}
    # The release also publishes deb and rpm packages, which the wrapper never fetches.
    published = {p.name for p in [*release.archives.values(), release.checksums]}
    assert listed == published  # six archives and checksums.txt, no more, no less
    assert {p.name for p in release.dir.iterdir()} == published | {p.name for p in release.packages}
    assert lines[-1] == "checksums checksums.txt"
    assert "linux/amd64 cerebrium_cli_linux_amd64.tar.gz" in lines


@pytest.fixture
def install_from(
    installer: Installer,
    release: Release,  # publishes <server>/good/, whichever test runs first
) -> InstallFrom:
    """``install_from(path, **env)``: pip install the sdist against ``<server>/<path>/``."""

    def run(path: str, **env: str) -> Installed:
        return installer.install(installer.env(path, **env))

    return run


@pytest.fixture
def copy_good(release: Release, server_root: Path) -> Callable[[str], Path]:
    """``copy_good(name)``: a copy of the good release at ``<server>/<name>/``, to break."""
    return lambda name: copy_release(release, server_root / name)


def test_tampered_archive_is_refused_and_nothing_installed(
    install_from: InstallFrom, copy_good: Callable[[str], Path]
) -> None:
    archive = copy_good("tampered") / "cerebrium_cli_linux_amd64.tar.gz"
    data = bytearray(archive.read_bytes())
    data[len(data) // 2] ^= 0xFF
    archive.write_bytes(bytes(data))
    venv, result = install_from("tampered")
    assert_not_installed(venv, result)
    out = result.stdout + result.stderr
    assert "cerebrium_cli_linux_amd64.tar.gz does not match the checksum" in out
    assert "Expected: " in out
    assert "Got: " in out
    assert "corrupt or tampered" in out
    assert "Nothing was installed." in out  # said by the install, not by the library


def test_missing_checksum_entry_is_refused(
    install_from: InstallFrom, copy_good: Callable[[str], Path]
) -> None:
    checksums = copy_good("unlisted") / "checksums.txt"
    kept = [line for line in checksums.read_text().splitlines() if "linux_amd64" not in line]
    checksums.write_text("\n".join(kept) + "\n")
    venv, result = install_from("unlisted")
    assert_not_installed(venv, result)
    assert "has no entry for 'cerebrium_cli_linux_amd64.tar.gz'" in result.stdout + result.stderr


def test_missing_checksums_file_is_refused(
    install_from: InstallFrom, copy_good: Callable[[str], Path]
) -> None:
    (copy_good("nosums") / "checksums.txt").unlink()
    venv, result = install_from("nosums")
    assert_not_installed(venv, result)
    assert "checksums.txt was not found (404)" in result.stdout + result.stderr


def test_redirect_to_plain_http_is_refused(
    install_from: InstallFrom, server: ReleaseServer, server_root: Path
) -> None:
    from support.server import ReleaseServer

    with ReleaseServer(server_root, None) as plain:
        server.redirect("/redirected/checksums.txt", f"{plain.url}/good/checksums.txt")
        venv, result = install_from("redirected")
        assert plain.requests == []  # refused before anything was sent in the clear
    assert_not_installed(venv, result)
    assert "which is not HTTPS; refusing" in result.stdout + result.stderr


def test_untrusted_certificate_is_refused_with_advice(install_from: InstallFrom) -> None:
    # Without SSL_CERT_FILE the test CA is not trusted: the install must fail closed.
    venv, result = install_from("good", SSL_CERT_FILE="")
    assert_not_installed(venv, result)
    assert "SSL_CERT_FILE" in result.stdout + result.stderr


@pytest.mark.parametrize("bypass", [False, True], ids=["through-proxy", "no-proxy"])
def test_https_proxy_and_no_proxy_are_honoured(
    install_from: InstallFrom, server: ReleaseServer, bypass: bool
) -> None:
    from support.proxy import ConnectProxy

    with ConnectProxy() as proxy:
        venv, result = install_from(
            "good", HTTPS_PROXY=proxy.url, NO_PROXY="127.0.0.1" if bypass else ""
        )
    assert result.returncode == 0, result.stdout + result.stderr
    port = server.url.rsplit(":", 1)[1]
    assert proxy.connects == ([] if bypass else [f"127.0.0.1:{port}"] * len(proxy.connects))
    assert bypass or proxy.connects  # through the proxy, at least one tunnel was opened
    assert venv.run("cerebrium", "version").stdout.strip() == f"cerebrium version {VERSION}"


def test_release_url_may_be_a_local_directory(installer: Installer, release: Release) -> None:
    venv, result = installer.install({"CEREBRIUM_RELEASE_URL": str(release.dir)})
    assert result.returncode == 0, result.stdout + result.stderr
    assert venv.run("cerebrium", "version").stdout.strip() == f"cerebrium version {VERSION}"


def test_a_wheel_built_from_the_sdist_stores_the_binary_uncompressed(
    tmp_path: Path,
    installer: Installer,
    release: Release,  # publishes <server>/good/
) -> None:
    import zipfile

    from support.venvs import Venv

    venv = Venv.create(tmp_path / "venv")
    out = tmp_path / "wheels"
    result = venv.pip(
        "wheel",
        "--no-index",
        "--find-links",
        str(installer.wheelhouse),
        "--no-deps",
        "-w",
        str(out),
        str(installer.sdist),
        env=installer.env("good"),
    )
    assert result.returncode == 0, result.stderr
    (wheel,) = out.glob("cerebrium-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        assert zf.getinfo("cerebrium_cli/bin/cerebrium").compress_type == zipfile.ZIP_STORED


def _imported(importtime: str) -> set[str]:
    """The module names in ``-X importtime`` output (stderr), one per ``import time:`` line."""
    return {
        line.rsplit("|", 1)[1].strip()
        for line in importtime.splitlines()
        if line.startswith("import time:") and not line.rstrip().endswith("imported package")
    }


def test_the_shim_imports_nothing_beyond_its_own_package(
    tmp_path: Path, installer: Installer, release: Release
) -> None:
    # With a pip whose console-script launcher does not import `re` (pip >= 25.0), the command
    # costs the interpreter's start plus two tiny modules, then execs the binary.
    from support.venvs import Venv

    venv = Venv.create(tmp_path / "venv")
    upgraded = venv.pip(
        "install", "--upgrade", "--no-index", "--find-links", str(installer.wheelhouse), "pip"
    )
    assert upgraded.returncode == 0, upgraded.stdout + upgraded.stderr
    env = installer.env("good")
    result = venv.install(str(installer.sdist), wheelhouse=installer.wheelhouse, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    profile = {"PYTHONPROFILEIMPORTTIME": "1"}  # the script has its own shebang: no -X there
    bare = venv.run(venv.python, "-c", "pass", env=profile)
    shim = venv.run(venv.script("cerebrium"), "version", env=profile)
    assert shim.returncode == 0, shim.stderr
    assert shim.stdout.strip() == f"cerebrium version {VERSION}"
    loaded = _imported(shim.stderr)
    assert "site" in loaded  # the profile did reach the script's interpreter
    assert loaded - _imported(bare.stderr) == {"cerebrium_cli", "cerebrium_cli.__main__"}
    assert not loaded & {"re", "__future__", "httpx", "yaml", "argparse", "subprocess"}
