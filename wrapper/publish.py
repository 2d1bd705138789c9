"""Another GoReleaser project's distribution, made from this package without a fork.

The wheels and the sdist of a project ``X`` are this package's own files under X's names: the
package's source as the import package ``X_cli`` (the shim, the build hook, the verifying
fetch), X's release description recorded as ``release.json`` (:mod:`description`), its
``project.json`` (:mod:`project`), ``__version__`` set to the release's version, and METADATA
written from the configuration. The sdist adds setup.py, pyproject.toml's build system and
MANIFEST.in, which the installed package carries in ``_sdist/`` (setup.py puts them there), so
``pip install`` of X's sdist builds X's wheel with X's verified binary as this package's does.
Nothing of this package's own release (its pins, its key, its record) is carried over.
"""

from __future__ import annotations

import gzip
import io
import os
import re
import tarfile
import tempfile
from collections.abc import Mapping
from pathlib import Path

from .description import RECORD_NAME, Description, record
from .errors import BootstrapError, StorageError
from .project import PROJECT_NAME, REQUIRES_PYTHON, ProjectInfo, extras
from .release import Release
from .wheels import WheelContent

__all__ = ["SETUP_FILES", "metadata_text", "project_content", "write_sdist"]

_HERE = Path(__file__).resolve().parent
SETUP_DIR = "_sdist"  # inside the installed package: what an sdist has beside the package
SETUP_FILES = ("setup.py", "pyproject.toml", "MANIFEST.in")
# This package's own release: never another project's.
_OWN_ONLY = {RECORD_NAME, PROJECT_NAME, "pinned-checksums.txt", "cosign.pub"}
_VERSION_LINE = re.compile(r'^__version__ = "[^"\n]*"$', re.M)
_DEFAULT_EPOCH = 315_532_800  # as wheels.py: 1980-01-01


def _package_files() -> dict[str, bytes]:
    """This package's source files by their path inside it (``bootstrap.py``), sorted."""
    files: dict[str, bytes] = {}
    for path in sorted(_HERE.rglob("*")):
        relative = path.relative_to(_HERE)
        parts = relative.parts
        if (
            not path.is_file()
            or parts[0] in {"bin", SETUP_DIR}
            or "__pycache__" in parts
            or path.suffix in {".pyc", ".pyo", ".tmp"}
            or relative.as_posix() in _OWN_ONLY
        ):
            continue
        files[relative.as_posix()] = path.read_bytes()
    return files


def _setup_file(name: str) -> bytes:
    """setup.py, pyproject.toml or MANIFEST.in: from ``_sdist/`` in an installed package, else
    from the checkout or sdist the package is in."""
    for path in (_HERE / SETUP_DIR / name, _HERE.parent / name):
        if path.is_file():
            return path.read_bytes()
    raise BootstrapError(
        f"{name} is neither in {_HERE / SETUP_DIR} nor in {_HERE.parent}; reinstall this package "
        "from its sdist or wheel, which carry it"
    )


def _build_system(pyproject: bytes) -> bytes:
    """pyproject.toml's build system alone: the tools' settings are this repository's."""
    kept: list[str] = []
    for line in pyproject.decode("utf-8").splitlines(keepends=True):
        if line.startswith("[") and not line.startswith("[build-system]"):
            break
        kept.append(line)
    return "".join(kept).rstrip().encode() + b"\n"


def _recorded(description: Description) -> bytes:
    with tempfile.TemporaryDirectory() as work:
        path = Path(work, RECORD_NAME)
        record(description, path)
        return path.read_bytes()


def metadata_text(release: Release, version: str, info: ProjectInfo) -> str:
    """METADATA (PKG-INFO), core metadata 2.1, for ``release`` at ``version``."""
    from .build import long_description

    lines = [
        "Metadata-Version: 2.1",
        f"Name: {release.project_name}",
        f"Version: {version}",
        f"Summary: {info.summary_for(release.project_name)}",
    ]
    if release.homepage:
        lines.append(f"Home-page: {release.homepage}")
    lines += [f"License: {info.license_expression}", f"Requires-Python: {REQUIRES_PYTHON}"]
    for extra, requirements in extras().items():
        lines.append(f"Provides-Extra: {extra}")
        lines += [f'Requires-Dist: {r}; extra == "{extra}"' for r in requirements]
    lines.append("Description-Content-Type: text/markdown")
    return "\n".join(lines) + "\n\n" + long_description(release)


def project_content(
    release: Release, description: Description, version: str, info: ProjectInfo
) -> WheelContent:
    """The content every wheel of ``release`` shares (:class:`wheels.WheelContent`): this
    package's files as ``release.import_name``, with the project's records and metadata."""
    package = _package_files()
    init = package["__init__.py"].decode("utf-8")
    if _VERSION_LINE.search(init) is None:
        raise BootstrapError("__init__.py has no __version__ line to set; is this package intact?")
    package["__init__.py"] = _VERSION_LINE.sub(f'__version__ = "{version}"', init, 1).encode()
    package[RECORD_NAME] = _recorded(description)
    package[PROJECT_NAME] = info.to_json()
    for name in SETUP_FILES:
        data = _setup_file(name)
        package[f"{SETUP_DIR}/{name}"] = _build_system(data) if name == "pyproject.toml" else data
    name = release.import_name
    dist_info = {
        "METADATA": metadata_text(release, version, info).encode(),
        "entry_points.txt": (
            f"[console_scripts]\n{release.command_name} = {name}.__main__:main\n"
        ).encode(),
        "top_level.txt": f"{name}\n".encode(),
    }
    files = {f"{name}/{path}": data for path, data in sorted(package.items())}
    return WheelContent(release.project_name, version, files, dist_info)


def write_sdist(content: WheelContent, out_dir: Path) -> Path:
    """Write the sdist of ``content`` (from :func:`project_content`) into ``out_dir``.

    Its tree: PKG-INFO, setup.py, pyproject.toml (build system), MANIFEST.in and the package as
    ``wrapper/`` (setup.py's ``package_dir``). Reproducible: sorted, timestamps from
    ``SOURCE_DATE_EPOCH``. Raises :class:`StorageError` if it cannot be written.
    """
    stem = re.sub(r"[-_.]+", "_", content.name).lower()
    base = f"{stem}-{content.version}"
    tree: dict[str, bytes] = {"PKG-INFO": content.dist_info["METADATA"]}
    for path, data in content.package.items():
        inner = path.split("/", 1)[1]
        if inner.startswith(f"{SETUP_DIR}/"):
            name = inner.split("/", 1)[1]
            tree[name] = data
        tree[f"wrapper/{inner}"] = data
    return _write_tar(tree, base, out_dir / f"{base}.tar.gz")


def _write_tar(tree: Mapping[str, bytes], base: str, path: Path) -> Path:
    mtime = max(int(os.environ.get("SOURCE_DATE_EPOCH", _DEFAULT_EPOCH)), _DEFAULT_EPOCH)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name in sorted(tree):
            info = tarfile.TarInfo(f"{base}/{name}")
            info.size, info.mtime, info.mode = len(tree[name]), mtime, 0o644
            tar.addfile(info, io.BytesIO(tree[name]))
    temp = path.with_name(f".{path.name}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with (
            temp.open("wb") as raw,
            gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=mtime) as out,
        ):
            out.write(buffer.getvalue())
        os.replace(temp, path)
    except OSError as exc:
        raise StorageError(f"cannot write the sdist {path}: {exc}") from exc
    return path
