"""Platform wheels made from a release: the main way the binary reaches users.

At release time, one wheel per target is made from the verified GoReleaser archives, so that
``pip install mycli`` on a supported platform downloads one wheel and builds nothing. Each
wheel is this installed distribution (built from the sdist, so its METADATA is the sdist's),
with the target's binary verified and extracted by :mod:`fetch`'s pipeline (the build hook's
own code path) and tagged by what that binary is (:func:`executables.binary_wheel_tag`: the
minimum macOS it declares, the glibc it needs, ...; a binary that is not for its target gets no
wheel); a universal macOS binary serving both darwin targets gives one ``universal2`` wheel.
Entries are sorted and timestamps fixed, so the same release always gives byte-identical
wheels (reproducible builds; ``SOURCE_DATE_EPOCH`` sets the time). A CycloneDX SBOM published
for an archive, and vouched for by the checksums, travels in ``.dist-info/sboms/`` (PEP 770);
without one, the SBOM made from the binary's build information does; ``verification.json``
records what was verified (:mod:`evidence`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import shutil
import tempfile
import time
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from ._atomic import atomic_writer
from .digests import new_hash
from .errors import AssetNotFoundError, BootstrapError, StorageError
from .evidence import RECORD_FILE, dist_info_files
from .executables import binary_wheel_tag
from .fetch import (
    MAX_CHECKSUMS_SIZE,
    Install,
    ReleaseChecksums,
    VerifiedArchive,
    VerifiedChecksums,
    extract,
    verified_archives,
)
from .installed import own_distribution
from .plan import CheckedAsset
from .platforms import Target
from .release import NO_ENVIRONMENT, Release
from .sources import Sources

__all__ = ["WheelContent", "build_wheels", "installed_content", "write_wheel"]

_logger = logging.getLogger(__name__)

_DEFAULT_EPOCH = 315_532_800  # 1980-01-01, the earliest time a zip can hold
# Files of an installed dist-info that describe the installation, not the distribution.
# The record of what was verified describes that installation's binary; each wheel gets its own.
_INSTALL_ONLY = {"RECORD", "INSTALLER", "REQUESTED", "direct_url.json", "WHEEL", RECORD_FILE}


@dataclass(frozen=True)
class WheelContent:
    """What every platform wheel shares: the package's files and its dist-info metadata."""

    name: str  # the distribution name as in METADATA
    version: str
    package: dict[str, bytes]  # archive path -> bytes, without bin/
    dist_info: dict[str, bytes]  # file name inside .dist-info -> bytes


def installed_content(release: Release) -> WheelContent:
    """The installed distribution, read back as the content of a wheel."""
    dist = own_distribution(release, "'wheels' makes wheels from the installed package")
    package: dict[str, bytes] = {}
    dist_info: dict[str, bytes] = {}
    for path in dist.files or []:
        parts = path.parts
        if parts[0] == release.import_name:
            if "__pycache__" in parts or (len(parts) > 1 and parts[1] == "bin"):
                continue
            package["/".join(parts)] = Path(str(dist.locate_file(path))).read_bytes()
        elif parts[0].endswith(".dist-info") and len(parts) == 2 and parts[1] not in _INSTALL_ONLY:
            dist_info[parts[1]] = Path(str(dist.locate_file(path))).read_bytes()
    if "METADATA" not in dist_info:
        raise BootstrapError(f"the installed {release.project_name} has no METADATA to copy")
    return WheelContent(dist.metadata["Name"], dist.version, package, dist_info)


def build_wheels(
    release: Release,
    tag: str,
    targets: Iterable[Target],
    sources: Sources,
    out_dir: Path,
    work_dir: Path,
    *,
    environ: Mapping[str, str] = NO_ENVIRONMENT,
    content: WheelContent | None = None,
) -> list[Path]:
    """One wheel per target into ``out_dir``, all or none: one archive failing verification
    leaves ``out_dir`` as it was (a release is published whole, never missing a platform).

    ``content`` is what every wheel shares; default: this installed package (another project's
    is made by :func:`publish.project_content`).

    The release's checksums are read and verified once (per file, when split) and every
    target's archive and SBOM is checked against that same value. Every target is tried, its
    wheel written into a folder beside ``out_dir``, and the failures are reported together at
    the end, so one bad archive does not hide the state of the others; the wheels move into
    ``out_dir`` only when every target verified. ``environ`` is what the name templates'
    ``.Env`` reads. Raises :class:`BootstrapError` naming each target that failed.
    """
    content = content or installed_content(release)
    wheel_targets = _wheel_targets(release, targets)
    installs = Install.each(release, tag, wheel_targets, sources, environ=environ)
    staging = _staging(out_dir)
    try:
        made, failures = _made(installs, content, staging, work_dir)
        _refuse_failures(failures, out_dir)
        return _moved_in(made, out_dir, release.project_name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _made(
    installs: Iterable[Install], content: WheelContent, out_dir: Path, work_dir: Path
) -> tuple[list[Path], dict[str, list[str]]]:
    """The wheels of the ``installs`` that verified, written into ``out_dir`` (:func:`build_wheels`'
    staging folder), and the targets that did not, by what stopped them (an error shared by
    several targets, a missing checksums file say, is one entry)."""
    book = ReleaseChecksums()
    made: list[Path] = []
    failures: dict[str, list[str]] = {}

    def failed(install: Install, exc: BootstrapError) -> None:
        failures.setdefault(str(exc), []).append(str(install.plan.target))

    for install, archive in verified_archives(installs, book, failed=failed):
        try:
            wheel = _wheel(install, archive, book, content, out_dir, work_dir)
        except BootstrapError as exc:
            failed(install, exc)
            continue
        if wheel not in made:  # one universal2 wheel for both darwin targets
            made.append(wheel)
    return made, failures


def _refuse_failures(failures: Mapping[str, list[str]], out_dir: Path) -> None:
    """Raise :class:`BootstrapError` listing ``failures`` (error -> its targets), if any."""
    if failures:
        count = sum(len(targets) for targets in failures.values())
        raise BootstrapError(
            f"{count} of the release's archives could not be verified, so no wheel was "
            f"written, for them or any other target ({out_dir} is as it was: a release is "
            "published whole); make the release again, then run wheels again:\n  "
            + "\n  ".join(f"{', '.join(targets)}: {error}" for error, targets in failures.items())
        )


def _staging(out_dir: Path) -> Path:
    """A new empty folder ``.<out>.<random>.tmp`` on ``out_dir``'s file system (so a wheel
    moves in with ``os.replace``): beside it, or inside it where its parent is read-only."""
    for where in (out_dir.parent, out_dir):
        try:
            where.mkdir(parents=True, exist_ok=True)
            return Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".tmp", dir=where))
        except OSError as exc:
            error = exc
    raise StorageError(f"cannot write the wheels into {out_dir}: {error}") from error


def _moved_in(made: list[Path], out_dir: Path, project: str) -> list[Path]:
    """``made`` (every wheel, complete) moved into ``out_dir``; their new paths."""
    moved: list[Path] = []
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        for wheel in made:
            os.replace(wheel, out_dir / wheel.name)
            moved.append(out_dir / wheel.name)
    except OSError as exc:
        for path in moved:  # all or none, here too
            path.unlink(missing_ok=True)
        raise StorageError(f"cannot move the wheels into {out_dir}: {exc}") from exc
    for path in moved:
        _logger.info(f"{project}: wrote {path.name}")
    return moved


def _wheel_targets(release: Release, targets: Iterable[Target]) -> list[Target]:
    """The ``targets`` PyPI takes a wheel for; each of the others is logged as skipped."""
    wheel_targets = []
    for target in targets:
        reason = release.no_wheel(target)
        if reason is not None:  # PyPI takes no wheel for it: said, not a failure
            _logger.info(f"{release.project_name}: skipped {target}: {reason}")
            continue
        wheel_targets.append(target)
        level = release.level(target)
        if level is not None:  # the tag promises every machine of the architecture
            _logger.warning(
                f"{release.project_name}: {target} is built for {level}, which no wheel tag "
                "says: a machine below it installs the wheel and cannot run the binary"
            )
    return wheel_targets


def _wheel(
    install: Install,
    archive: VerifiedArchive,
    book: ReleaseChecksums,
    content: WheelContent,
    out_dir: Path,
    work_dir: Path,
) -> Path:
    """The wheel of one install's verified archive, written into ``out_dir``."""
    plan, release = install.plan, install.release
    target = plan.target
    binary = extract(install, archive, work_dir / str(target).replace("/", "_"))
    platform_tag = binary_wheel_tag(
        binary, target, plan.archive_name, armv7l=release.armv7l_from(target)
    )
    sboms = (_sbom(install, sbom, book) for sbom in plan.sboms)
    sbom = next((found for found in sboms if found is not None), None)
    # What was verified, and the SBOM made from the binary when none was published.
    meta = dist_info_files(release, target, plan.tag, archive, binary, with_sbom=not sbom)
    meta.update({f"sboms/{sbom[0]}": sbom[1]} if sbom else {})
    return write_wheel(content, platform_tag, binary, meta, out_dir)


def _sbom(install: Install, sbom: CheckedAsset, book: ReleaseChecksums) -> tuple[str, bytes] | None:
    """The archive's SBOM (as the release's sboms block names it, AssetPlan.sboms), if
    published and vouched for by the release's verified checksums (the value the archive
    was checked against)."""
    reader, name = install.sources.reader, sbom.name
    if reader is None:
        return None
    try:
        data = reader.read(name, limit=MAX_CHECKSUMS_SIZE * 16)
    except AssetNotFoundError:
        return None  # no SBOM published for this archive
    try:
        checksums: VerifiedChecksums | None = book.for_install(install, sbom)
    except AssetNotFoundError:
        checksums = None  # split checksums without a file for the SBOM
    expected = checksums.entries.get(name) if checksums is not None else None
    got = ""
    if checksums is not None:
        hasher = new_hash(checksums.algorithm)
        hasher.update(data)
        got = hasher.hexdigest()
    if expected is None or not hmac.compare_digest(expected, got):
        _logger.warning(
            f"warning: {name} is not vouched for by the checksums; leaving it out of the wheel"
        )
        return None
    return name, data


def write_wheel(
    content: WheelContent,
    platform_tag: str,
    binary: Path,
    evidence: Mapping[str, bytes],
    out_dir: Path,
) -> Path:
    """Write one reproducible wheel tagged ``platform_tag`` (``a.b`` for a tag set); its path.

    ``evidence`` are files for the ``.dist-info`` by their names in it (``verification.json``,
    ``sboms/<name>``): what was verified and the SBOMs (:mod:`evidence`).
    """
    dist = content.name.replace("-", "_").replace(".", "_").lower()
    dist_info = f"{dist}-{content.version}.dist-info"
    import_name = next(iter(content.package)).split("/", 1)[0]
    tags = "".join(f"Tag: py3-none-{tag}\n" for tag in platform_tag.split("."))
    wheel_file = (
        f"Wheel-Version: 1.0\nGenerator: {import_name}.wheels\nRoot-Is-Purelib: false\n" + tags
    ).encode()

    # (archive path, bytes, unix mode), sorted; the dist-info last with RECORD at its end.
    files: list[tuple[str, bytes, int]] = [
        (path, data, 0o644) for path, data in sorted(content.package.items())
    ]
    files.append((f"{import_name}/bin/{binary.name}", binary.read_bytes(), 0o755))
    files.sort(key=lambda item: item[0])
    meta = {**content.dist_info, "WHEEL": wheel_file, **evidence}
    files.extend((f"{dist_info}/{name}", data, 0o644) for name, data in sorted(meta.items()))
    record = "".join(
        f"{path},sha256={_b64(hashlib.sha256(data).digest())},{len(data)}\n"
        for path, data, _ in files
    )
    files.append((f"{dist_info}/RECORD", (record + f"{dist_info}/RECORD,,\n").encode(), 0o644))

    stamp = time.gmtime(
        max(int(os.environ.get("SOURCE_DATE_EPOCH", _DEFAULT_EPOCH)), _DEFAULT_EPOCH)
    )[:6]
    path = out_dir / f"{dist}-{content.version}-py3-none-{platform_tag}.whl"
    with atomic_writer(path) as out, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as wheel:
        for name, data, mode in files:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.external_attr = (0o100000 | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            wheel.writestr(info, data)
    return path


def _b64(digest: bytes) -> str:
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
