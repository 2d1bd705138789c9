"""Reading JSON that arrived from elsewhere: a downloaded bundle, an API's answer, a record.

``json.loads`` on hostile bytes fails in more ways than ``ValueError``: 1 MiB of ``[`` nests a
million levels and raises ``RecursionError``; bytes that are not UTF-8 raise
``UnicodeDecodeError``; a huge document exhausts memory; and a document of the wrong shape raises
``TypeError`` or ``KeyError`` wherever it is read (``None["x"]``, ``"text".get``). This module is
the one place that turns every such failure into the caller's package error with one clear
message (issue 22, item 5): the size is capped before parsing, nesting is refused past
:data:`MAX_DEPTH` (RFC 8259 section 9 lets a parser set limits on depth), and
:class:`Document` reads members by name and type, naming the path of whatever is missing or of
the wrong type.

It is pure: bytes in, a value or an error out.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NoReturn

from .errors import BootstrapError

__all__ = ["MAX_DEPTH", "Document", "load", "load_object"]

# The formats read here nest a dozen levels at most (a Sigstore bundle inside GitHub's listing
# of attestations: ~10; goreleaser.yaml as recorded: ~6); 64 leaves room and keeps any parser
# a document is handed to (sigstore's, pydantic's) far from its own recursion limits.
MAX_DEPTH = 64

_NAMES: dict[type, str] = {
    dict: "an object",
    list: "a list",
    str: "a string",
    int: "a number",
    float: "a number",
    bool: "true or false",
    type(None): "null",
}


def _kind(value: object) -> str:
    return _NAMES.get(type(value), type(value).__name__)


def load(
    raw: bytes, where: str, what: str, error: type[BootstrapError], *, limit: int, advice: str = ""
) -> Any:
    """The JSON value in ``raw``, or ``error`` saying why not.

    ``where`` names the bytes (a file, a URL) and ``what`` the format expected, for the message
    ``"<where> is not <what>: <problem>[; <advice>]"``. Refused: more than ``limit`` bytes, bytes
    that are not UTF-8 (RFC 8259 section 8.1), text that is not JSON, and nesting deeper than
    :data:`MAX_DEPTH`. Never raises anything but ``error``.
    """

    def refuse(problem: str) -> NoReturn:
        raise error(f"{where} is not {what}: {problem}" + (f"; {advice}" if advice else ""))

    if len(raw) > limit:
        refuse(f"it is {len(raw)} bytes, over the {limit} allowed")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        refuse(f"it is not UTF-8 text ({exc.reason} at byte {exc.start})")
    try:
        value = json.loads(text)
    except RecursionError:
        # The C scanner refuses recursion past the interpreter's limit, cleanly.
        refuse(f"it nests deeper than {MAX_DEPTH} levels")
    except ValueError as exc:  # JSONDecodeError; an integer too long to convert
        refuse(f"it is not JSON ({exc})")
    if _depth_over(value, MAX_DEPTH):
        refuse(f"it nests deeper than {MAX_DEPTH} levels")
    return value


def load_object(
    raw: bytes, where: str, what: str, error: type[BootstrapError], *, limit: int, advice: str = ""
) -> Document:
    """:func:`load`, for a document whose top level must be an object: a :class:`Document`."""
    value = load(raw, where, what, error, limit=limit, advice=advice)
    document = Document(value, where, what, error, advice=advice)
    if not isinstance(value, dict):
        document.refuse(f"it is {_kind(value)}, not an object")
    return document


def _depth_over(value: object, limit: int) -> bool:
    """Whether ``value`` nests lists and objects more than ``limit`` deep; iterative, so a
    document that the scanner accepted cannot make this recurse either."""
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


@dataclass(frozen=True)
class Document:
    """An object from :func:`load_object`, read member by member with the types expected.

    Each accessor raises the document's ``error`` naming the member's path
    (``messageSignature.messageDigest.algorithm``) when it is missing or of another type, so a
    caller never meets ``KeyError`` or ``TypeError`` from a document of the wrong shape.
    """

    value: Mapping[str, Any]
    where: str
    what: str
    error: type[BootstrapError]
    path: str = ""
    advice: str = ""

    def refuse(self, problem: str) -> NoReturn:
        """Raise the document's error: ``"<where> is not <what>: <problem>"``."""
        advice = f"; {self.advice}" if self.advice else ""
        raise self.error(f"{self.where} is not {self.what}: {problem}{advice}")

    def get(self, key: str) -> object:
        """The member ``key``, or None when it is absent."""
        return self.value.get(key)

    def member(self, key: str, kind: type[Any], *, optional: bool = False) -> Any:
        """The member ``key``, which must be of ``kind``; None if absent and ``optional``."""
        name = f"{self.path}.{key}" if self.path else key
        if key not in self.value:
            if optional:
                return None
            self.refuse(f"it has no {name!r}")
        found = self.value[key]
        if optional and found is None:
            return None
        # bool is an int to Python, never a number to JSON
        if not isinstance(found, kind) or (kind in (int, float) and isinstance(found, bool)):
            self.refuse(f"{name!r} is {_kind(found)}, not {_NAMES.get(kind, kind.__name__)}")
        return found

    def text(self, key: str) -> str:
        """The string member ``key``."""
        found: str = self.member(key, str)
        return found

    def items(self, key: str) -> list[Any]:
        """The list member ``key``."""
        found: list[Any] = self.member(key, list)
        return found

    def child(self, key: str) -> Document:
        """The object member ``key``, as a Document of its own."""
        return self._nested(key, self.member(key, dict))

    def optional_child(self, key: str) -> Document | None:
        """The object member ``key``, or None when it is absent or null."""
        found = self.member(key, dict, optional=True)
        return None if found is None else self._nested(key, found)

    def _nested(self, key: str, value: Mapping[str, Any]) -> Document:
        path = f"{self.path}.{key}" if self.path else key
        return Document(value, self.where, self.what, self.error, path, self.advice)
