"""A release in the shape of the real Cerebrium releases, written independently of the product.

The names and layout of the real releases (GoReleaser v2.15.1 run on this repository's
goreleaser.yaml) are spelled out literally here: ``cerebrium_cli_<os>_<arch>.tar.gz`` (``.zip`` on
Windows, no version in the name), the binary at the archive root after CHANGELOG.md, LICENSE and
README.md, the deb and rpm packages nfpm makes for Linux (``cerebrium_<version>_linux_<arch>.deb``),
and a ``checksums.txt`` of ``<sha256>  <name>`` lines sorted by name that lists them all. Tests
comparing the product's names with these files prove agreement rather than restate its code.
"""

from __future__ import annotations

import hashlib
import io
import random
import tarfile
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

MTIME = 1_700_000_000  # fixed, so archives are reproducible
# archives[0].files: LICENSE*, README*, CHANGELOG*, packed before the binary, sorted.
EXTRAS = {
    "CHANGELOG.md": b"# Changelog\n",
    "LICENSE": b"Apache-2.0\n",
    "README.md": b"# cerebrium\n",
}
PACKAGE_FORMATS = ("deb", "rpm")  # nfpms[0].formats, Linux only


@dataclass(frozen=True)
class Release:
    dir: Path
    version: str
    archives: dict[tuple[str, str], Path]
    packages: list[Path]
    checksums: Path


def archive_name(goos: str, goarch: str) -> str:
    """The real releases' archive name: ``cerebrium_cli_{{ .Os }}_{{ .Arch }}`` plus format."""
    return f"cerebrium_cli_{goos}_{goarch}.{'zip' if goos == 'windows' else 'tar.gz'}"


def package_name(version: str, goarch: str, fmt: str) -> str:
    """nfpm's default file name for a Linux package of the release ``version``."""
    return f"cerebrium_{version}_linux_{goarch}.{fmt}"


def make_archive(
    binary: Path,
    dest: Path,
    goos: str,
    binary_name: str = "cerebrium",
    extra_members: Mapping[str, bytes] | None = None,
) -> Path:
    """Pack ``binary`` as GoReleaser does for ``goos``: the extra files, then the binary."""
    members = dict(sorted({**EXTRAS, **(extra_members or {})}.items()))
    data = binary.read_bytes()
    if goos == "windows":
        with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, content, mode in [(n, c, 0o644) for n, c in members.items()] + [
                (f"{binary_name}.exe", data, 0o755)
            ]:
                info = zipfile.ZipInfo(name, date_time=(2023, 11, 14, 22, 13, 20))
                info.external_attr = (0o100000 | mode) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, content)
        return dest
    with tarfile.open(dest, "w:gz") as tf:
        for name, content, mode in [(n, c, 0o644) for n, c in members.items()] + [
            (binary_name, data, 0o755)
        ]:
            member = tarfile.TarInfo(name)
            member.size, member.mode, member.mtime = len(content), mode, MTIME
            tf.addfile(member, io.BytesIO(content))
    return dest


def write_checksums(files: Iterable[Path], dest: Path) -> Path:
    """GoReleaser's checksums file: ``<sha256>  <name>`` lines sorted by name."""
    digests = {f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in files}
    dest.write_text("".join(f"{digests[name]}  {name}\n" for name in sorted(digests)))
    return dest


def standin_binaries(
    out_dir: Path, targets: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], Path]:
    """A file per target in place of the Go test CLI, for tests that fetch and extract a binary
    but never run it, so they need no Go: 1.4 MB that gzip packs to about 0.6 MB, as the real
    binary (600 kB of seeded random bytes, then zeros), different for each target."""
    binaries = {}
    for goos, goarch in targets:
        exe = ".exe" if goos == "windows" else ""
        binary = out_dir / f"{goos}_{goarch}" / f"cerebrium{exe}"
        binary.parent.mkdir(parents=True)
        noise = random.Random(f"{goos}/{goarch}").randbytes(600_000)
        binary.write_bytes(noise + bytes(800_000))
        binaries[(goos, goarch)] = binary
    return binaries


def make_release(
    binaries: Mapping[tuple[str, str], Path],
    version: str,
    out_dir: Path,
) -> Release:
    """Write every target's archive, the Linux packages and ``checksums.txt`` into ``out_dir``.

    The packages are small stand-ins (the wrapper never reads them): what matters is that they
    are in the release and in its checksums file, as in the real releases.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    archives = {
        (goos, goarch): make_archive(binary, out_dir / archive_name(goos, goarch), goos)
        for (goos, goarch), binary in sorted(binaries.items())
    }
    packages = []
    for goos, goarch in sorted(binaries):
        if goos != "linux":
            continue
        for fmt in PACKAGE_FORMATS:
            package = out_dir / package_name(version, goarch, fmt)
            package.write_bytes(f"{fmt} package of cerebrium {version} for {goarch}\n".encode())
            packages.append(package)
    checksums = write_checksums([*archives.values(), *packages], out_dir / "checksums.txt")
    return Release(out_dir, version, archives, packages, checksums)
