"""What was verified, recorded in the wheel's ``.dist-info`` and checked again after install.

Every wheel (``bootstrap wheels`` and the sdist's build) carries ``verification.json`` in its
``.dist-info``, listed in ``RECORD`` as every file is, and, unless the release published an SBOM
for the archive, a CycloneDX SBOM of the binary in ``sboms/`` (:mod:`sbom`, PEP 770)::

    {"format": 1, "tag": "v2.0.0", "target": "linux/amd64",
     "archive": {"name": "mycli_Linux_x86_64.tar.gz", "algorithm": "sha256", "digest": hex},
     "checksums": {"name": "checksums.txt", "source": URL, path or "the checksums pinned in
                   this package", "trust": "pinned" | "signed" | "integrity only"},
     "vouched_by": {"pins": bool, "key": fingerprint | null, "keyless": signer | null,
                    "attestation": "attested (...) by ..." | null, "kept_signed": bool},
     "binary": {"path": "mycli_cli/bin/mycli", "sha256": hex, "size": bytes},
     "build_info": {"go_version": "go1.26.8", "main": {"path": ..., "version": ...}} | null}

``vouched_by`` is the fetch's :class:`proofs.Proofs`, what it verified and nothing more: the
pins when the checksums were the pinned ones; the release key's fingerprint when its signature
on the checksums file verified; the keyless signer when that signature did; the attestation when
one verified; ``kept_signed`` when, offline, the cached checksums file had a verified signature
when it was kept. The bytes are deterministic (keys sorted, no time), so the same release gives
byte-identical wheels.

``python -m <package>.bootstrap verify --installed`` (:func:`check_installed`) reads the record
of the installed distribution, re-hashes the installed binary against it, and checks the
archive digest it names against the pins the installed package carries; offline, always.
"""

from __future__ import annotations

import dataclasses
import hmac
import json
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__
from ._atomic import atomic_write
from .buildinfo import BuildInfo, NoBuildInfoError, read_buildinfo
from .digests import copy_hashing
from .errors import ChecksumFileError, ChecksumMismatchError, PinnedChecksumsError, StorageError
from .pins import PINS_NAME, load_pins
from .proofs import Proofs
from .sbom import cyclonedx, sbom_name

if TYPE_CHECKING:  # the build imports this module: the fetch's modules load only to fetch
    from .fetch import VerifiedArchive
    from .platforms import Target
    from .release import Release

__all__ = [
    "FORMAT",
    "MAX_RECORD_SIZE",
    "RECORD_FILE",
    "Record",
    "Recorded",
    "check_installed",
    "dist_info_files",
    "parse_record",
    "read_installed_record",
    "write_dist_info",
]

RECORD_FILE = "verification.json"  # in the .dist-info
FORMAT = 1  # the layout's version; another is refused, not guessed at
MAX_RECORD_SIZE = 1 << 20


def dist_info_files(
    release: Release,
    target: Target,
    tag: str,
    archive: VerifiedArchive,
    binary: Path,
    *,
    with_sbom: bool = True,
) -> dict[str, bytes]:
    """The files a wheel's ``.dist-info`` gets for the binary just extracted from ``archive``:
    ``{"verification.json": bytes, "sboms/<binary>.cdx.json": bytes}``, the SBOM only with
    ``with_sbom`` (the release published none) and when the binary has Go build information.

    Raises :class:`StorageError` if the binary cannot be read, and the
    :class:`buildinfo.BuildInfoError` of malformed build information.
    """
    digest, size, info = _read_binary(binary, f"{binary.name} in {archive.name}")
    record = {
        "format": FORMAT,
        "tag": tag,
        "target": str(target),
        "archive": {"name": archive.name, "algorithm": archive.algorithm, "digest": archive.digest},
        "checksums": {
            "name": archive.checksums.name,
            "source": archive.checksums.source,
            "trust": archive.checksums.trust,
        },
        "vouched_by": dataclasses.asdict(archive.proofs),
        "binary": {
            "path": f"{release.import_name}/bin/{binary.name}",
            "sha256": digest,
            "size": size,
        },
        "build_info": None
        if info is None
        else {
            "go_version": info.go_version,
            "main": {"path": info.main.path or info.path, "version": info.main.version},
        },
    }
    files = {RECORD_FILE: _json(record)}
    if with_sbom and info is not None:
        tool = (release.import_name, __version__)
        files[f"sboms/{sbom_name(binary.name)}"] = cyclonedx(
            info, binary_name=binary.name, binary_sha256=digest, tool=tool
        )
    return files


@dataclass(frozen=True)
class Recorded:
    """A binary fetched and verified, and the ``.dist-info`` files that say how."""

    binary: Path
    dist_info: Mapping[str, bytes]


def write_dist_info(dist_info: Path, files: Mapping[str, bytes]) -> None:
    """Write ``files`` (names relative to the ``.dist-info``, ``/``-separated) into the folder
    ``dist_info``. Raises :class:`StorageError` when ``files`` is empty (a wheel is never made
    without its record), for a name that would leave the folder (never written by this
    package), or a file that cannot be written."""
    if not files:
        raise StorageError(
            "the wheel would be made without the record of what was verified: nothing was "
            "recorded when the binary was fetched. Report it, with the output of pip install -v."
        )
    for name, data in sorted(files.items()):
        parts = name.split("/")
        if "\\" in name or any(part in {"", ".", ".."} for part in parts):
            raise StorageError(f"refusing to write {name!r} into {dist_info}: not a plain name")
        path = dist_info.joinpath(*parts)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(path, data)
        except OSError as exc:
            raise StorageError(f"cannot write {path}: {exc.strerror or exc}") from exc


def _read_binary(binary: Path, name: str) -> tuple[str, int, BuildInfo | None]:
    """The binary's sha256 (hex), size and Go build information (None: not a Go binary)."""
    try:
        with binary.open("rb") as handle:
            digest = copy_hashing(handle, None, "sha256")
            size = handle.tell()
            handle.seek(0)
            try:
                info: BuildInfo | None = read_buildinfo(handle, name=name)
            except NoBuildInfoError:
                info = None
    except OSError as exc:
        raise StorageError(f"cannot read the binary {binary}: {exc.strerror or exc}") from exc
    return digest, size, info


def _json(value: Mapping[str, Any]) -> bytes:
    return (json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


# --- reading the record back --------------------------------------------------------------


@dataclass(frozen=True)
class Record:
    """The fields of ``verification.json`` that :func:`check_installed` checks or shows."""

    tag: str
    target: str
    archive: str
    algorithm: str
    archive_digest: str
    checksums: str
    checksums_source: str
    trust: str
    vouched_by: Proofs
    binary_path: str
    binary_sha256: str
    build_info: Mapping[str, Any] | None


def parse_record(data: bytes, where: str) -> Record:
    """The record in ``data`` (read from ``where``, for messages).

    Raises :class:`ChecksumFileError` naming ``where`` when it is not the JSON this module
    writes: not UTF-8 JSON, another ``format``, or a field missing or of the wrong type.
    """
    remedy = (
        "it was not written by this package's build, or was changed since. Reinstall the "
        "package to record again what was verified"
    )
    value = _record_object(data, where, remedy)

    def text(*keys: str) -> str:
        found: Any = value
        for key in keys:
            found = found.get(key) if isinstance(found, dict) else None
        if not isinstance(found, str) or not found:
            raise ChecksumFileError(
                f"{where} has no text at {'.'.join(keys)} (found {found!r}): {remedy}"
            )
        return found

    texts = {
        "tag": text("tag"),
        "target": text("target"),
        "archive": text("archive", "name"),
        "algorithm": text("archive", "algorithm"),
        "archive_digest": text("archive", "digest").lower(),
        "checksums": text("checksums", "name"),
        "checksums_source": text("checksums", "source"),
        "trust": text("checksums", "trust"),
        "binary_path": text("binary", "path"),
        "binary_sha256": text("binary", "sha256").lower(),
    }
    info = value.get("build_info")
    if not (info is None or isinstance(info, dict)):
        raise ChecksumFileError(f"{where} has no object at build_info (found {info!r}): {remedy}")
    return Record(
        **texts, vouched_by=_proofs(value.get("vouched_by"), where, remedy), build_info=info
    )


def _record_object(data: bytes, where: str, remedy: str) -> dict[str, Any]:
    """``data`` as the JSON object of a record in this package's format; ChecksumFileError."""
    try:
        value = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ChecksumFileError(f"{where} is not a JSON record ({exc}): {remedy}") from None
    if not isinstance(value, dict):
        raise ChecksumFileError(f"{where} holds {type(value).__name__}, not an object: {remedy}")
    if value.get("format") != FORMAT:
        raise ChecksumFileError(
            f"{where} has format {value.get('format')!r}; this package reads format {FORMAT}: "
            f"{remedy}"
        )
    return value


def _proofs(value: object, where: str, remedy: str) -> Proofs:
    """``vouched_by`` as the :class:`Proofs` it was written from; ChecksumFileError otherwise."""
    fields = {f.name: f.type for f in dataclasses.fields(Proofs)}
    if not (isinstance(value, dict) and set(value) == set(fields)):
        raise ChecksumFileError(
            f"{where} has no vouched_by with the fields {', '.join(sorted(fields))} "
            f"(found {value!r}): {remedy}"
        )
    for name, kind in fields.items():
        item = value[name]
        if not (
            isinstance(item, bool) if kind == "bool" else item is None or isinstance(item, str)
        ):
            raise ChecksumFileError(f"{where} has {item!r} at vouched_by.{name}: {remedy}")
    return Proofs(**value)


def read_installed_record(dist: metadata.Distribution) -> tuple[str, bytes | None]:
    """Where the installed distribution's record is (its ``.dist-info``), and its bytes: None
    when it is absent. Raises :class:`ChecksumFileError` for a record too large to be one,
    :class:`StorageError` for one that cannot be read."""
    files = dist.files or []
    meta = next(
        (f for f in files if f.name == "METADATA" and f.parent.name.endswith(".dist-info")), None
    )
    if meta is None:
        raise ChecksumFileError(
            f"the installed {dist.metadata['Name']} lists no .dist-info in its RECORD, so its "
            "record of what was verified cannot be found; reinstall it with pip"
        )
    path = Path(str(dist.locate_file(meta.parent))) / RECORD_FILE
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_RECORD_SIZE + 1)
    except FileNotFoundError:
        return str(path), None
    except OSError as exc:
        raise StorageError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if len(data) > MAX_RECORD_SIZE:
        raise ChecksumFileError(
            f"{path} is larger than {MAX_RECORD_SIZE} bytes, which no record of this package "
            "is; reinstall the package"
        )
    return str(path), data


def check_installed(
    record_bytes: bytes | None,
    record_where: str,
    binary: Path,
    package_dir: Path,
    *,
    tag: str,
    reinstall: str,
) -> list[str]:
    """Check the installed ``binary`` against its record, and the record against the pins in
    ``package_dir``; the lines that say what was checked.

    ``record_bytes`` is ``verification.json`` as installed (None: absent), ``record_where``
    its path, ``tag`` the release tag of the installed version, ``reinstall`` the command that
    reinstalls. Raises :class:`ChecksumFileError` (no record, one that cannot be read, or one
    made for another release), :class:`ChecksumMismatchError` (the binary is not the one
    recorded) or :class:`PinnedChecksumsError` (the record's archive digest is not the pinned
    one); :class:`StorageError` if the binary cannot be read.
    """
    record = _record_for(record_bytes, record_where, tag=tag, reinstall=reinstall)
    expected_name = Path(record.binary_path).name
    if binary.name != expected_name:
        raise ChecksumMismatchError(
            f"the installed binary is {binary}, but {record_where} records "
            f"{record.binary_path!r}. Reinstall the package: {reinstall}"
        )
    got = _hash_installed(binary, reinstall)
    if not hmac.compare_digest(got, record.binary_sha256):
        raise ChecksumMismatchError(
            asset=f"the installed binary {binary}",
            algorithm="sha256",
            expected=record.binary_sha256,
            got=got,
            where=f"the record made at install ({record_where})",
            advice=f"It has changed since it was installed. Do not run it; reinstall the "
            f"package: {reinstall}",
        )
    lines = [
        f"binary: {binary}: sha256 {got}, as recorded at install",
        f"archive: {record.archive} ({record.target}, {record.tag}): {record.algorithm} "
        f"{record.archive_digest}, verified at install against {record.checksums} from "
        f"{record.checksums_source} ({record.trust})",
        f"vouched for by: {record.vouched_by.describe()}",
        _check_pins(record, record_where, package_dir, reinstall),
    ]
    if record.build_info is not None:
        lines.append(_build_info_line(record.build_info))
    return lines


def _record_for(
    record_bytes: bytes | None, record_where: str, *, tag: str, reinstall: str
) -> Record:
    """The installed record, refused (ChecksumFileError) when absent or made for another tag."""
    if record_bytes is None:
        raise ChecksumFileError(
            f"{record_where} is missing, so nothing records what was verified when this "
            f"package was installed (an editable install, or one built before records were "
            f"kept). Reinstall it: {reinstall}"
        )
    record = parse_record(record_bytes, record_where)
    if record.tag != tag:
        raise ChecksumFileError(
            f"{record_where} records the release {record.tag}, but the installed package is "
            f"the one for {tag}: the record is not this installation's. Reinstall: {reinstall}"
        )
    return record


def _hash_installed(binary: Path, reinstall: str) -> str:
    """The sha256 (hex) of the installed ``binary``, which must be a regular file."""
    try:
        # O_NONBLOCK: a FIFO put in the binary's place would block the open for ever (red team).
        fd = os.open(
            binary, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
        )
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise ChecksumMismatchError(
                    f"the installed binary {binary} is not a regular file (a pipe, device or "
                    f"folder stands in its place). Do not run it; reinstall the package: "
                    f"{reinstall}"
                )
            return copy_hashing(handle, None, "sha256")
    except OSError as exc:
        raise StorageError(f"cannot read the binary {binary}: {exc.strerror or exc}") from exc


def _check_pins(record: Record, record_where: str, package_dir: Path, reinstall: str) -> str:
    """The line on the package's pins; PinnedChecksumsError if they disagree with the record."""
    pins_path = package_dir / PINS_NAME
    pins = load_pins(pins_path, algorithm=record.algorithm)
    if pins is None:
        return f"pins: none in this package ({pins_path} is absent)"
    pinned = pins.get(record.archive)
    if pinned is None or not hmac.compare_digest(pinned, record.archive_digest):
        raise PinnedChecksumsError(
            f"{record_where} says {record.archive} had {record.algorithm} "
            f"{record.archive_digest}, but the checksums pinned in this package "
            f"({pins_path}) have {pinned or '(no entry)'}: the binary did not come from "
            f"the release this package pins. Reinstall the package: {reinstall}"
        )
    return f"pins: {record.archive} is pinned with that digest ({pins_path})"


def _build_info_line(info: Mapping[str, Any]) -> str:
    main = info.get("main")
    main = main if isinstance(main, dict) else {}
    return f"build info: {info.get('go_version')}, {main.get('path')} {main.get('version')}"
