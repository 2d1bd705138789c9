"""The Go template subset: GoReleaser's real templates, Go's semantics, errors a person can act on.

The last tests run the same templates through Go's own text/template (tests/gotmpl) and require
the same name, or an error from both. Go is a real outside tool, as pip is: they are marked e2e,
so the unit run (``-m "not e2e"``) needs no Go.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from cerebrium_cli._gotemplate import Namespace, Unknowable, render
from cerebrium_cli.errors import TemplateError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

FIELDS: dict[str, object] = {
    "ProjectName": "cerebrium",
    "Version": "2.0.0",
    "Tag": "v2.0.0",
    "Os": "linux",
    "Arch": "amd64",
    "Arm": "",
    "Mips": "",
    "Amd64": "v1",
    "Binary": "cerebrium",
}
# GoReleaser's default archives.name_template (internal/pipe/archive).
GORELEASER_DEFAULT = (
    "{{ .ProjectName }}_{{ .Version }}_{{ .Os }}_{{ .Arch }}{{ with .Arm }}v{{ . }}{{ end }}"
    '{{ with .Mips }}_{{ . }}{{ end }}{{ if not (eq .Amd64 "v1") }}{{ .Amd64 }}{{ end }}'
)
# The uname-style template of `goreleaser init`, the most common one in real configs.
UNAME_STYLE = (
    '{{ .ProjectName }}_{{ .Version }}_{{- title .Os }}_{{- if eq .Arch "amd64" }}x86_64'
    '{{- else if eq .Arch "386" }}i386{{- else }}{{ .Arch }}{{ end }}'
    "{{- if .Arm }}v{{ .Arm }}{{ end }}"
)


def r(template: str, **overrides: object) -> str:
    return render(template, {**FIELDS, **overrides})


def error_of(template: str, **overrides: object) -> str:
    with pytest.raises(TemplateError) as info:
        r(template, **overrides)
    return str(info.value)


# --- GoReleaser's templates ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({}, "cerebrium_2.0.0_linux_amd64"),
        ({"Amd64": "v3"}, "cerebrium_2.0.0_linux_amd64v3"),
        # GoReleaser sets Amd64 to "" off amd64: not (eq "" "v1") is true, and appends "".
        ({"Arch": "arm64", "Amd64": ""}, "cerebrium_2.0.0_linux_arm64"),
        ({"Arch": "arm", "Arm": "7", "Amd64": ""}, "cerebrium_2.0.0_linux_armv7"),
        (
            {"Arch": "mips", "Mips": "softfloat", "Amd64": ""},
            "cerebrium_2.0.0_linux_mips_softfloat",
        ),
        ({"Os": "windows", "Arch": "386", "Amd64": ""}, "cerebrium_2.0.0_windows_386"),
    ],
)
def test_goreleaser_default_archive_template(overrides: dict[str, object], expected: str) -> None:
    assert r(GORELEASER_DEFAULT, **overrides) == expected


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({}, "cerebrium_2.0.0_Linux_x86_64"),
        ({"Os": "darwin", "Arch": "arm64", "Amd64": ""}, "cerebrium_2.0.0_Darwin_arm64"),
        ({"Os": "windows", "Arch": "386", "Amd64": ""}, "cerebrium_2.0.0_Windows_i386"),
        ({"Arch": "arm", "Arm": "6", "Amd64": ""}, "cerebrium_2.0.0_Linux_armv6"),
    ],
)
def test_uname_style_template(overrides: dict[str, object], expected: str) -> None:
    assert r(UNAME_STYLE, **overrides) == expected


def test_yaml_folded_template_trims_newlines_like_go() -> None:
    # name_template: >- spread over lines, joined by trim markers.
    assert (
        r("{{ .ProjectName }}_\n  {{- title .Os }}_\n\t{{- .Arch }}\n") == "cerebrium_Linux_amd64\n"
    )


def test_none_is_the_empty_string() -> None:
    template = "[{{ .Arm }}]{{ with .Arm }}arm{{ end }}{{ if eq .Arm `` }}none{{ end }}"
    assert r(template, Arm=None) == "[]none"


# --- trim markers and comments ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("a  {{- .Os -}}  b", "alinuxb"),
        ("a \n\t {{- .Os }}  b", "alinux  b"),
        ("a  {{ .Os -}} \r\n b", "a  linuxb"),
        ("a {{-\t.Os\n-}} b", "alinuxb"),  # any whitespace next to the marker will do
        ("a {{- .Os }}{{ .Arch -}} b", "alinuxamd64b"),
        ("{{ .Os -}}   {{- .Arch }}", "linuxamd64"),
        ("a {{.Os}} b", "a linux b"),  # no spaces needed inside the braces
        ("a {{- /* trimmed */ -}} b", "ab"),
        ("a{{/* a comment */}}b", "ab"),
        ("a{{/**/}}b", "ab"),
        ('{{/* }} and " and ` */}}x', "x"),
        ("a {{- /* multi\nline */}} b", "a b"),
    ],
)
def test_trim_markers_and_comments(template: str, expected: str) -> None:
    assert r(template) == expected


@pytest.mark.parametrize(
    "template",
    [
        "{{-3}}",  # in Go a number, -3, not a trim marker; numbers are not supported
        "{{ .Os-}}",  # the marker needs whitespace before it
        "{{- -}}",
        "{{-/* c */}}",
        "{{ /* c */ }}",
    ],
)
def test_trim_markers_need_whitespace(template: str) -> None:
    with pytest.raises(TemplateError):
        r(template)


# --- values, functions, pipes -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        # strings, raw strings and Go's escapes
        ('{{ "a\\"b\\\\c\\td\\ne" }}', 'a"b\\c\td\ne'),
        ('{{ "\\x41\\u00e9\\U0001F600\\101\\a\\b\\f\\r\\v" }}', "A\u00e9\U0001f600A\a\b\f\r\v"),
        ('{{ "}}" }}', "}}"),  # a closing delimiter inside a string does not end the action
        ('{{ `raw \\n "x" }}` }}', 'raw \\n "x" }}'),
        ("{{ `two\r\nlines` }}", "two\nlines"),  # Go drops carriage returns from raw strings
        ('{{ "" }}{{ `` }}', ""),
        ("{{ true }} {{ false }}", "true false"),
        # fields, dot and with
        ("{{ .Env.HOME }}", "/home/me"),
        ("{{ with .Env }}{{ .HOME }}{{ end }}", "/home/me"),
        ("{{ with .Os }}{{ . }}!{{ else }}none{{ end }}", "linux!"),
        ("{{ with .Arm }}{{ . }}{{ else }}none{{ end }}", "none"),
        ("{{ with .Arm }}a{{ else with .Mips }}m{{ else with .Os }}{{ . }}{{ end }}", "linux"),
        # every function
        ('{{ replace .Tag "v" "" }}', "2.0.0"),
        ('{{ replace "a.b.c" "." "_" }}', "a_b_c"),
        ('{{ replace "ab" "" "-" }}', "-a-b-"),
        ('{{ trimprefix .Tag "v" }}', "2.0.0"),
        ('{{ trimprefix .Version "v" }}', "2.0.0"),
        ('{{ trimsuffix .Binary "ium" }}', "cerebr"),
        ("{{ toupper .Os }}", "LINUX"),
        ('{{ tolower "LiNuX" }}', "linux"),
        ("{{ title .ProjectName }}", "Cerebrium"),
        ('{{ eq .Os "linux" }} {{ eq .Os "darwin" }}', "true false"),
        ('{{ ne .Os "linux" }} {{ ne .Os "darwin" }}', "false true"),
        ("{{ not .Arm }} {{ not .Os }}", "true false"),
        ("{{ and .Os .Arch }}|{{ and .Arm .Os }}|{{ and .Os }}", "amd64||linux"),
        ("{{ or .Arm .Os }}|{{ or .Arm .Mips }}|{{ or .Os .Arch }}", "linux||linux"),
        # eq with more arguments: true if the first equals any of the rest
        ('{{ eq .Os "darwin" "linux" }}', "true"),
        ('{{ eq .Os "darwin" "windows" "freebsd" }}', "false"),
        ('{{ eq .Os "linux" true }}', "true"),  # Go stops at the match before the bool
        ("{{ eq true true }} {{ ne false true }}", "true true"),
        # and/or stop at the argument that decides: the rest is never evaluated
        ("{{ or .Os .Nope }}", "linux"),
        ("{{ and .Arm (title true) }}", ""),
        # pipes: the piped value is the LAST argument, as in Go
        ("{{ .Os | title }}", "Linux"),
        ("{{ .Os | toupper | tolower }}", "linux"),
        ('{{ "" | replace .Tag "v" }}', "2.0.0"),  # replace .Tag "v" ""
        # replace "v" "" .Version: in "v", replace "" (before and after each rune) with .Version
        ('{{ .Version | replace "v" "" }}', "2.0.0v2.0.0"),
        ('{{ .Tag | trimprefix "v" }}', "v"),  # trimprefix "v" .Tag, likewise
        ('{{ "v" | trimprefix .Tag }}', "2.0.0"),
        ('{{ .Arm | eq "" }}', "true"),
        ("{{ .Arm | or .Os }}", "linux"),
        ("{{ .Os | or .Arm }}", "linux"),
        ("{{ .Os | and .Arm }}", ""),
        # parentheses
        ('{{ eq (toupper .Os) "LINUX" }}', "true"),
        ('{{ if not (eq .Amd64 "v1") }}{{ .Amd64 }}{{ end }}', ""),
        ('{{ (replace (toupper .Os) "L" "l") }}', "lINUX"),
        ("{{ ( .Os | title ) | toupper }}", "LINUX"),
        ("{{ (.Os) }}", "linux"),
        ("{{ (.Env).HOME }}", "/home/me"),
        ("{{ .Os | }}{{ (.Arch |) }}", "linuxamd64"),  # Go ignores a trailing pipe
        # if / else if / else, nested
        ('{{ if eq .Os "windows" }}w{{ else if eq .Os "darwin" }}d{{ else }}o{{ end }}', "o"),
        ('{{ if eq .Os "linux" }}{{ if eq .Arch "amd64" }}la{{ end }}{{ end }}', "la"),
        ("{{ if .Arm }}a{{ else }}{{ with .Os }}{{ . | title }}{{ end }}{{ end }}", "Linux"),
        ("{{ if and .Os (not .Arm) }}yes{{ end }}", "yes"),
        ("{{ if or .Arm .Mips }}yes{{ else }}no{{ end }}", "no"),
        ("{{ if false }}{{ .Nope }}{{ replace }}{{ .Os | .Arch }}{{ end }}ok", "ok"),
        ("no actions at all", "no actions at all"),
        ("", ""),
        ("}} alone", "}} alone"),
    ],
)
def test_values_functions_and_control(template: str, expected: str) -> None:
    assert r(template, Env={"HOME": "/home/me"}) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # GoReleaser's title is cases.Title(language.English): it also lowers the rest of a word
        ("linux", "Linux"),
        ("hello wide world", "Hello Wide World"),
        ("AMD64", "Amd64"),
        ("myCLI tool", "Mycli Tool"),
        ("x86_64", "X86_64"),  # _ and digits continue a word
        ("4a a4a", "4A A4a"),
        ("a-b c/d", "A-B C/D"),
        ("don't stop", "Don't Stop"),  # ' . : continue a word...
        ("v2.1.0-beta.1", "V2.1.0-Beta.1"),
        ("a..b", "A..B"),  # ...unless two meet
        ("ǆemal ßa", "ǅemal Ssa"),
        ("", ""),
    ],
)
def test_title_is_cases_title(text: str, expected: str) -> None:
    assert r("{{ title .X }}", X=text) == expected


def test_tolower_and_toupper_map_rune_by_rune_like_go() -> None:
    assert r("{{ toupper .X }}", X="straße") == "STRAßE"  # Python's upper() would give SS
    assert r("{{ tolower .X }}", X="İSTANBUL") == "istanbul"
    assert r("{{ toupper .X }}", X="ĳssel é") == "ĲSSEL É"


def test_non_string_fields_print_as_go_prints_them() -> None:
    assert r("{{ .Major }}.{{ .Dirty }}", Major=2, Dirty=False) == "2.false"
    assert r("{{ if .Major }}{{ eq .Major .Minor }}{{ end }}", Major=2, Minor=2) == "true"
    assert r("{{ if .Minor }}minor{{ end }}", Minor=0) == ""


def test_an_unknowable_field_fails_only_when_read() -> None:
    commit = Unknowable("cannot be known here")
    assert r("{{ if false }}{{ .Commit }}{{ end }}ok", Commit=commit) == "ok"
    assert r("{{ or .Tag .Commit }}", Commit=commit) == "v2.0.0"  # or stops at .Tag
    message = error_of("x-{{ .Commit }}", Commit=commit)
    assert "'.Commit' cannot be known here" in message


def test_a_namespace_names_the_missing_key_without_listing_the_others() -> None:
    env = Namespace({"TOKEN": "s3cret", "CHANNEL": "beta"}, "{name} is not set")
    assert r("{{ .Env.CHANNEL }}", Env=env) == "beta"
    message = error_of("{{ .Env.NOPE }}", Env=env)
    assert "NOPE is not set" in message
    assert "TOKEN" not in message
    assert "s3cret" not in message


# --- errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("template", "pieces"),
    [
        # unknown field: which one, and the known ones, sorted
        (
            "{{ .Nope }}",
            ["unknown field '.Nope'", ".Amd64, .Arch, .Arm, .Binary, .Env, .Mips, .Os"],
        ),
        ("x{{ .Os }}{{ .Nope }}", ["unknown field '.Nope'", "in '{{ .Nope }}'", ".ProjectName"]),
        ("{{ .Env.NOPE }}", ["unknown field '.NOPE'", "the known fields are .HOME"]),
        ("{{ with .Os }}{{ .Arch }}{{ end }}", ["cannot read the field .Arch", "'linux'", "with"]),
        ("{{ .Os.Arch }}", ["cannot read the field .Arch of the string 'linux'"]),
        # unknown function, and words that are not supported
        ("{{ upper .Os }}", ["unknown function 'upper'", "and, eq, ne, not, or, replace, title"]),
        ("{{ .Os | split }}", ["unknown function 'split'"]),
        ("{{ range .Os }}{{ end }}", ["'range' is not supported", "if, else if, else, with"]),
        ('{{ define "x" }}{{ end }}', ["'define' is not supported"]),
        ("{{ nil }}", ["'nil' is not supported"]),
        ("{{ .Os | if }}", ["'if' can only start an action"]),
        # unclosed actions, strings and comments
        ("{{ .Os ", ["'{{' is never closed", "'{{ .Os '", "close it with }}"]),
        ("a {{ .Os }} {{ .Arch", ["'{{' is never closed", "'{{ .Arch'"]),
        ('{{ "abc }}', ["a string is never closed"]),
        ('{{ "a\nb" }}', ["a string is never closed"]),
        ("{{ `abc }}", ["a string is never closed"]),
        ("{{/* open ", ["a comment is never closed"]),
        ("{{/* c */ .Os }}", ["a comment must end right before }}"]),
        # unexpected end / else, missing end
        ("x{{ end }}", ["{{ end }} without an open {{ if }} or {{ with }}", "'{{ end }}'"]),
        ("x{{ else }}", ["{{ else }} without an open {{ if }} or {{ with }}"]),
        ("{{ if .Os }}x", ["{{ if }} is never closed", "'{{ if .Os }}'", "add {{ end }}"]),
        ("{{ with .Os }}x{{ else }}y", ["{{ with }} is never closed"]),
        ("{{ if .Os }}{{ else if .Arch }}y", ["{{ if }} is never closed", "'{{ else if .Arch }}'"]),
        ("{{ if .Os }}{{ with .Os }}{{ end }}", ["{{ if }} is never closed"]),
        ("{{ if .Os }}a{{ else }}b{{ else }}c{{ end }}", ["a second {{ else }} for one {{ if }}"]),
        ("{{ if .Os }}{{ end extra }}", ["unexpected 'extra' after end"]),
        ("{{ if .Os }}{{ else .Arch }}{{ end }}", ["{{ else .Arch }} cannot continue a {{ if }}"]),
        # as in Go, else if continues only an if, and else with only a with
        ("{{ with .Os }}{{ else if .Arch }}{{ end }}", ["{{ else if }} cannot continue a {{ with"]),
        ("{{ if .Os }}{{ else with .Arch }}{{ end }}", ["{{ else with }} cannot continue a {{ if"]),
        ("{{ if }}x{{ end }}", ["{{ if }} needs a value to test"]),
        ("{{ with }}x{{ end }}", ["{{ with }} needs a value to test"]),
        # wrong argument counts
        (
            '{{ replace .Os "a" }}',
            ["replace takes 3 arguments but got 2", "replace STRING OLD NEW"],
        ),
        ('{{ .Os | replace "a" "b" "c" }}', ["replace takes 3 arguments but got 4", "piped"]),
        ("{{ not }}", ["not takes 1 argument but got 0"]),
        ("{{ not .Os .Arch }}", ["not takes 1 argument but got 2"]),
        ("{{ eq .Os }}", ["eq takes at least 2 arguments but got 1"]),
        ("{{ ne .Os .Os .Os }}", ["ne takes 2 arguments but got 3"]),
        ("{{ and }}", ["and takes at least 1 argument but got 0"]),
        ("{{ title }}", ["title takes 1 argument but got 0"]),
        ("{{ trimprefix .Os }}", ["trimprefix takes 2 arguments but got 1"]),
        ("{{ eq title .Os }}", ["title takes 1 argument but got 0", "parentheses: (title ...)"]),
        # wrong argument types
        ("{{ title true }}", ["title: expected a string, got the bool true"]),
        ("{{ toupper . }}", ["toupper: expected a string, got a set of fields"]),
        ("{{ eq .Os true }}", ["eq: cannot compare the string 'linux' with the bool true"]),
        ("{{ eq . . }}", ["eq: cannot compare a set of fields"]),
        # syntax that is not supported, or not Go
        ("{{ $x := .Os }}", ["unsupported syntax '$x'", "variables are not supported"]),
        ("{{ $.Os }}", ["unsupported syntax '$.Os'"]),
        ("{{ 3 }}", ["unsupported syntax '3'", "numbers are not supported"]),
        ("{{ .a² }}", ["unsupported syntax '.a²'"]),  # Go's names: letters, digits 0-9 and _
        ('{{ eq .Os "a", "b" }}', ["unsupported syntax ','"]),
        ("{{ .Os + .Arch }}", ["unsupported syntax '+'"]),
        ("{{ {{ .Os }} }}", ["unsupported syntax '{{'"]),
        ("{{}}", ["empty action", "supported: .Field"]),
        ("{{ -}}", ["empty action"]),
        ("{{ . }}", ["a set of fields cannot be printed", "print one field"]),
        ("{{ .Env }}", ["a set of fields cannot be printed"]),
        ('{{ .Os | "x" }}', ["'\"x\"' after '|' is not a function"]),
        ("{{ .Os | . }}", ["'.' after '|' is not a function"]),
        ("{{ .Os | | title }}", ["'|' must be followed by a function"]),
        ("{{ | title }}", ["missing a value before '|'"]),
        ("{{ .Os | .Arch }}", ["'.Arch' is not a function, so it takes no arguments"]),
        ('{{ .Os "x" }}', ["'.Os' is not a function, so it takes no arguments"]),
        ("{{ title(.Os) }}", ["missing space before '('", "(f x), not f(x)"]),
        ('{{ eq .Os"linux" }}', ["missing space before '\"linux\"'"]),
        ('{{ "x".Os }}', ["'\"x\"' has no fields"]),
        ("{{ ..Os }}", ["'.' has no fields"]),
        ('{{ (eq .Os "a" }}', ["'(' is never closed"]),
        ("{{ ( }}", ["'(' is never closed"]),
        ("{{ () }}", ["missing a value before ')'"]),
        ("{{ .Os ) }}", ["unexpected ')' without a matching '('"]),
        ('{{ "a\\q" }}', ["unsupported escape \\q", "the escapes supported are"]),
        ('{{ "\\xff" }}', ["unsupported escape \\xff"]),
        ('{{ "\\400" }}', ["unsupported escape \\400"]),
        ('{{ "\\ud800" }}', ["unsupported escape \\ud800"]),
        ('{{ "\\x4" }}', ["unsupported escape \\x"]),
        ("{{ '\\''}}", ["unsupported syntax"]),
    ],
)
def test_errors_say_what_is_wrong_where_and_what_is_supported(
    template: str, pieces: list[str]
) -> None:
    message = error_of(template, Env={"HOME": "/home/me"})
    assert message.startswith(f"cannot render the template {template!r}: ")
    for piece in pieces:
        assert piece in message


def test_deep_nesting_is_a_template_error_not_a_recursion_error() -> None:
    for template in (
        "{{ " + "(" * 5000 + ".Os" + ")" * 5000 + " }}",
        "{{ if .Os }}" * 5000 + "{{ end }}" * 5000,
        "{{ if .Arm }}" + "{{ else if .Arm }}" * 5000 + "{{ end }}",
        "{{ with .Os }}" * 5000,
    ):
        with pytest.raises(TemplateError, match="more than 50"):
            r(template)
    assert r("{{ " + "(" * 50 + ".Os" + ")" * 50 + " }}") == "linux"
    assert r("{{ if .Os }}" * 50 + "x" + "{{ end }}" * 50) == "x"


# --- any input: a string or a TemplateError, never another exception ------------------------------

_SYNTAX = [*"{}-. |()\"`/*\\$:=,'0123\t\n", "{{", "}}", "{{- ", " -}}", "/*", "*/"]
_WORDS = ["if ", "else ", "with ", "end", "eq ", "ne ", "not ", "and ", "or ", "title ", "true"]
_WORDS += ["replace ", "trimprefix ", "toupper ", ".Os", ".Arm", ".Env", ".HOME", ".", "x", "é"]


@given(st.text(max_size=80))
def test_any_text_renders_or_raises_template_error(template: str) -> None:
    with contextlib.suppress(TemplateError):
        assert isinstance(r(template, Env={"HOME": "/home/me"}), str)


@given(st.lists(st.sampled_from(_SYNTAX + _WORDS), max_size=40).map("".join))
@settings(max_examples=500)
def test_any_template_like_text_renders_or_raises_template_error(template: str) -> None:
    with contextlib.suppress(TemplateError):
        assert isinstance(r(template, Env={"HOME": "/home/me"}, Arm=None), str)


# --- the same templates through Go's text/template ---------------------------------------------

GO_CORPUS = [
    GORELEASER_DEFAULT,
    UNAME_STYLE,
    "{{ .ProjectName }}_\n  {{- title .Os }}_\n\t{{- .Arch }}\n",
    '{{ .Version | replace "." "_" }}',
    '{{ .Tag | trimprefix "v" }}{{ trimprefix .Tag "v" }}',
    '{{ trimsuffix .Version ".0" }}{{ title "a-b c_d x86_64 don t" }}',
    '{{ if eq .Os "darwin" "linux" }}unix{{ else }}other{{ end }}',
    '{{ if ne .Arch "amd64" }}x{{ else if and .Os (not .Arm) }}y{{ end }}',
    "{{ with .Arm }}v{{ . }}{{ else }}-{{ end }}",
    "a {{- /* c */ -}} b {{- .Os }}\n\t{{ .Arch -}}\n z",
    '{{ "\\x41\\u00e9\\101\\a" }}{{ `r\\n` }}',
    "{{ eq .Os (not .Arm) }}",
    '{{ eq .Os "linux" (not .Arm) }}',
    '{{ replace .Os (eq .Os "x") "y" }}',
    '{{ or .Arm "" }}|{{ and .Os "" }}|{{ and .Os .Arch }}|{{ or .Os .Nope }}',
    "{{ .Nope }}",
    "{{ if .Arm }}{{ .Nope }}{{ .Os | .Arch }}{{ eq title .Os }}{{ .Os.Arch }}{{ end }}",
    "{{ if .Os }}unclosed",
    '{{ "}}" }}{{/* }} */}}',
    "{{ title(.Os) }}",
    '{{ eq .Os"x" }}',
    "{{ .Os | . }}",
    "{{ if true }}t{{ end }}{{ false }}",
    "{{ .Os | }}{{ (.Arch |) }}",
]


def _go_renderer(tmp: Path) -> Callable[[list[str]], list[dict[str, str]]]:
    """Build tests/gotmpl: text/template with GoReleaser's functions, templates on stdin."""
    out = tmp / "gotmpl"
    env = {**os.environ, "GOFLAGS": "-mod=mod", "GOPROXY": "off", "GOTOOLCHAIN": "local"}
    env.setdefault("GOCACHE", str(tmp / "gocache"))
    subprocess.run(
        ["go", "build", "-o", str(out), "."],
        cwd=Path(__file__).parent / "gotmpl",
        env={**env, "CGO_ENABLED": "0"},
        check=True,
    )

    def go(templates: list[str]) -> list[dict[str, str]]:
        lines = "".join(json.dumps({"template": t, "fields": FIELDS}) + "\n" for t in templates)
        result = subprocess.run([str(out)], input=lines, capture_output=True, text=True, check=True)
        return [json.loads(line) for line in result.stdout.splitlines()]

    return go


@pytest.fixture(scope="module")
def go_render(
    tmp_path_factory: pytest.TempPathFactory,
) -> Callable[[list[str]], list[dict[str, str]]]:
    if shutil.which("go") is None:  # a required test tool (.ci/run installs it): never skip
        pytest.fail("Go is not installed; the differential tests need its text/template")
    return _go_renderer(tmp_path_factory.mktemp("gotmpl"))


def _python(template: str) -> dict[str, str]:
    try:
        return {"ok": r(template)}
    except TemplateError as exc:
        return {"error": str(exc)}


def _agree(template: str, go: dict[str, str], py: dict[str, str]) -> None:
    if "ok" in go and "map[" in go["ok"]:
        return  # Go prints the whole field map for a top-level {{ . }}; we refuse to
    if "error" in go and "ok" in py and re.search(r"else\s+with", template):
        return  # {{ else with }} is Go 1.23; the Go here may be older
    assert go.keys() == py.keys(), (template, go, py)
    if "ok" in go:
        if "title" in template:
            # tests/gotmpl's title only upper-cases; GoReleaser's cases.Title also lowers the rest
            # of each word, which test_title_is_cases_title pins down.
            assert go["ok"].lower() == py["ok"].lower(), template
        else:
            assert go["ok"] == py["ok"], template


@pytest.mark.e2e
def test_corpus_renders_as_go_does(go_render: Callable[[list[str]], list[dict[str, str]]]) -> None:
    for template, go in zip(GO_CORPUS, go_render(GO_CORPUS)):
        _agree(template, go, _python(template))


_PIECES = st.sampled_from(
    [
        "{{", "}}", "{{- ", " -}}", " ", "\n", "_", "x", ".Os", ".Arch", ".Arm", ".Version", ".",
        '"v"', '"linux"', '""', "`raw`", "(", ")", "|", "if ", "else ", "with ", "end",
        "eq ", "ne ", "not ", "and ", "or ", "title ", "tolower ", "toupper ", "replace ",
        "trimprefix ", "trimsuffix ", "true ", "/*", "*/",
    ]
)  # fmt: skip


@pytest.mark.e2e
@given(st.lists(st.lists(_PIECES, max_size=14).map("".join), min_size=100, max_size=100))
@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_generated_templates_render_as_go_does(
    go_render: Callable[[list[str]], list[dict[str, str]]], templates: list[str]
) -> None:
    for template, go in zip(templates, go_render(templates)):
        _agree(template, go, _python(template))


_ACTION_PIECES = st.sampled_from(
    [
        ".Os", ".Arch", ".Arm", ".Version", ".Tag", ".", '"v"', '"linux"', '""', "(", ")", "|",
        "eq", "ne", "not", "and", "or", "title", "tolower", "toupper", "replace", "trimprefix",
        "trimsuffix", "true", "false",
    ]
)  # fmt: skip
_ACTIONS = st.lists(_ACTION_PIECES, min_size=1, max_size=6).map(" ".join)
_BLOCKS = st.recursive(
    _ACTIONS.map(lambda a: "{{ " + a + " }}") | st.sampled_from(["_", "x", " "]),
    lambda inner: st.builds(
        lambda kw, cond, body, other: f"{{{{ {kw} {cond} }}}}{body}{other}{{{{ end }}}}",
        st.sampled_from(["if", "with"]),
        _ACTIONS,
        st.lists(inner, max_size=3).map("".join),
        st.none().map(lambda _: "")
        | st.lists(inner, max_size=2).map(lambda b: "{{ else }}" + "".join(b)),
    ),
    max_leaves=8,
)


@pytest.mark.e2e
@given(st.lists(_BLOCKS, min_size=100, max_size=100))
@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_well_formed_templates_render_as_go_does(
    go_render: Callable[[list[str]], list[dict[str, str]]], templates: list[str]
) -> None:
    # Balanced blocks with random pipelines, so most templates parse and many render.
    for template, go in zip(templates, go_render(templates)):
        _agree(template, go, _python(template))
