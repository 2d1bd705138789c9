"""The main job, end to end, as a person would see it (``nox -s demo``).

Releases the Go test CLI for tag v<version>, serves the release over HTTPS on 127.0.0.1 with a
throwaway CA, builds this package's sdist, ``pip install``s it into a fresh venv against that
server, and runs ``cerebrium version``.

The release is made by real GoReleaser (snapshot mode, the project's goreleaser.yaml: six
targets, archives, Linux packages, checksums.txt) when this machine has it already
(``support/gotools.py``). Building GoReleaser takes about 20 minutes on a fresh machine, so
otherwise the demo builds the test CLI for this machine's target alone and lays the release out
with the tests' own builder (``support/release.py``), which
``test_goreleaser_oracle.py::test_the_tests_release_builder_lays_out_what_goreleaser_does``
proves names and packs every asset as GoReleaser does for goreleaser.yaml; it says which it did.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from support.gocli import TARGETS, build_binaries  # noqa: E402
from support.gotools import tool_path  # noqa: E402
from support.installs import settings  # noqa: E402
from support.release import make_release  # noqa: E402
from support.sdist import build_sdist  # noqa: E402
from support.server import ReleaseServer, ca_bundle  # noqa: E402
from support.venvs import Venv  # noqa: E402


def step(message: str) -> None:
    print(f"\n==> {message}", flush=True)


def main() -> int:
    import trustme

    version = _package_version()
    wheelhouse = os.environ.get("CEREBRIUM_TEST_WHEELHOUSE")
    with tempfile.TemporaryDirectory(prefix="cerebrium-demo-") as tmp_name:
        tmp = Path(tmp_name)
        published = _release(version, tmp, tmp / "srv" / "download" / f"v{version}")
        for path in sorted(published.iterdir()):
            print(f"    {path.name}  ({path.stat().st_size} bytes)")
        ca = trustme.CA()
        ca_file = ca_bundle(ca, tmp / "ca.pem")
        with ReleaseServer(tmp / "srv", ca) as server:
            url = f"{server.url}/download/v{version}/"
            step(f"serving it at {url}")
            step("build the sdist")
            sdist = build_sdist(tmp / "dist")
            step(f"pip install {sdist.name} into a fresh venv (CEREBRIUM_RELEASE_URL={url})")
            venv = Venv.create(tmp / "venv")
            index = ["--no-index", "--find-links", wheelhouse] if wheelhouse else []
            env = settings(ca_file, url, tmp / "cache")
            started = time.monotonic()
            result = venv.pip("install", "-v", "--no-cache-dir", *index, str(sdist), env=env)
            for line in (result.stdout + result.stderr).splitlines():
                # The build hook's lines, and pip's errors (not setuptools' "copying errors.py").
                if line.strip().lower().startswith(("cerebrium:", "error", "fatal")):
                    print(f"    {line.strip()}")
            if result.returncode != 0:
                print(result.stdout[-3000:], result.stderr[-3000:], sep="\n")
                return 1
            print(f"    installed in {time.monotonic() - started:.1f} s")
            print(f"    requests: {[r.path for r in server.requests]}")
            step("cerebrium version")
            run = venv.run("cerebrium", "version")
            print(f"    $ cerebrium version\n    {run.stdout.strip()}")
            return run.returncode


def _release(version: str, tmp: Path, published: Path) -> Path:
    """The test CLI's release of tag v``version``, laid out in ``published`` as GitHub serves
    ``/releases/download/<tag>/``: by real GoReleaser when it is built, else by the tests'
    builder for this machine's target alone; return ``published``."""
    if tool_path("goreleaser").is_file():
        from support.goreleaser import run_goreleaser

        step(f"goreleaser release --snapshot: the test CLI, tag v{version}, goreleaser.yaml")
        dist = run_goreleaser(ROOT / "goreleaser.yaml", tmp / "goreleaser", version=version)
        return dist.publish(published)
    target = _host_target()
    step(
        f"GoReleaser is not built here ({tool_path('goreleaser')}; building it takes ~20 "
        "minutes), so the release is laid out by tests/support/release.py, which the oracle "
        "tests prove names and packs it as GoReleaser does for goreleaser.yaml"
    )
    step(f"go build the test CLI for {target[0]}/{target[1]}, tag v{version}")
    binaries = build_binaries(tmp / "go", version, targets=(target,))
    return make_release(binaries, version, published).dir


def _host_target() -> tuple[str, str]:
    """This machine's (GOOS, GOARCH), as Go names it; SystemExit when no release target is."""
    out = subprocess.run(
        ["go", "env", "GOHOSTOS", "GOHOSTARCH"], capture_output=True, text=True, check=True
    ).stdout.split()
    target = (out[0], out[1])
    if target not in TARGETS:
        raise SystemExit(
            f"demo: this machine is {target[0]}/{target[1]}, which goreleaser.yaml does not "
            f"release for (it builds {', '.join('/'.join(t) for t in TARGETS)})"
        )
    return target


def _package_version() -> str:
    text = (ROOT / "wrapper" / "__init__.py").read_text()
    return text.split('__version__ = "', 1)[1].split('"', 1)[0]


if __name__ == "__main__":
    sys.exit(main())
