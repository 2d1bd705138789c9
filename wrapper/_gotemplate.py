"""GoReleaser name templates, rendered as Go's text/template renders them.

GoReleaser names every asset (archives, checksums, wrap directories, binaries) with Go templates.
To keep goreleaser.yaml the single source of truth, the wrapper computes the same names by
rendering those templates itself: the subset of text/template that real configs use, with Go's
semantics, and a :class:`TemplateError` for anything else, so a name is never silently wrong.

The subset:

* text, and actions ``{{ ... }}``; the trim markers ``{{- `` and `` -}}``, which remove all the
  whitespace before or after the action; comments ``{{/* ... */}}``;
* ``.Name`` (a field), ``.A.B`` (a field of a field), and ``.``, the dot: the fields at the top,
  the value of the enclosing ``with`` inside one;
* ``"strings"`` with Go's escapes, ```raw strings```, ``true`` and ``false``;
* function calls; pipelines ``x | f a``, which call ``f a x`` (the piped value is the *last*
  argument); parentheses;
* ``if`` / ``else if`` / ``else`` / ``end`` and ``with`` / ``else with`` / ``else`` / ``end``;
* Go's ``eq`` (true if the first argument equals any other), ``ne``, ``not``, ``and`` and ``or``
  (which return an argument, and stop at the first that decides), and GoReleaser's ``title``
  (``cases.Title``), ``tolower``, ``toupper``, ``replace`` (``strings.ReplaceAll(s, old, new)``),
  ``trimprefix`` and ``trimsuffix`` (internal/tmpl/tmpl.go).

Not supported: numbers, ``nil``, variables, ``range``, ``define``, ``template``, ``block``,
other functions, and printing a whole set of fields (``{{ . }}`` at the top level).

Two kinds of field values let the caller refuse what it cannot know: an :class:`Unknowable`
value fails the render when (and only when) the template reads it, as Go's evaluation is lazy;
a :class:`Namespace` (GoReleaser's ``.Env``) names a missing key without listing the others.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple, NoReturn, Union

from .errors import TemplateError

__all__ = ["Namespace", "Unknowable", "render"]


@dataclass(frozen=True)
class Unknowable:
    """A field whose value cannot be known here; reading it fails, saying ``reason``."""

    reason: str


class Namespace(dict[str, object]):
    """A set of fields, such as ``.Env``, whose missing keys fail with ``missing`` (a format
    string taking ``{name}``) instead of a list of the keys it has, which may be secrets."""

    def __init__(self, values: Mapping[str, object], missing: str) -> None:
        super().__init__(values)
        self.missing = missing


def render(template: str, fields: Mapping[str, object]) -> str:
    """Render ``template`` with ``fields`` (names without the dot) exactly as GoReleaser would.

    A field whose value is None renders as the empty string.
    """
    nodes = _Parser(template).parse()
    return _Renderer(template, fields).render(nodes)


# No real name template nests this deep; the limit keeps Python's recursion limit out of reach,
# so a hostile template fails with a TemplateError like any other.
_MAX_DEPTH = 50

_SPACE = " \t\r\n"  # Go's isSpace: what trim markers remove and what separates arguments
_ACTIONS_HINT = "the actions supported are if, else if, else, with, else with and end"
_SYNTAX_HINT = (
    'supported: .Field, . (dot), "string", `raw string`, true, false, functions, '
    "pipes (|) and parentheses"
)


def _fail(template: str, problem: str, where: str | None = None, hint: str = "") -> NoReturn:
    message = f"cannot render the template {template!r}: {problem}"
    if where is not None and where != template:
        message += f" in {where!r}"
    raise TemplateError(f"{message}; {hint}" if hint else message)


def _excerpt(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


# --- the functions: Go's builtins and GoReleaser's (internal/tmpl/tmpl.go) ------------------------


class _Refused(Exception):
    """A function refused its arguments; the renderer adds where, in the template."""


def _describe(value: object) -> str:
    if isinstance(value, bool):
        return f"the bool {'true' if value else 'false'}"
    if isinstance(value, Mapping):
        return "a set of fields"
    return f"the {'string' if isinstance(value, str) else type(value).__name__} {value!r}"


def _truth(value: object) -> bool:
    """Go's truth: empty strings, false, zero, nil and empty maps are false."""
    return bool(value)


def _string(value: object) -> str:
    # Go's string functions have string parameters: text/template refuses anything else.
    if not isinstance(value, str):
        raise _Refused(f"expected a string, got {_describe(value)}")
    return value


def _kind(value: object) -> str | None:
    """Go's basic kinds: eq compares only values of the same one."""
    if isinstance(value, bool):
        return "bool"
    for kind, python_type in (("int", int), ("float", float), ("string", str)):
        if isinstance(value, python_type):
            return kind
    return None


def _eq(first: object, *others: object) -> bool:
    # As Go: stop at the first match, and refuse a mismatched kind only when reached.
    if _kind(first) is None:
        raise _Refused(f"cannot compare {_describe(first)}")
    for other in others:
        if _kind(other) != _kind(first):
            raise _Refused(f"cannot compare {_describe(first)} with {_describe(other)}")
        if first == other:
            return True
    return False


# Word-break classes of golang.org/x/text/cases (info.go): letters, digits, connectors (_) and
# combining marks continue a word; these "mid" characters continue it too, unless two meet.
_MID = frozenset(
    "'.:\u00b7\u0387\u055f\u05f4\u2018\u2019\u2024\u2027\ufe13\ufe52\ufe55\uff07\uff0e\uff1a"
)


def _title(value: object) -> str:
    """cases.Title(language.English): each word's first letter upper-cased, the rest lowered."""
    out: list[str] = []
    in_word = was_mid = False
    for char in _string(value):
        mid = char in _MID or unicodedata.category(char) == "Cf"
        if was_mid and mid:
            in_word = False
        if char.islower() or char.isupper() or char.istitle():
            out.append(char.lower() if in_word else char.title())
            in_word = True
        else:
            out.append(char)
            if not (mid or char.isalnum() or unicodedata.category(char) in ("Pc", "Mn", "Mc")):
                in_word = False
        was_mid = mid
    return "".join(out)


def _per_rune(text: str, convert: Callable[[str], str]) -> str:
    """Go's strings.ToUpper maps rune by rune: "ß" stays "ß" where Python's makes "SS"."""
    if text.isascii():
        return convert(text)
    out = []
    for char in text:
        mapped = convert(char)
        out.append(mapped if len(mapped) == 1 else "i" if char == "\u0130" else char)
    return "".join(out)


class _Function(NamedTuple):
    usage: str
    min_args: int
    max_args: int | None  # None: no maximum
    apply: Callable[..., object] | None  # None: and/or, which the renderer short-circuits


_FUNCTIONS = {
    "and": _Function("and X Y...: the first empty argument, else the last", 1, None, None),
    "eq": _Function("eq X Y...: whether X equals any of the others", 2, None, _eq),
    "ne": _Function("ne X Y", 2, 2, lambda x, y: not _eq(x, y)),
    "not": _Function("not X", 1, 1, lambda x: not _truth(x)),
    "or": _Function("or X Y...: the first non-empty argument, else the last", 1, None, None),
    "replace": _Function(
        "replace STRING OLD NEW",
        3,
        3,
        lambda s, old, new: _string(s).replace(_string(old), _string(new)),
    ),
    "title": _Function("title STRING", 1, 1, _title),
    "tolower": _Function("tolower STRING", 1, 1, lambda s: _per_rune(_string(s), str.lower)),
    "toupper": _Function("toupper STRING", 1, 1, lambda s: _per_rune(_string(s), str.upper)),
    "trimprefix": _Function(
        "trimprefix STRING PREFIX", 2, 2, lambda s, p: _string(s).removeprefix(_string(p))
    ),
    "trimsuffix": _Function(
        "trimsuffix STRING SUFFIX", 2, 2, lambda s, p: _string(s).removesuffix(_string(p))
    ),
}
_FUNCTIONS_HINT = "the functions supported are " + ", ".join(sorted(_FUNCTIONS))
_UNSUPPORTED_WORDS = frozenset({"range", "define", "template", "block", "break", "continue", "nil"})

# --- the tree -------------------------------------------------------------------------------------
# Named tuples, not dataclasses: nothing here needs more, and a frozen dataclass costs about
# 0.5 ms to define, at every import (each build process, each bootstrap command).


class _Literal(NamedTuple):
    value: object  # str or bool
    text: str  # as written, for messages


class _Dot(NamedTuple):
    text: str = "."


class _Field(NamedTuple):
    base: _Operand | None  # None: read from the dot
    names: tuple[str, ...]
    text: str


class _Call(NamedTuple):
    """A function name used as a value: Go calls it with no arguments."""

    name: str
    text: str


class _Command(NamedTuple):
    head: _Operand  # a _Call takes the arguments; anything else refuses them
    args: tuple[_Operand, ...]


class _Pipeline(NamedTuple):
    commands: tuple[_Command, ...]  # each later command gets the value so far as last argument
    text: str


_Operand = Union[_Literal, _Dot, _Field, _Call, _Pipeline]


class _Text(NamedTuple):
    text: str


class _Output(NamedTuple):
    pipeline: _Pipeline
    source: str  # the action as written, for messages


class _Branch(NamedTuple):
    keyword: str  # "if" or "with"
    condition: _Pipeline
    body: tuple[_Node, ...]
    otherwise: tuple[_Node, ...]
    source: str


_Node = Union[_Text, _Output, _Branch]

# --- splitting text from actions ------------------------------------------------------------------


class _Part(NamedTuple):
    text: str  # the text, or the inside of an action without delimiters and trim markers
    source: str | None  # the action as written; None for text


def _space_at(text: str, index: int) -> bool:
    return index < len(text) and text[index] in _SPACE


def _right_delimiter(template: str, index: int) -> tuple[int, bool] | None:
    """``}}`` or `` -}}`` at ``index``: where it ends, and whether it trims what follows."""
    if template.startswith("}}", index):
        return index + 2, False
    if _space_at(template, index) and template.startswith("-}}", index + 1):
        return index + 4, True
    return None


def _split(template: str) -> list[_Part]:
    """The text and the actions, with trim markers applied and comments dropped, as Go lexes."""
    parts: list[_Part] = []
    position, trim_text = 0, False
    while True:
        start = template.find("{{", position)
        text = template[position:] if start < 0 else template[position:start]
        if trim_text:
            text = text.lstrip(_SPACE)
        if start < 0:
            parts.append(_Part(text, None))
            return parts
        inside = start + 2
        if template.startswith("-", inside) and _space_at(template, inside + 1):
            text = text.rstrip(_SPACE)
            inside += 2
        parts.append(_Part(text, None))
        if template.startswith("/*", inside):
            position, trim_text = _comment_end(template, start, inside)
        else:
            position, inside_end, trim_text = _action_end(template, start, inside)
            parts.append(_Part(template[inside:inside_end], template[start:position]))


def _comment_end(template: str, start: int, inside: int) -> tuple[int, bool]:
    close = template.find("*/", inside + 2)
    if close < 0:
        _fail(template, "a comment is never closed", _excerpt(template[start:]), "end it with */}}")
    delimiter = _right_delimiter(template, close + 2)
    if delimiter is None:
        _fail(template, "a comment must end right before }}", _excerpt(template[start:]))
    return delimiter


def _action_end(template: str, start: int, inside: int) -> tuple[int, int, bool]:
    """Where the action ends, where its inside ends, and whether it trims the text after it.

    As in Go, a ``}}`` inside a string does not end the action.
    """
    quote, index = "", inside
    while index < len(template):
        char = template[index]
        if quote:
            if char == "\\" and quote == '"':
                index += 1
            elif char == quote:
                quote = ""
            elif char == "\n" and quote == '"':
                break
        elif char in '"`':
            quote = char
        elif (delimiter := _right_delimiter(template, index)) is not None:
            return delimiter[0], index, delimiter[1]
        index += 1
    if quote:
        _fail(
            template,
            "a string is never closed",
            _excerpt(template[start:]),
            'close a "string" on the same line, or use a `raw string`',
        )
    _fail(template, "'{{' is never closed", _excerpt(template[start:]), "close it with }}")


# --- the tokens of one action ---------------------------------------------------------------------

_TOKEN = re.compile(
    r"""
    (?P<space>[ \t\r\n]+)
  | (?P<string>"(?:[^"\\\n]|\\.)*")
  | (?P<raw>`[^`]*`)
  | (?P<field>\.[^\W\d]\w*)
  | (?P<dot>\.)
  | (?P<word>[^\W\d]\w*)
  | (?P<punct>[()|])
    """,
    re.VERBOSE,
)
_ESCAPE = re.compile(r"\\(x[0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|[0-7]{3}|.)", re.DOTALL)
_SIMPLE_ESCAPES = {
    "a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v",
    "\\": "\\", '"': '"',
}  # fmt: skip


class _Token(NamedTuple):
    kind: str  # "string", "field", "dot", "word", "(", ")" or "|"
    text: str  # as written
    value: str  # a string's value, a field's name, or the text
    start: int
    end: int
    spaced: bool  # whitespace before it: Go needs some between arguments


def _unquote(content: str, template: str, source: str) -> str:
    """Go's strconv.Unquote, minus escapes of single non-ASCII bytes, which a str cannot hold."""

    def escape(match: re.Match[str]) -> str:
        code = match.group(1)
        if code in _SIMPLE_ESCAPES:
            return _SIMPLE_ESCAPES[code]
        if len(code) > 1:
            value = int(code, 8) if code[0].isdigit() else int(code[1:], 16)
            if code[0] in "uU" and value <= 0x10FFFF and not 0xD800 <= value <= 0xDFFF:
                return chr(value)
            if code[0] not in "uU" and value < 0x80:  # \xHH and \OOO are bytes in Go
                return chr(value)
        _fail(
            template,
            f"unsupported escape \\{code} in a string",
            source,
            'the escapes supported are \\" \\\\ \\a \\b \\f \\n \\r \\t \\v \\uHHHH \\UHHHHHHHH, '
            "and \\xHH or \\OOO below 0x80",
        )

    return _ESCAPE.sub(escape, content)


def _syntax_hint(bit: str) -> str:
    if bit[0] in "$:=":
        return "variables are not supported; " + _SYNTAX_HINT
    if bit[0] in "0123456789+-'":
        return 'numbers are not supported; write the value as a "string"'
    if bit.startswith("/*"):
        return "a comment must be a whole action: {{/* comment */}}"
    return _SYNTAX_HINT


def _go_identifier(match: re.Match[str]) -> bool:
    """Go's names are letters, decimal digits and _, where Python's \\w also takes ² and ½."""
    if match.lastgroup not in ("field", "word"):
        return True
    return all(
        char == "_" or char.isalpha() or char.isdecimal() for char in match.group().lstrip(".")
    )


def _tokenize(body: str, source: str, template: str) -> list[_Token]:
    tokens: list[_Token] = []
    position, spaced = 0, True
    while position < len(body):
        match = _TOKEN.match(body, position)
        if match is None or not _go_identifier(match):
            bit = re.split(r"[ \t\r\n]", body[position:], maxsplit=1)[0]
            _fail(template, f"unsupported syntax {_excerpt(bit, 20)!r}", source, _syntax_hint(bit))
        kind, text = match.lastgroup or "", match.group()
        if kind == "space":
            position, spaced = match.end(), True
            continue
        value = text
        if kind == "string":
            value = _unquote(text[1:-1], template, source)
        elif kind == "raw":  # Go drops carriage returns from raw strings
            kind, value = "string", text[1:-1].replace("\r", "")
        elif kind == "field":
            value = text[1:]
        elif kind == "punct":
            kind = text
        tokens.append(_Token(kind, text, value, position, match.end(), spaced))
        position, spaced = match.end(), False
    return tokens


class _Action:
    """The tokens of one action, read in order, and the action as written for messages."""

    def __init__(self, part: _Part, template: str) -> None:
        assert part.source is not None
        self.body = part.text
        self.source = part.source
        self.tokens = _tokenize(part.text, part.source, template)
        self.position = 0

    def peek(self) -> _Token | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.tokens[self.position]
        self.position += 1
        return token


# --- parsing --------------------------------------------------------------------------------------


class _Stop(NamedTuple):
    """An ``{{ end }}`` or ``{{ else ... }}``, which ends a list of nodes."""

    word: str
    action: _Action


class _Parser:
    """Recursive descent over the actions, making the checks Go makes when it parses.

    Go checks the rest (fields, argument counts, types) only when it executes an action, so a
    mistake in a branch not taken renders fine there, and here.
    """

    def __init__(self, template: str) -> None:
        self.template = template
        self.parts = _split(template)
        self.index = 0
        self.blocks = 0  # open if/with blocks
        self.parens = 0  # open parentheses

    def fail(self, problem: str, where: str, hint: str = "") -> NoReturn:
        _fail(self.template, problem, where, hint)

    def parse(self) -> list[_Node]:
        nodes, stop = self._list()
        if stop is not None:
            self.fail(
                f"{{{{ {stop.word} }}}} without an open {{{{ if }}}} or {{{{ with }}}}",
                stop.action.source,
                _ACTIONS_HINT,
            )
        return nodes

    def _list(self) -> tuple[list[_Node], _Stop | None]:
        """Nodes up to an ``end`` or ``else`` (returned) or the end of the template (None)."""
        nodes: list[_Node] = []
        while self.index < len(self.parts):
            part = self.parts[self.index]
            self.index += 1
            if part.source is None:
                if part.text:
                    nodes.append(_Text(part.text))
                continue
            action = _Action(part, self.template)
            first = action.peek()
            if first is None:
                self.fail("empty action", action.source, _SYNTAX_HINT)
            if first.kind == "word" and first.value in ("end", "else"):
                action.take()
                return nodes, _Stop(first.value, action)
            if first.kind == "word" and first.value in ("if", "with"):
                action.take()
                nodes.append(self._block(first.value, action))
            else:
                nodes.append(_Output(self._whole_pipeline(action), action.source))
        return nodes, None

    def _block(self, keyword: str, action: _Action) -> _Branch:
        self.blocks += 1
        if self.blocks > _MAX_DEPTH:
            self.fail(f"more than {_MAX_DEPTH} nested or chained blocks", action.source)
        if action.peek() is None:
            self.fail(f"{{{{ {keyword} }}}} needs a value to test", action.source)
        condition = self._whole_pipeline(action)
        body, stop = self._list()
        otherwise: list[_Node] = []
        if stop is not None and stop.word == "else":
            chained = stop.action.peek()
            if chained is not None:
                if chained.text != keyword:
                    self.fail(
                        f"{{{{ else {chained.text} }}}} cannot continue a {{{{ {keyword} }}}}",
                        stop.action.source,
                        f"write {{{{ else }}}} or {{{{ else {keyword} ... }}}}",
                    )
                # {{ else if }} continues an if, {{ else with }} a with: one {{ end }} ends all.
                stop.action.take()
                otherwise.append(self._block(keyword, stop.action))
                self.blocks -= 1
                return _Branch(keyword, condition, tuple(body), tuple(otherwise), action.source)
            otherwise, stop = self._list()
            if stop is not None and stop.word == "else":
                self.fail(
                    f"a second {{{{ else }}}} for one {{{{ {keyword} }}}}", stop.action.source
                )
        if stop is None:
            self.fail(f"{{{{ {keyword} }}}} is never closed", action.source, "add {{ end }}")
        if (extra := stop.action.peek()) is not None:
            self.fail(f"unexpected {extra.text!r} after end", stop.action.source)
        self.blocks -= 1
        return _Branch(keyword, condition, tuple(body), tuple(otherwise), action.source)

    def _whole_pipeline(self, action: _Action) -> _Pipeline:
        pipeline = self._pipeline(action)
        if action.peek() is not None:  # only ")" ends a pipeline early
            self.fail("unexpected ')' without a matching '('", action.source)
        return pipeline

    def _pipeline(self, action: _Action) -> _Pipeline:
        start = action.position
        commands = [self._command(action, after_pipe=False)]
        while (token := action.peek()) is not None and token.kind == "|":
            action.take()
            if (token := action.peek()) is None or token.kind == ")":
                break  # Go ignores a trailing '|'
            command = self._command(action, after_pipe=True)
            if isinstance(command.head, (_Literal, _Dot)):
                self.fail(
                    f"{command.head.text!r} after '|' is not a function",
                    action.source,
                    "a pipe passes a value to a function, as in {{ .Os | title }}",
                )
            commands.append(command)
        first, last = action.tokens[start], action.tokens[action.position - 1]
        return _Pipeline(tuple(commands), action.body[first.start : last.end])

    def _command(self, action: _Action, after_pipe: bool) -> _Command:
        operands: list[_Operand] = []
        while (token := action.peek()) is not None and token.kind not in ("|", ")"):
            if operands and not token.spaced:
                self.fail(
                    f"missing space before {token.text!r}",
                    action.source,
                    "separate arguments with spaces, and call a function as (f x), not f(x)",
                )
            operands.append(self._operand(action))
        if not operands:
            if after_pipe:
                problem = "'|' must be followed by a function"
            elif token is None:
                problem = "'(' is never closed" if self.parens else "missing a value"
            else:
                problem = f"missing a value before {token.text!r}"
            self.fail(problem, action.source, _SYNTAX_HINT)
        return _Command(operands[0], tuple(operands[1:]))

    def _operand(self, action: _Action) -> _Operand:
        token = action.take()
        node: _Operand
        if token.kind == "string":
            node = _Literal(token.value, token.text)
        elif token.kind == "dot":
            node = _Dot()
        elif token.kind == "field":
            node = _Field(None, (token.value,), token.text)
        elif token.kind == "(":
            node = self._parenthesised(action)
        else:
            node = self._word(token, action)
        names: list[str] = []
        while (field := action.peek()) is not None and field.kind == "field" and not field.spaced:
            names.append(action.take().value)
        if not names:
            return node
        if isinstance(node, (_Literal, _Dot)):
            self.fail(f"{node.text!r} has no fields", action.source, "read a field as .Name")
        text = node.text + "".join(f".{name}" for name in names)
        if isinstance(node, _Field) and node.base is None:
            return _Field(None, node.names + tuple(names), text)
        return _Field(node, tuple(names), text)

    def _parenthesised(self, action: _Action) -> _Pipeline:
        self.parens += 1
        if self.parens > _MAX_DEPTH:
            self.fail(f"parentheses nested more than {_MAX_DEPTH} deep", action.source)
        pipeline = self._pipeline(action)
        if action.peek() is None:
            self.fail("'(' is never closed", action.source, "close it with ')'")
        action.take()
        self.parens -= 1
        return _Pipeline(pipeline.commands, f"({pipeline.text})")

    def _word(self, token: _Token, action: _Action) -> _Operand:
        word = token.value
        if word in ("true", "false"):
            return _Literal(word == "true", word)
        if word in ("if", "with", "else", "end"):
            self.fail(f"{word!r} can only start an action", action.source, _ACTIONS_HINT)
        if word in _UNSUPPORTED_WORDS:
            self.fail(f"{word!r} is not supported", action.source, _ACTIONS_HINT)
        if word not in _FUNCTIONS:
            self.fail(f"unknown function {word!r}", action.source, _FUNCTIONS_HINT)
        return _Call(word, word)


# --- rendering ------------------------------------------------------------------------------------


class _Renderer:
    """Evaluates the tree as Go's text/template/exec.go does, with missingkey=error."""

    def __init__(self, template: str, fields: Mapping[str, object]) -> None:
        self.template = template
        self.fields = fields
        self.where = template  # the action being evaluated, for messages

    def fail(self, problem: str, hint: str = "") -> NoReturn:
        _fail(self.template, problem, self.where, hint)

    def render(self, nodes: Sequence[_Node]) -> str:
        out: list[str] = []
        self._nodes(nodes, self.fields, out)
        return "".join(out)

    def _nodes(self, nodes: Sequence[_Node], dot: object, out: list[str]) -> None:
        for node in nodes:
            if isinstance(node, _Text):
                out.append(node.text)
                continue
            self.where = node.source
            if isinstance(node, _Output):
                out.append(self._print(self._pipeline(node.pipeline, dot)))
                continue
            value = self._pipeline(node.condition, dot)
            if _truth(value):
                self._nodes(node.body, value if node.keyword == "with" else dot, out)
            else:
                self._nodes(node.otherwise, dot, out)

    def _print(self, value: object) -> str:
        if isinstance(value, Mapping):
            self.fail(
                "a set of fields cannot be printed",
                "print one field, such as .ProjectName; {{ . }} is the whole set at the top level",
            )
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    def _pipeline(self, pipeline: _Pipeline, dot: object) -> object:
        value = self._command(pipeline.commands[0], dot, ())
        for command in pipeline.commands[1:]:
            value = self._command(command, dot, (value,))
        return value

    def _command(self, command: _Command, dot: object, piped: tuple[object, ...]) -> object:
        if isinstance(command.head, _Call):
            return self._call(command.head.name, command.args, dot, piped)
        if command.args or piped:
            self.fail(
                f"{command.head.text!r} is not a function, so it takes no arguments",
                "a piped value becomes the last argument of a function, as in {{ .Os | title }}",
            )
        return self._operand(command.head, dot)

    def _operand(self, operand: _Operand, dot: object) -> object:
        if isinstance(operand, _Literal):
            return operand.value
        if isinstance(operand, _Dot):
            return dot
        if isinstance(operand, _Call):
            return self._call(operand.name, (), dot, (), as_value=True)
        if isinstance(operand, _Pipeline):
            return self._pipeline(operand, dot)
        value = dot if operand.base is None else self._operand(operand.base, dot)
        for name in operand.names:
            value = self._field(value, name)
        return value

    def _field(self, value: object, name: str) -> object:
        if not isinstance(value, Mapping):
            self.fail(
                f"cannot read the field .{name} of {_describe(value)}",
                "inside {{ with }}, the dot is the with value, not the set of fields",
            )
        if name not in value:
            if isinstance(value, Namespace):
                self.fail(value.missing.format(name=name))
            known = ", ".join(f".{key}" for key in sorted(map(str, value)))
            self.fail(f"unknown field {'.' + name!r}", f"the known fields are {known}")
        found = value[name]
        if isinstance(found, Unknowable):
            self.fail(f"the field {'.' + name!r} {found.reason}")
        return "" if found is None else found

    def _call(
        self,
        name: str,
        args: tuple[_Operand, ...],
        dot: object,
        piped: tuple[object, ...],
        as_value: bool = False,
    ) -> object:
        function = _FUNCTIONS[name]
        count = len(args) + len(piped)
        if count < function.min_args or count > (function.max_args or count):
            wanted = f"{'' if function.max_args else 'at least '}{function.min_args}"
            hint = f"usage: {function.usage}"
            if piped:
                hint += "; the piped value counts as the last argument"
            if as_value:
                hint += f"; to pass its result as an argument, use parentheses: ({name} ...)"
            self.fail(
                f"{name} takes {wanted} argument{'s' * (function.min_args > 1)} but got {count}",
                hint,
            )
        if function.apply is None:
            # and/or stop at the first argument that decides, as in Go 1.18+: later arguments
            # are never evaluated, so they cannot fail.
            decisive = name == "or"
            value: object = None
            for arg in args:
                value = self._operand(arg, dot)
                if _truth(value) is decisive:
                    return value
            return piped[0] if piped else value
        values = [self._operand(arg, dot) for arg in args]
        try:
            return function.apply(*values, *piped)
        except _Refused as refusal:
            self.fail(f"{name}: {refusal}", f"usage: {function.usage}")
