"""Three real-world GoReleaser shapes, run end to end with cosign ``signs`` and syft ``sboms``.

``tests/goreleaser_configs/shape-*.yaml`` are the shapes issue 20 names: trivy's and act's
(linux 386, arm GOARM 6 and 7, ppc64le, s390x, amd64, arm64; windows 386 and amd64; darwin),
k9s's and gh's (a macOS universal binary, ``replace: true``) and sigstore/cosign's (one build per
OS naming its binary ``<project>-<os>-<arch>``, ``formats: [binary]``, ``checksum.split``).
Each signs its checksum file(s) with a cosign key (``--key=env://COSIGN_PRIVATE_KEY``, its
password in ``COSIGN_PASSWORD``: keyless signing needs Fulcio) and describes its archives or
binaries with syft. ``run_shape`` runs real GoReleaser on the test CLI for one
(``support/goreleaser.py``: snapshot of a local tag, offline, in the session's temporary
directory), and ``expected_names`` reads what ``bootstrap names`` must list back from
``dist/artifacts.json``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from support.goreleaser import Dist, GoReleaser
    from support.signing import CosignKeyPair

__all__ = ["CONFIGS", "SHAPES", "Shape", "expected_names", "run_shape"]

CONFIGS = Path(__file__).resolve().parent.parent / "goreleaser_configs"


@dataclass(frozen=True)
class Shape:
    config: Path
    command: str  # the CLI's command: the project's name
    per_os: bool = False  # binaries named <command>-<os>-<arch>, one build per OS


SHAPES = {
    "trivy": Shape(CONFIGS / "shape-trivy.yaml", "cerebrium"),
    "universal": Shape(CONFIGS / "shape-universal.yaml", "cerebrium"),
    "cosign": Shape(CONFIGS / "shape-cosign.yaml", "cerebrium", per_os=True),
}


def run_shape(goreleaser: GoReleaser, shape: Shape, key: CosignKeyPair) -> Dist:
    """GoReleaser's run of ``shape`` (once per session), its signs and sboms blocks included."""
    return goreleaser.run(shape.config, sign=True, sbom=True, env=key.env)


def expected_names(dist: Dist) -> list[str]:
    """The lines ``bootstrap names`` must print for ``dist``, in no order: ``<target>
    <asset>`` for each archive or uploadable binary of the CLI, ``checksums``, ``signature``,
    ``certificate`` and ``sbom`` lines for the files GoReleaser wrote."""
    from support.goreleaser import CERTIFICATE, SBOM, SIGNATURE

    lines = [f"{a.target} {a.name}" for a in dist.archives]
    lines += [f"checksums {a.name}" for a in dist.checksums]
    lines += [f"signature {a.name}" for a in dist.of_type(SIGNATURE)]
    lines += [f"certificate {a.name}" for a in dist.of_type(CERTIFICATE)]
    lines += [f"sbom {a.name}" for a in dist.of_type(SBOM)]
    return sorted(lines)
