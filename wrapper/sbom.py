"""A CycloneDX SBOM made from the Go build information of the binary a wheel carries.

GoReleaser publishes ``<archive>.sbom.json`` only when a release configures ``sboms``; the real
releases do not, so each wheel otherwise carries this one, written in ``.dist-info/sboms/``
(PEP 770). Its facts are the binary's own (``buildinfo.read_buildinfo``), as ``go version -m``
prints them, laid out as the tools that read Go binaries do:

* ``metadata.component``: the main module (``type: application``), with the binary's name and
  SHA-256 and its ``GOOS``/``GOARCH``/``CGO_ENABLED`` as ``metadata.properties`` in the
  ``cdx:gomod`` namespace of the CycloneDX property taxonomy (as cyclonedx-gomod's ``bin``
  mode writes them);
* the Go standard library as syft names it: ``stdlib``, version ``go1.26.8``, purl
  ``pkg:golang/stdlib@1.26.8``, BSD-3-Clause, the ``golang:go`` CPE;
* every dependency, as syft reports it: a module replaced by another takes the replacement's
  path, version and sum, one replaced by a directory keeps its own path and has no version
  (``(devel)`` is no version: syft's ``UNKNOWN``); its purl is ``pkg:golang/<path>@<version>``,
  percent-encoded as packageurl-go encodes it; its Go checksum (``h1:``, a SHA-256 of the
  module's file tree) is both a ``SHA-256`` hash, hex, as cyclonedx-gomod gives it, and the
  ``syft:metadata:h1Digest`` property, the string syft reports, so tools reading either find it.

The document is deterministic, a function of the build information and the binary's digest:
no timestamp, keys sorted, components ordered by bom-ref, and the ``serialNumber`` a UUID
derived from the rest of the document (RFC 4122 name-based, SHA-1 in the URL namespace of its
text), so the same binary always gives the same bytes and the wheels stay byte-identical.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from .buildinfo import BuildInfo, Module

__all__ = ["SPEC_VERSION", "cyclonedx", "purl", "sbom_name"]

SPEC_VERSION = "1.6"
_DEVEL = "(devel)"  # Go's version of a module built from a directory (no VCS tag)
_STDLIB_LICENSE = "BSD-3-Clause"
# The build settings cyclonedx-gomod records as cdx:gomod:build:env:<name> (taxonomy cdx/gomod).
_BUILD_ENV = ("GOARCH", "GOOS", "CGO_ENABLED")


def sbom_name(binary_name: str) -> str:
    """The SBOM's file name in ``.dist-info/sboms/``: ``mycli.cdx.json`` for ``mycli``."""
    return f"{binary_name}.cdx.json"


def purl(path: str, version: str) -> str:
    """``pkg:golang/<path>@<version>``: each path segment and the version percent-encoded as
    packageurl-go does (syft's encoder), the slashes of the module path kept; no ``@`` without
    a version."""
    segments = "/".join(quote(segment, safe="") for segment in path.split("/") if segment)
    return f"pkg:golang/{segments}" + (f"@{quote(version, safe='')}" if version else "")


def cyclonedx(
    info: BuildInfo, *, binary_name: str, binary_sha256: str, tool: tuple[str, str]
) -> bytes:
    """The SBOM of one binary, as UTF-8 JSON ending in a newline.

    ``binary_name`` and ``binary_sha256`` (lowercase hex) identify the file the build
    information was read from; ``tool`` is the ``(name, version)`` of the package writing it.
    """
    main = info.main.path or info.path
    main_version = _version(info.main.version)
    main_ref = purl(main, main_version)
    components = {ref: component for ref, component in map(_dependency, info.deps)}
    stdlib = _stdlib(info.go_version)
    components.setdefault(stdlib["bom-ref"], stdlib)
    components.pop(main_ref, None)  # a binary never lists its main module as a dependency
    properties = [
        {"name": "cdx:gomod:binary:name", "value": binary_name},
        {"name": "cdx:gomod:binary:hash:SHA-256", "value": binary_sha256},
        *(
            {"name": f"cdx:gomod:build:env:{key}", "value": value}
            for key in _BUILD_ENV
            if (value := info.setting(key)) is not None
        ),
    ]
    document: dict[str, Any] = {
        "$schema": f"http://cyclonedx.org/schema/bom-{SPEC_VERSION}.schema.json",
        "bomFormat": "CycloneDX",
        "specVersion": SPEC_VERSION,
        "version": 1,
        "metadata": {
            "tools": {"components": [{"type": "application", "name": tool[0], "version": tool[1]}]},
            "component": _component(main_ref, main, main_version, kind="application"),
            "properties": properties,
        },
        "components": [components[ref] for ref in sorted(components)],
        # What the main module links, and nothing about the dependencies' own edges, which
        # the build information does not record (CycloneDX: an absent entry is unknown, an
        # empty one would claim none).
        "dependencies": [{"ref": main_ref, "dependsOn": sorted(components)}],
    }
    # The serial number names this content: the same document always gets the same one.
    body = _dumps(document)
    document["serialNumber"] = uuid.uuid5(uuid.NAMESPACE_URL, body).urn
    return (_dumps(document, indent=2) + "\n").encode("utf-8")


def _dumps(document: Mapping[str, Any], indent: int | None = None) -> str:
    return json.dumps(document, indent=indent, sort_keys=True, ensure_ascii=False)


def _version(version: str) -> str:
    """A module version for the SBOM: Go's ``(devel)`` is none (syft: ``UNKNOWN``)."""
    return "" if version == _DEVEL else version


def _component(
    ref: str, name: str, version: str, *, kind: str = "library", **more: Any
) -> dict[str, Any]:
    component: dict[str, Any] = {"bom-ref": ref, "type": kind, "name": name, "purl": ref, **more}
    if version:
        component["version"] = version
    return component


def _dependency(module: Module) -> tuple[str, dict[str, Any]]:
    """A ``dep`` line as syft reads it: (bom-ref, component)."""
    path, resolved = module.path, module
    if module.replace is not None:
        resolved = module.replace
        # A replacement by a directory (./x, ../x, /x) is the module at its own path.
        if not resolved.path.startswith((".", "/")):
            path = resolved.path
    version = _version(resolved.version)
    ref = purl(path, version)
    more: dict[str, Any] = {}
    if resolved.sum.startswith("h1:"):
        digest = _h1_sha256(resolved.sum)
        if digest is not None:
            more["hashes"] = [{"alg": "SHA-256", "content": digest}]
        more["properties"] = [{"name": "syft:metadata:h1Digest", "value": resolved.sum}]
    return ref, _component(ref, path, version, **more)


def _h1_sha256(h1: str) -> str | None:
    """The hex SHA-256 an ``h1:<base64>`` Go checksum holds; None if it is not 32 bytes."""
    try:
        raw = base64.b64decode(h1.removeprefix("h1:"), validate=True)
    except binascii.Error:
        return None
    return raw.hex() if len(raw) == 32 else None


def _stdlib(go_version: str) -> dict[str, Any]:
    """The Go toolchain's standard library, as syft records it: ``go1.26.8`` is
    ``pkg:golang/stdlib@1.26.8`` and ``cpe:2.3:a:golang:go:1.26.8:-:*:*:*:*:*:*``."""
    token = go_version.split()[0] if go_version.split() else go_version
    number = token.removeprefix("go")
    ref = purl("stdlib", number)
    return _component(
        ref,
        "stdlib",
        token,
        cpe=f"cpe:2.3:a:golang:go:{number}:-:*:*:*:*:*:*",
        licenses=[{"license": {"id": _STDLIB_LICENSE}}],
    )
