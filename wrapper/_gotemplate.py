"""Rendering GoReleaser name templates: the subset of Go's text/template that real configs use.

GoReleaser's names (archives, checksums, wrap directories, binaries) are Go templates, so
reading goreleaser.yaml as the single source of truth means rendering them exactly as Go does.
Supported: text and ``{{ }}`` actions with ``{{-``/``-}}`` trimming and ``{{/* */}}`` comments;
fields (``.Os``) and dot; string literals ("..." with Go escapes, and `raw`); pipelines, where
the piped value becomes the last argument; parentheses; ``if``/``else if``/``else``,
``with``/``else``, ``end``; and the functions eq, ne, not, and, or, title, tolower, toupper,
replace, trimprefix, trimsuffix (as GoReleaser's internal/tmpl defines them). Anything else is a
:class:`TemplateError` naming what is not supported, never a wrong name.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Union

from .errors import TemplateError

__all__ = ["render"]


# --- the tree ---------------------------------------------------------------------------


@dataclass
class _Text:
    text: str


@dataclass
class _Field:
    name: str  # "" for dot itself


@dataclass
class _Literal:
    value: str


@dataclass
class _Call:
    name: str
    args: list[_Expr]


@dataclass
class _Pipeline:
    commands: list[_Expr]  # each later command receives the previous result as last argument


_Expr = Union[_Field, _Literal, _Call, _Pipeline]


@dataclass
class _Branch:
    kind: str  # "if" or "with"
    condition: _Pipeline
    body: list[_Node] = field(default_factory=list)
    otherwise: list[_Node] = field(default_factory=list)


@dataclass
class _Output:
    pipeline: _Pipeline


_Node = Union[_Text, _Output, _Branch]

# --- functions (GoReleaser internal/tmpl/tmpl.go and Go's text/template builtins) --------------


def _truthy(value: object) -> bool:
    return bool(value)


def _comparable(a: object, b: object) -> None:
    if type(a) is not type(b):
        raise TemplateError(f"incompatible types for comparison: {a!r} and {b!r}")


def _eq(first: object, *others: object) -> bool:
    if not others:
        raise TemplateError("eq needs at least two arguments")
    for other in others:
        _comparable(first, other)
    return any(first == other for other in others)


def _ne(a: object, b: object) -> bool:
    _comparable(a, b)
    return a != b


def _and(*args: object) -> object:
    for arg in args:
        if not _truthy(arg):
            return arg
    return args[-1]


def _or(*args: object) -> object:
    for arg in args:
        if _truthy(arg):
            return arg
    return args[-1]


def _title(s: object) -> str:
    # cases.Title: upper-case the first letter of each word, leave the rest.
    return re.sub(r"(^|[^\w])(\w)", lambda m: m.group(1) + m.group(2).upper(), _text(s))


def _text(value: object) -> str:
    """A string argument: Go's string functions refuse anything else."""
    if not isinstance(value, str):
        raise TemplateError(f"expected a string argument, got {_str(value)!r}")
    return value


def _str(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping):
        raise TemplateError(
            "dot is the whole set of fields here and cannot be printed; use a field such as .Os"
        )
    return "" if value is None else str(value)


_FUNCTIONS: dict[str, tuple[int | None, Callable[..., object]]] = {
    # name: (argument count, or None for two or more; implementation)
    "eq": (None, _eq),
    "ne": (2, _ne),
    "not": (1, lambda a: not _truthy(a)),
    "and": (None, _and),
    "or": (None, _or),
    "title": (1, _title),
    "tolower": (1, lambda s: _text(s).lower()),
    "toupper": (1, lambda s: _text(s).upper()),
    "replace": (3, lambda s, old, new: _text(s).replace(_text(old), _text(new))),
    "trimprefix": (2, lambda s, prefix: _text(s).removeprefix(_text(prefix))),
    "trimsuffix": (2, lambda s, suffix: _text(s).removesuffix(_text(suffix))),
}

# --- lexing -------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""
    (?P<space>[ \t\r\n]+)
  | (?P<string>"(?:[^"\\\n]|\\.)*")
  | (?P<raw>`[^`]*`)
  | (?P<field>\.[A-Za-z_][A-Za-z0-9_]*|\.)
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<punct>[()|])
    """,
    re.VERBOSE,
)
_ESCAPES = {
    "a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v",
    '"': '"', "\\": "\\",
}  # fmt: skip
# Numeric escapes: \x41, \u00e9, \U0001F600, \101 (octal), as in Go string literals.
_NUMERIC_ESCAPE = re.compile(
    r"\\(x[0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|[0-7]{3}|.)", re.DOTALL
)


def _tokens(action: str, template: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    while pos < len(action):
        match = _TOKEN.match(action, pos)
        if match is None:
            raise TemplateError(
                f"unsupported syntax {action[pos : pos + 20]!r} in template {template!r}; "
                'supported: fields (.Name), "strings", `raw strings`, functions, pipes and '
                "parentheses"
            )
        kind = match.lastgroup or ""
        pos = match.end()
        if kind == "space":
            continue
        text = match.group()
        if kind == "string":
            text = _NUMERIC_ESCAPE.sub(lambda m: _escape(m.group(1), template), text[1:-1])
        elif kind == "raw":
            kind, text = "string", text[1:-1]
        out.append((kind, text))
    return out


def _escape(code: str, template: str) -> str:
    if code in _ESCAPES:
        return _ESCAPES[code]
    if len(code) > 1:
        value = int(code, 8) if code[0] in "01234567" else int(code[1:], 16)
        if value > 0x10FFFF or 0xD800 <= value <= 0xDFFF or (code[0] in "0123" and value > 255):
            raise TemplateError(f"invalid escape \\{code} in template {template!r}")
        return chr(value)
    raise TemplateError(f"unsupported escape \\{code} in template {template!r}")


# --- parsing --------------------------------------------------------------------------------

_SPACE = " \t\r\n"  # Go's isSpace: what trim markers remove and what separates tokens


def _split(template: str) -> list[tuple[str, str]]:
    """Split into ("text", ...) and ("action", ...) parts, applying Go's trim markers.

    An action ends at the first ``}}`` outside a string, raw string or comment, as in Go's
    lexer; ``{{- `` and `` -}}`` (the marker next to whitespace) trim the neighbouring text.
    """
    parts: list[tuple[str, str]] = []
    pos = 0
    trim_next = False
    while True:
        start = template.find("{{", pos)
        text = template[pos : len(template) if start < 0 else start]
        if trim_next:
            text = text.lstrip(_SPACE)
        if start < 0:
            parts.append(("text", text))
            return parts
        inner = start + 2
        trim_before = template.startswith("-", inner) and template[inner + 1 : inner + 2] in tuple(
            _SPACE
        )
        if trim_before:
            text = text.rstrip(_SPACE)
            inner += 2
        parts.append(("text", text))
        end = _action_end(template, inner)
        body = template[inner:end]
        trim_next = len(body) >= 2 and body[-1] == "-" and body[-2] in _SPACE
        if trim_next:
            body = body[:-2]
        if body.startswith("/*"):
            if not body.endswith("*/") or len(body) < 4:
                raise TemplateError(f"comment does not end before '}}}}' in template {template!r}")
        else:
            parts.append(("action", body))
        pos = end + 2


def _action_end(template: str, pos: int) -> int:
    """The index of the ``}}`` that closes the action whose body starts at ``pos``."""
    if template.startswith("/*", pos):
        close = template.find("*/", pos + 2)
        if close < 0:
            raise TemplateError(f"unclosed comment in template {template!r}")
        pos = close + 2
    quote = ""
    while pos < len(template):
        char = template[pos]
        if quote:
            if char == "\\" and quote == '"':
                pos += 1
            elif char == quote:
                quote = ""
            elif char == "\n" and quote == '"':
                raise TemplateError(f"unterminated string in template {template!r}")
        elif char in '"`':
            quote = char
        elif template.startswith("}}", pos):
            return pos
        pos += 1
    raise TemplateError(f"unclosed action '{{{{' in template {template!r}")


class _Parser:
    def __init__(self, template: str) -> None:
        self.template = template
        self.parts = _split(template)
        self.pos = 0

    def parse(self) -> list[_Node]:
        nodes, stop = self._nodes()
        if stop is not None:
            raise TemplateError(f"unexpected {{{{ {stop[0]} }}}} in template {self.template!r}")
        return nodes

    def _nodes(self) -> tuple[list[_Node], tuple[str, list[tuple[str, str]]] | None]:
        """Parse until an ``end``/``else`` (returned) or the end of the template (None)."""
        nodes: list[_Node] = []
        while self.pos < len(self.parts):
            kind, text = self.parts[self.pos]
            self.pos += 1
            if kind == "text":
                if text:
                    nodes.append(_Text(text))
                continue
            tokens = _tokens(text, self.template)
            if not tokens:
                raise TemplateError(f"empty action {{{{}}}} in template {self.template!r}")
            head = tokens[0]
            if head == ("word", "end") or head == ("word", "else"):
                return nodes, (head[1], tokens[1:])
            if head in (("word", "if"), ("word", "with")):
                nodes.append(self._branch(head[1], tokens[1:]))
            else:
                nodes.append(_Output(self._pipeline(tokens)))
        return nodes, None

    def _branch(self, kind: str, condition: list[tuple[str, str]]) -> _Branch:
        if not condition:
            raise TemplateError(
                f"{{{{ {kind} }}}} without a condition in template {self.template!r}"
            )
        branch = _Branch(kind, self._pipeline(condition))
        branch.body, stop = self._nodes()
        if stop is None:
            raise TemplateError(
                f"{{{{ {kind} }}}} has no {{{{ end }}}} in template {self.template!r}"
            )
        word, rest = stop
        if word == "end":
            if rest:
                raise TemplateError(f"unexpected words after end in template {self.template!r}")
            return branch
        # else, else if ..., else with ...
        if rest and rest[0] in (("word", "if"), ("word", "with")):
            branch.otherwise = [self._branch(rest[0][1], rest[1:])]
            return branch
        if rest:
            raise TemplateError(f"unexpected words after else in template {self.template!r}")
        branch.otherwise, stop = self._nodes()
        if stop is None or stop[0] != "end" or stop[1]:
            raise TemplateError(
                f"{{{{ else }}}} has no {{{{ end }}}} in template {self.template!r}"
            )
        return branch

    def _pipeline(self, tokens: list[tuple[str, str]]) -> _Pipeline:
        commands: list[_Expr] = []
        pos = 0
        while True:
            command, pos = self._command(tokens, pos)
            commands.append(command)
            if pos == len(tokens) or tokens[pos] == ("punct", ")"):
                break
            if tokens[pos] != ("punct", "|"):
                raise TemplateError(
                    f"expected '|' at {tokens[pos][1]!r} in template {self.template!r}"
                )
            pos += 1
        if pos != len(tokens):
            raise TemplateError(f"unbalanced ')' in template {self.template!r}")
        return _Pipeline(commands)

    def _command(self, tokens: list[tuple[str, str]], pos: int) -> tuple[_Expr, int]:
        """A function call with arguments, or a single operand."""
        if pos >= len(tokens):
            raise TemplateError(f"missing value in template {self.template!r}")
        kind, text = tokens[pos]
        if kind == "word":
            if text not in _FUNCTIONS:
                raise TemplateError(
                    f"function {text!r} is not supported in template {self.template!r}; "
                    f"supported: {', '.join(sorted(_FUNCTIONS))}"
                )
            args: list[_Expr] = []
            pos += 1
            while pos < len(tokens) and tokens[pos] not in (("punct", "|"), ("punct", ")")):
                arg, pos = self._operand(tokens, pos)
                args.append(arg)
            return _Call(text, args), pos
        return self._operand(tokens, pos)

    def _operand(self, tokens: list[tuple[str, str]], pos: int) -> tuple[_Expr, int]:
        kind, text = tokens[pos]
        if kind == "field":
            return _Field(text[1:]), pos + 1
        if kind == "string":
            return _Literal(text), pos + 1
        if (kind, text) == ("punct", "("):
            depth, end = 0, pos
            for end in range(pos, len(tokens)):
                if tokens[end] == ("punct", "("):
                    depth += 1
                elif tokens[end] == ("punct", ")"):
                    depth -= 1
                    if depth == 0:
                        break
            if depth != 0:
                raise TemplateError(f"unbalanced '(' in template {self.template!r}")
            return self._pipeline(tokens[pos + 1 : end]), end + 1
        if kind == "word":
            raise TemplateError(
                f"function {text!r} used as a value in template {self.template!r}; "
                "wrap the call in parentheses"
            )
        raise TemplateError(f"unexpected {text!r} in template {self.template!r}")


# --- evaluation -------------------------------------------------------------------------------


class _Evaluator:
    def __init__(self, template: str, fields: Mapping[str, object]) -> None:
        self.template = template
        self.fields = fields

    def nodes(self, nodes: list[_Node], dot: object) -> str:
        out: list[str] = []
        for node in nodes:
            if isinstance(node, _Text):
                out.append(node.text)
            elif isinstance(node, _Output):
                out.append(_str(self.expr(node.pipeline, dot)))
            else:
                value = self.expr(node.condition, dot)
                if _truthy(value):
                    out.append(self.nodes(node.body, value if node.kind == "with" else dot))
                else:
                    out.append(self.nodes(node.otherwise, dot))
        return "".join(out)

    def expr(self, expr: _Expr, dot: object) -> object:
        if isinstance(expr, _Field):
            return self.field(expr.name, dot)
        if isinstance(expr, _Literal):
            return expr.value
        if isinstance(expr, _Pipeline):
            value: object = None
            for index, command in enumerate(expr.commands):
                if index == 0:
                    value = self.expr(command, dot)
                elif isinstance(command, _Call):
                    value = self.call(command, dot, extra=(value,))
                else:
                    raise TemplateError(
                        f"only a function can follow '|' in template {self.template!r}"
                    )
            return value
        return self.call(expr, dot)

    def call(self, call: _Call, dot: object, extra: tuple[object, ...] = ()) -> object:
        arity, function = _FUNCTIONS[call.name]
        args = [self.expr(arg, dot) for arg in call.args] + list(extra)
        if (arity is None and len(args) < 1) or (arity is not None and len(args) != arity):
            wanted = "at least one argument" if arity is None else f"{arity} argument(s)"
            raise TemplateError(
                f"{call.name} takes {wanted}, got {len(args)}, in template {self.template!r}"
            )
        return function(*args)

    def field(self, name: str, dot: object) -> object:
        if not name:
            return dot
        if isinstance(dot, Mapping) and name in dot:
            return dot[name]
        if not isinstance(dot, Mapping):
            raise TemplateError(
                f"field .{name} inside a with block refers to {dot!r}, which has no fields, "
                f"in template {self.template!r}"
            )
        raise TemplateError(
            f"unknown field .{name} in template {self.template!r}; known fields: "
            + ", ".join(f".{known}" for known in sorted(self.fields))
        )


def render(template: str, fields: Mapping[str, object]) -> str:
    """Render ``template`` with ``fields`` (names without the dot) as Go would."""
    nodes = _Parser(template).parse()
    return _Evaluator(template, fields).nodes(nodes, fields)
