"""A GoReleaser-shaped release, written independently of the product's naming code.

GoReleaser's naming is spelled out literally here (``{project}_{version}_{os}_{arch}.tar.gz``,
``.zip`` on Windows, the binary at the archive root beside README and LICENSE, and a sorted
``checksums.txt`` of ``<sha256>  <name>`` lines), so that tests comparing the product's names
with these files prove agreement rather than restate the product's own code.
"""

from __future__ import annotations

import hashlib
import io
import tarfile
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

MTIME = 1_700_000_000  # fixed, so archives are reproducible
EXTRAS = {"README.md": b"# cerebrium\n", "LICENSE": b"Apache-2.0\n"}


@dataclass(frozen=True)
class Release:
    dir: Path
    version: str
    archives: dict[tuple[str, str], Path]
    checksums: Path


def archive_name(project: str, version: str, goos: str, goarch: str) -> str:
    return f"{project}_{version}_{goos}_{goarch}.{'zip' if goos == 'windows' else 'tar.gz'}"


def make_archive(
    binary: Path,
    dest: Path,
    goos: str,
    binary_name: str = "cerebrium",
    extra_members: Mapping[str, bytes] | None = None,
) -> Path:
    """Pack ``binary`` (and README/LICENSE) as GoReleaser does for ``goos``."""
    members = dict(sorted({**EXTRAS, **(extra_members or {})}.items()))
    data = binary.read_bytes()
    if goos == "windows":
        with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, content, mode in [(f"{binary_name}.exe", data, 0o755)] + [
                (n, c, 0o644) for n, c in members.items()
            ]:
                info = zipfile.ZipInfo(name, date_time=(2023, 11, 14, 22, 13, 20))
                info.external_attr = (0o100000 | mode) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, content)
        return dest
    with tarfile.open(dest, "w:gz") as tf:
        for name, content, mode in [(binary_name, data, 0o755)] + [
            (n, c, 0o644) for n, c in members.items()
        ]:
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(content), mode, MTIME
            tf.addfile(info, io.BytesIO(content))
    return dest


def write_checksums(files: Iterable[Path], dest: Path) -> Path:
    """GoReleaser's checksums file: ``<sha256>  <name>`` lines sorted by name."""
    digests = {f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in files}
    dest.write_text("".join(f"{digests[name]}  {name}\n" for name in sorted(digests)))
    return dest


def make_release(
    binaries: Mapping[tuple[str, str], Path],
    version: str,
    out_dir: Path,
    project: str = "cerebrium",
) -> Release:
    """Write every target's archive and ``checksums.txt`` into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    archives = {
        (goos, goarch): make_archive(
            binary, out_dir / archive_name(project, version, goos, goarch), goos
        )
        for (goos, goarch), binary in sorted(binaries.items())
    }
    checksums = write_checksums(archives.values(), out_dir / "checksums.txt")
    return Release(out_dir, version, archives, checksums)
