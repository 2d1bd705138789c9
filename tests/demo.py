"""The main job, end to end, as a person would see it (``nox -s demo``).

Releases the Go test CLI with real GoReleaser (snapshot mode, the project's goreleaser.yaml, tag
v<version>: six targets, archives, Linux packages, checksums.txt), serves it over HTTPS on
127.0.0.1 with a throwaway CA, builds this package's sdist, ``pip install``s it into a fresh venv
against that server, and runs ``cerebrium version``.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from support.goreleaser import run_goreleaser  # noqa: E402
from support.installs import settings  # noqa: E402
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
        step(f"goreleaser release --snapshot: the test CLI, tag v{version}, goreleaser.yaml")
        dist = run_goreleaser(ROOT / "goreleaser.yaml", tmp / "goreleaser", version=version)
        published = dist.publish(tmp / "srv" / "download" / f"v{version}")
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
                if line.strip().startswith("cerebrium:") or "error" in line.lower():
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


def _package_version() -> str:
    text = (ROOT / "wrapper" / "__init__.py").read_text()
    return text.split('__version__ = "', 1)[1].split('"', 1)[0]


if __name__ == "__main__":
    sys.exit(main())
