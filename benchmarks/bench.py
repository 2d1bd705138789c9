"""Speed and memory of the bootstrap, as ratios against a baseline measured in the same run.

    nox -s bench            (or: CEREBRIUM_TEST_WHEELHOUSE=... python benchmarks/bench.py)

For each archive size it builds a GoReleaser-shaped release (random, incompressible binary),
serves it over HTTPS on 127.0.0.1, and alternates ``python -m cerebrium_cli.bootstrap fetch``
with ``curl`` + ``sha256sum -c`` + ``tar x`` on the same server and file, printing the median
times and their ratio; then the peak memory of the fetch per size, the cost of a cache hit
against ``sha256sum`` + ``tar x``, the install paths against the smallest release (``pip install``
of the sdist with and without build isolation, ``pip install`` of an empty setuptools sdist
with the same build requirements, i.e. pip's floor for any sdist built so, ``pip install`` and
``uv pip install`` of the platform wheel, and curl + sha256sum + tar, with the ratios of the
sdists to the wheel), the
shim's overhead (``cerebrium version`` against ``python -c pass`` plus the binary run directly,
in one venv), and ``pip install`` of the sdist with the locally built wheel stored against
deflated. Nothing is asserted: it prints.

With a wheelhouse (``CEREBRIUM_TEST_WHEELHOUSE``, as ``nox -s bench`` provides), ``ours`` is
what a user runs: the sdist of this checkout installed with its ``bootstrap`` extra into a fresh
venv whose pip is first upgraded from the wheelhouse (bytecode compiled at install, nothing else
installed). Without one, it is this checkout run by the interpreter running the benchmark,
which also pays for compiling the sources (when bytecode is not written) and for whatever that
environment holds and imports at start-up.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from support.gocli import build_binaries  # noqa: E402
from support.release import archive_name, make_release, write_checksums  # noqa: E402
from support.sdist import build_sdist  # noqa: E402
from support.server import ReleaseServer, ca_bundle  # noqa: E402
from support.venvs import Venv  # noqa: E402

ARCHIVE = archive_name("linux", "amd64")
UV = Path(sys.executable).parent / "uv"  # the benchmark environment's uv (tests/requirements.txt)
# Runs the command from this checkout under its installed name, as an installed package would.
_INIT, _PACKAGE = str(ROOT / "wrapper" / "__init__.py"), str(ROOT / "wrapper")
RUNNER = (
    "import importlib.util, sys\n"
    f"spec = importlib.util.spec_from_file_location('cerebrium_cli', {_INIT!r}, "
    f"submodule_search_locations=[{_PACKAGE!r}])\n"
    "module = importlib.util.module_from_spec(spec); sys.modules['cerebrium_cli'] = module\n"
    "spec.loader.exec_module(module)\n"
    "from cerebrium_cli.bootstrap import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)


# Run and measure from a small helper process: a child forked from this (large) process would
# count this process's memory, as it was at the fork, in its own peak RSS.
MEASURE = (
    "import resource, subprocess, sys, time\n"
    "started = time.perf_counter()\n"
    "code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode\n"
    "elapsed = time.perf_counter() - started\n"
    "print(elapsed, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, code)\n"
)


def timed(
    command: list[str], env: dict[str, str] | None = None, cwd: Path | None = None
) -> tuple[float, int]:
    """Wall time and peak RSS (KiB) of one run of ``command``.

    Every run starts with nothing left to write back: otherwise the hundreds of MB that building
    the releases and the previous runs wrote are flushed to disk during later runs, taking a
    core (of two) from whichever command happens to be running then.
    """
    os.sync()
    result = subprocess.run(
        [sys.executable, "-S", "-c", MEASURE, *command],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
    )
    try:
        elapsed, rss, code = result.stdout.split()
    except ValueError:  # the measuring process itself failed
        raise SystemExit(f"cannot measure {' '.join(command)}:\n{result.stderr}") from None
    if code != "0":
        raise SystemExit(f"failed ({code}): {' '.join(command)}\n{result.stderr}")
    return float(elapsed), int(rss)


def alternate(
    runs: int, **commands: Callable[[int], tuple[float, int]]
) -> dict[str, list[tuple[float, int]]]:
    results: dict[str, list[tuple[float, int]]] = {name: [] for name in commands}
    for n in range(runs):
        for name, run in commands.items():
            results[name].append(run(n))
    return results


def median(samples: list[tuple[float, int]]) -> float:
    return statistics.median(t for t, _ in samples)


def curl_sha256sum_tar(work: Path, url: str, ca_file: Path | str) -> tuple[float, int]:
    """The baseline every ratio is against: what a careful shell script does by hand (curl the
    archive and checksums.txt, ``sha256sum -c``, ``tar x`` the binary), timed in ``work``."""
    (work / "out").mkdir(parents=True)
    script = (
        f"curl -sSf --cacert {ca_file} -o {ARCHIVE} {url}{ARCHIVE} && "
        f"curl -sSf --cacert {ca_file} -o checksums.txt {url}checksums.txt && "
        "sha256sum --quiet -c checksums.txt && "
        f"tar xzf {ARCHIVE} -C out cerebrium"
    )
    try:
        return timed(["sh", "-c", script], cwd=work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def make_big_release(srv: Path, size_mb: int) -> Path:
    out = srv / f"bench-{size_mb}"
    out.mkdir(parents=True)
    binary = out.parent / f"binary-{size_mb}"
    with binary.open("wb") as handle:
        for _ in range(size_mb):
            handle.write(os.urandom(1 << 20))
    with tarfile.open(out / ARCHIVE, "w:gz", compresslevel=6) as tf:
        tf.add(binary, arcname="cerebrium")
    binary.unlink()
    write_checksums([out / ARCHIVE], out / "checksums.txt")
    return out


def installed_venv(
    tmp: Path, wheelhouse: str, sdist: Path, env: dict[str, str]
) -> tuple[Venv, str]:
    """A fresh venv with pip upgraded from the wheelhouse and ``cerebrium[bootstrap]`` from the
    sdist: the command as a user runs it, and the shim as pip >= 25 writes it."""
    venv = Venv.create(tmp / "venv")
    index = ["--no-index", "--find-links", wheelhouse, "--no-cache-dir"]
    for args in (
        ("install", "--upgrade", *index, "pip"),
        ("install", *index, f"{sdist}[bootstrap]"),
    ):
        result = venv.pip(*args, env=env)
        if result.returncode != 0:
            raise SystemExit(result.stdout + result.stderr)
    return venv, pip_version(venv)


def empty_sdist(tmp: Path) -> Path:
    """An sdist of an empty setuptools project with this project's build requirements: what
    pip's build isolation and setuptools cost before any build hook runs (pip's floor)."""
    # pyproject.toml's [build-system] requires line, copied as written.
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    requires = re.search(r"^requires = \[.*\]$", text, re.MULTILINE)
    assert requires is not None, "pyproject.toml has no one-line [build-system] requires"
    project = tmp / "empty"
    (project / "empty").mkdir(parents=True)
    (project / "empty" / "__init__.py").write_text("")
    (project / "pyproject.toml").write_text(
        f'[build-system]\n{requires.group()}\nbuild-backend = "setuptools.build_meta"\n'
        '[project]\nname = "empty"\nversion = "1.0"\n'
    )
    return build_sdist(tmp / "empty-dist", project)


def install_paths(
    tmp: Path,
    tools: Venv,
    sdist: Path,
    wheelhouse: Path,
    size: int,
    runs: int,
    release_env: dict[str, str],
) -> None:
    """Each way of installing the command, timed from the command to an installed binary.

    Every run installs into a venv that does not hold the package (uninstalled, untimed, between
    runs), with its own empty archive cache, so the sdist's build fetches the archive each time.
    pip reads the build requirements from the local wheelhouse (``--no-index --find-links``):
    a warm cache, without a network. uv gets an empty cache for each run.
    """
    tmp.mkdir()
    url = release_env["CEREBRIUM_RELEASE_URL"]
    ca_file = release_env["SSL_CERT_FILE"]
    # The platform wheel, made from the same release as `bootstrap wheels` makes it.
    made = tools.run(
        "python", "-m", "cerebrium_cli.bootstrap", "wheels", "-q", "--from", url,
        "--out", str(tmp / "wheels"), "--platform", "linux/amd64",
        env={**release_env, "CEREBRIUM_CACHE_DIR": str(tmp / "wheels-cache")}, timeout=600,
    )  # fmt: skip
    if made.returncode != 0:
        raise SystemExit(made.stderr)
    (wheel,) = (tmp / "wheels").glob("*.whl")
    index = ["--no-index", "--find-links", str(wheelhouse)]
    venvs: dict[str, Venv] = {}
    for name, preinstalled in (
        ("isolated", ()),
        ("no-isolation", ("setuptools>=70.1", "wheel", "httpx>=0.27", "packaging>=23")),
        ("wheel", ()),
    ):
        venv = venvs[name] = Venv.create(tmp / f"venv-{name}")
        result = venv.pip("install", "--upgrade", *index, "pip", *preinstalled)
        if result.returncode != 0:
            raise SystemExit(result.stderr)
    uv_venv = tmp / "venv-uv"
    subprocess.run([str(UV), "venv", "-q", "--python", sys.executable, str(uv_venv)], check=True)
    pip_settings = {"PIP_CONFIG_FILE": os.devnull, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}

    def pip(name: str, *args: str) -> Callable[[int], tuple[float, int]]:
        venv = venvs[name]

        def run(n: int) -> tuple[float, int]:
            cache = {"CEREBRIUM_CACHE_DIR": str(tmp / f"cache-{name}-{n}")}
            env = venv.environ({**pip_settings, **release_env, **cache})
            try:
                command = [str(venv.python), "-m", "pip", "install", "-q", *index, *args]
                return timed([*command, "--no-cache-dir"], env)
            finally:
                venv.pip("uninstall", "-y", "-q", "cerebrium")
                shutil.rmtree(tmp / f"cache-{name}-{n}", ignore_errors=True)

        return run

    def uv(n: int) -> tuple[float, int]:
        env = {**os.environ, "UV_NO_CONFIG": "1", "UV_CACHE_DIR": str(tmp / f"uv-cache-{n}")}
        python = str(uv_venv / "bin" / "python")
        try:
            return timed([str(UV), "pip", "install", "-q", "--python", python, str(wheel)], env)
        finally:
            subprocess.run([str(UV), "pip", "uninstall", "-q", "--python", python, "cerebrium"],
                           env=env, check=True)  # fmt: skip
            shutil.rmtree(tmp / f"uv-cache-{n}", ignore_errors=True)

    def baseline(n: int) -> tuple[float, int]:
        return curl_sha256sum_tar(tmp / f"base-{n}", url, ca_file)

    empty = empty_sdist(tmp)

    def floor(n: int) -> tuple[float, int]:
        venv = venvs["isolated"]
        env = venv.environ(pip_settings)
        try:
            return timed([str(venv.python), "-m", "pip", "install", "-q", *index, str(empty),
                          "--no-cache-dir"], env)  # fmt: skip
        finally:
            venv.pip("uninstall", "-y", "-q", "empty")

    paths = {
        "pip install SDIST (build isolation)": pip("isolated", str(sdist)),
        "pip install EMPTY SDIST (pip's floor)": floor,
        "pip install --no-build-isolation SDIST": pip("no-isolation", "--no-build-isolation",
                                                      str(sdist)),
        "pip install WHEEL": pip("wheel", str(wheel)),
        "uv pip install WHEEL (empty uv cache)": uv,
        "curl + sha256sum -c + tar x": baseline,
    }  # fmt: skip
    uv_version = subprocess.run([str(UV), "--version"], capture_output=True, text=True).stdout
    print(
        f"\n## install paths, {size} MB binary (median of {runs}, alternating; "
        f"{pip_version(venvs['wheel'])}, {uv_version.strip()})"
    )
    results = alternate(runs, **paths)
    medians = {name: median(samples) for name, samples in results.items()}
    for name, seconds in medians.items():
        print(f"{name:>40}: {seconds:6.2f} s")
    wheel_s = medians["pip install WHEEL"]
    ratio = medians["pip install SDIST (build isolation)"] / wheel_s
    print(f"{'sdist / wheel (pip)':>40}: {ratio:6.2f}x  (goal <= 4x)")
    floor_ratio = medians["pip install EMPTY SDIST (pip's floor)"] / wheel_s
    print(f"{'empty sdist / wheel (pip)':>40}: {floor_ratio:6.2f}x")


def pip_version(venv: Venv) -> str:
    return venv.pip("--version").stdout.split(" from ")[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        default="10,100",
        help="archive sizes in MB (default 10,100; add 500 for flatness)",
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--shim-runs", type=int, default=60)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    wheelhouse = os.environ.get("CEREBRIUM_TEST_WHEELHOUSE")
    import trustme

    with tempfile.TemporaryDirectory(prefix="cerebrium-bench-") as tmp_name:
        tmp = Path(tmp_name)
        ca = trustme.CA()
        ca_file = ca_bundle(ca, tmp / "ca.pem")
        srv = tmp / "srv"
        print("building releases ...", flush=True)
        for size in sizes:
            make_big_release(srv, size)
        binaries = build_binaries(tmp / "go", "2.0.0", targets=(("linux", "amd64"),))
        make_release(binaries, "2.0.0", srv / "shim")
        with ReleaseServer(srv, ca) as server:
            venv: Venv | None = None
            pip_used = ""
            if wheelhouse:
                print("installing the sdist into a fresh venv ...", flush=True)
                venv, pip_used = installed_venv(
                    tmp,
                    wheelhouse,
                    build_sdist(tmp / "dist"),
                    {
                        "CEREBRIUM_RELEASE_URL": f"{server.url}/shim/",
                        "SSL_CERT_FILE": str(ca_file),
                        "CEREBRIUM_CACHE_DIR": str(tmp / "c1"),
                    },
                )
                command = [str(venv.python), "-m", "cerebrium_cli.bootstrap"]
                print(f"ours: python -m cerebrium_cli.bootstrap, installed with {pip_used}")
            else:
                command = [sys.executable, "-c", RUNNER]
                print(
                    "ours: this checkout under the interpreter running the benchmark (set "
                    "CEREBRIUM_TEST_WHEELHOUSE, or run `nox -s bench`, to measure the installed "
                    "package in a fresh venv)"
                )

            def environ(extra: dict[str, str]) -> dict[str, str]:
                return venv.environ(extra) if venv is not None else {**os.environ, **extra}

            print(
                "\n## fetch: ours vs curl + sha256sum -c + tar x  "
                f"(median of {args.runs}, alternating)"
            )
            print(
                f"{'archive':>8} {'baseline s':>11} {'ours s':>8} {'ratio':>6} "
                f"{'ours peak RSS':>14}"
            )
            for size in sizes:
                url = f"{server.url}/bench-{size}/"
                env = {"CEREBRIUM_RELEASE_URL": url, "SSL_CERT_FILE": str(ca_file)}

                def ours(n: int, size: int = size, env: dict[str, str] = env) -> tuple[float, int]:
                    work = tmp / f"ours-{size}-{n}"
                    run_env = environ({**env, "CEREBRIUM_CACHE_DIR": str(work / "cache")})
                    try:
                        return timed(
                            [*command, "fetch", "--dest", str(work / "out"), "-q"], run_env
                        )
                    finally:  # deleted while still dirty: never written back at all
                        shutil.rmtree(work, ignore_errors=True)

                def baseline(n: int, size: int = size, url: str = url) -> tuple[float, int]:
                    return curl_sha256sum_tar(tmp / f"base-{size}-{n}", url, ca_file)

                results = alternate(args.runs, baseline=baseline, ours=ours)
                base, mine = median(results["baseline"]), median(results["ours"])
                peak = max(rss for _, rss in results["ours"]) / 1024
                print(
                    f"{size:>6}MB {base:>11.3f} {mine:>8.3f} {mine / base:>6.2f} {peak:>11.1f} MiB",
                    flush=True,
                )

            print("\n## cache hit: ours vs sha256sum + tar x of the same file")
            size = sizes[-1]
            warm = tmp / "warm"
            env = environ(
                {
                    "CEREBRIUM_RELEASE_URL": f"{server.url}/bench-{size}/",
                    "SSL_CERT_FILE": str(ca_file),
                    "CEREBRIUM_CACHE_DIR": str(warm / "cache"),
                }
            )
            timed([*command, "fetch", "--dest", str(warm / "out0"), "-q"], env)
            (entry,) = (warm / "cache" / "archives").glob("sha256-*")
            offline = {**env, "CEREBRIUM_OFFLINE": "1"}

            def hit(n: int) -> tuple[float, int]:
                out = warm / f"out{n + 1}"
                try:
                    return timed([*command, "fetch", "--dest", str(out), "-q"], offline)
                finally:
                    shutil.rmtree(out, ignore_errors=True)

            def hash_and_extract(n: int) -> tuple[float, int]:
                out = warm / f"base{n}"
                out.mkdir()
                script = f"sha256sum {entry} >/dev/null && tar xzf {entry} -C {out} cerebrium"
                try:
                    return timed(["sh", "-c", script])
                finally:
                    shutil.rmtree(out, ignore_errors=True)

            results = alternate(args.runs, baseline=hash_and_extract, ours=hit)
            base, mine = median(results["baseline"]), median(results["ours"])
            peak = max(rss for _, rss in results["ours"]) / 1024
            print(
                f"{size:>6}MB baseline {base:.3f} s, ours {mine:.3f} s, ratio {mine / base:.2f}; "
                f"ours peak RSS {peak:.1f} MiB"
            )

            if venv is None or wheelhouse is None:
                print(
                    "\n(set CEREBRIUM_TEST_WHEELHOUSE, or run `nox -s bench`, for the install, "
                    "shim and wheel benchmarks)"
                )
                return 0
            sdist = next((tmp / "dist").glob("*.tar.gz"))
            index = ["--no-index", "--find-links", wheelhouse, "--no-cache-dir"]

            install_paths(
                tmp / "install", venv, sdist, Path(wheelhouse), sizes[0], args.runs,
                {"CEREBRIUM_RELEASE_URL": f"{server.url}/bench-{sizes[0]}/",
                 "SSL_CERT_FILE": str(ca_file)},
            )  # fmt: skip

            print(
                "\n## shim: `cerebrium version` vs `python -c pass` + the binary run directly "
                f"(median of {args.shim_runs}, alternating; the script written by {pip_used})"
            )
            binary = next(venv.path.glob("lib/python*/site-packages/cerebrium_cli/bin/cerebrium"))
            plain = venv.environ()
            results = alternate(
                args.shim_runs,
                python=lambda n: timed([str(venv.python), "-c", "pass"], plain),
                binary=lambda n: timed([str(binary), "version"], plain),
                shim=lambda n: timed([str(venv.script("cerebrium")), "version"], plain),
            )
            python_s, binary_s, shim_s = (median(results[k]) for k in ("python", "binary", "shim"))
            print(
                f"python -c pass {python_s * 1000:.1f} ms + binary {binary_s * 1000:.1f} ms = "
                f"{(python_s + binary_s) * 1000:.1f} ms; shim {shim_s * 1000:.1f} ms; "
                f"ratio {shim_s / (python_s + binary_s):.2f}"
            )

            size = sizes[-1]
            print(
                f"\n## pip install of the sdist, {size} MB binary: local wheel stored vs deflated"
            )
            env = {
                "CEREBRIUM_RELEASE_URL": f"{server.url}/bench-{size}/",
                "SSL_CERT_FILE": str(ca_file),
            }
            for label, extra in (
                ("stored (default)", []),
                ("deflated", ["--config-settings=--build-option=--compression=deflated"]),
            ):
                target = Venv.create(tmp / f"venv-{label.split()[0]}")
                started = time.perf_counter()
                result = target.pip(
                    "install",
                    *index,
                    *extra,
                    str(sdist),
                    env={**env, "CEREBRIUM_CACHE_DIR": str(tmp / f"c-{label.split()[0]}")},
                )
                elapsed = time.perf_counter() - started
                if result.returncode != 0:
                    raise SystemExit(result.stderr[-2000:])
                print(f"{label:>17}: {elapsed:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
