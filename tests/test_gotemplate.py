"""The Go template subset, checked against what Go's text/template renders for the same input."""

from __future__ import annotations

import contextlib

import pytest
from cerebrium_cli._gotemplate import render
from cerebrium_cli.errors import TemplateError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

FIELDS = {
    "ProjectName": "cerebrium",
    "Version": "2.1.0-beta.1",
    "Tag": "v2.1.0-beta.1",
    "Os": "linux",
    "Arch": "amd64",
    "Arm": "",
    "Mips": "",
    "Amd64": "v1",
    "Binary": "cerebrium",
}
GORELEASER_DEFAULT = (
    "{{ .ProjectName }}_{{ .Version }}_{{ .Os }}_{{ .Arch }}{{ with .Arm }}v{{ . }}{{ end }}"
    '{{ with .Mips }}_{{ . }}{{ end }}{{ if not (eq .Amd64 "v1") }}{{ .Amd64 }}{{ end }}'
)
UNAME_STYLE = (
    '{{ .ProjectName }}_{{ .Version }}_{{- title .Os }}_{{- if eq .Arch "amd64" }}x86_64'
    '{{- else if eq .Arch "386" }}i386{{- else }}{{ .Arch }}{{ end }}'
    "{{- if .Arm }}v{{ .Arm }}{{ end }}"
)


def r(template: str, **overrides: object) -> str:
    return render(template, {**FIELDS, **overrides})


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({}, "cerebrium_2.1.0-beta.1_linux_amd64"),
        ({"Amd64": "v3"}, "cerebrium_2.1.0-beta.1_linux_amd64v3"),
        ({"Arch": "arm64", "Amd64": ""}, "cerebrium_2.1.0-beta.1_linux_arm64"),
        ({"Arch": "arm", "Arm": "7", "Amd64": ""}, "cerebrium_2.1.0-beta.1_linux_armv7"),
        (
            {"Arch": "mips", "Mips": "softfloat", "Amd64": ""},
            "cerebrium_2.1.0-beta.1_linux_mips_softfloat",
        ),
    ],
)
def test_goreleaser_default_archive_template(overrides: dict[str, object], expected: str) -> None:
    assert r(GORELEASER_DEFAULT, **overrides) == expected


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({}, "cerebrium_2.1.0-beta.1_Linux_x86_64"),
        ({"Os": "darwin", "Arch": "arm64"}, "cerebrium_2.1.0-beta.1_Darwin_arm64"),
        ({"Os": "windows", "Arch": "386"}, "cerebrium_2.1.0-beta.1_Windows_i386"),
        ({"Arch": "arm", "Arm": "6"}, "cerebrium_2.1.0-beta.1_Linux_armv6"),
    ],
)
def test_uname_style_template_with_trimming(overrides: dict[str, object], expected: str) -> None:
    assert r(UNAME_STYLE, **overrides) == expected


def test_folded_yaml_template_with_newlines_trims_like_go() -> None:
    folded = "{{ .ProjectName }}_\n{{- title .Os }}_\n{{- .Arch }}\n"
    assert r(folded) == "cerebrium_Linux_amd64\n"


def test_trim_markers() -> None:
    assert r("a  {{- .Os -}}  b") == "alinuxb"
    assert r("a  {{- .Os }}  b") == "alinux  b"
    assert r("a  {{ .Os -}}  \n b") == "a  linuxb"


def test_comments_render_nothing() -> None:
    assert r("a{{/* a comment */}}b") == "ab"
    assert r("a {{- /* trimmed */ -}} b") == "ab"


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ('{{ replace .Version "-beta" "b" }}', "2.1.0b.1"),
        # Go appends the piped value as the LAST argument: replace(".", "_", .Version) -> "."
        ('{{ .Version | replace "." "_" }}', "."),
        ('{{ trimprefix .Tag "v" }}', "2.1.0-beta.1"),
        ('{{ .Tag | trimprefix "v" }}', "v"),  # TrimPrefix("v", .Tag)
        ('{{ trimsuffix .Version ".1" }}', "2.1.0-beta"),
        ("{{ toupper .Os }}", "LINUX"),
        ("{{ .Os | toupper | tolower }}", "linux"),
        ("{{ title .ProjectName }}", "Cerebrium"),
        ('{{ title "hello wide world" }}', "Hello Wide World"),
        ('{{ if eq .Os "darwin" "linux" }}unix{{ end }}', "unix"),
        ('{{ if ne .Os "linux" }}no{{ else }}yes{{ end }}', "yes"),
        ("{{ if and .Os .Arm }}both{{ else }}not both{{ end }}", "not both"),
        ("{{ if or .Arm .Os }}either{{ end }}", "either"),
        ("{{ or .Arm .Os }}", "linux"),
        ("{{ and .Os .Arch }}", "amd64"),
        ("{{ if not .Arm }}no arm{{ end }}", "no arm"),
        ("{{ with .Os }}{{ . }}!{{ else }}none{{ end }}", "linux!"),
        ("{{ with .Arm }}{{ . }}{{ else }}none{{ end }}", "none"),
        (
            '{{ if eq .Os "windows" }}w{{ else if eq .Os "linux" }}'
            '{{ if eq .Arch "amd64" }}la{{ end }}{{ end }}',
            "la",
        ),
        ('{{ "a\\"b\\\\c\\td" }}', 'a"b\\c\td'),
        ('{{ "\\x41\\u00e9\\101" }}', "A\u00e9A"),
        ('{{ "}}" }}', "}}"),  # a closing delimiter inside a string does not end the action
        ("{{/* }} */}}x", "x"),
        ("{{ `raw \\n` }}", "raw \\n"),
        ('{{ eq (toupper .Os) "LINUX" }}', "true"),
        ("no actions at all", "no actions at all"),
    ],
)
def test_functions_and_control(template: str, expected: str) -> None:
    assert r(template) == expected


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{{ .Nope }}", r"unknown field \.Nope .*known fields: \.Amd64, \.Arch"),
        ("{{ upper .Os }}", r"function 'upper' is not supported.*supported: and, eq"),
        ("{{ .Os ", r"unclosed action"),
        ("{{ if .Os }}x", r"has no \{\{ end \}\}"),
        ("{{ if .Os }}x{{ else }}y", r"has no \{\{ end \}\}"),
        ("x{{ end }}", r"unexpected \{\{ end \}\}"),
        ("x{{ else }}", r"unexpected \{\{ else \}\}"),
        ("{{ if }}x{{ end }}", r"without a condition"),
        ('{{ replace .Os "a" }}', r"replace takes 3 argument\(s\), got 2"),
        ("{{ eq .Os }}", r"eq needs at least two arguments"),
        ("{{ not }}", r"not takes 1 argument"),
        ('{{ (eq .Os "a" }}', r"unbalanced '\('"),
        ("{{ .Os ) }}", r"unbalanced '\)'"),
        ("{{ $x := 1 }}", r"unsupported syntax"),
        ("{{ 3 }}", r"unsupported syntax"),
        ("{{ .Os | .Arch }}", r"only a function can follow"),
        ('{{ "a\\q" }}', r"unsupported escape"),
        ("{{}}", r"empty action"),
        ("{{ . }}", r"cannot be printed"),
        ("{{ with .Os }}{{ .Arch }}{{ end }}", r"inside a with block"),
        ("{{/* open ", r"unclosed comment"),
        ('{{ "}}" }}x{{ "a', r"unclosed action|unterminated"),
        ("{{ if .Os }}{{ end extra }}", r"unexpected words after end"),
        ("{{ .Os .Arch }}", r"expected '\|'"),
        ("{{ eq }}", r"at least one argument|at least two"),
        ("{{ title }}", r"title takes 1"),
    ],
)
def test_errors_name_the_problem_and_the_template(template: str, message: str) -> None:
    with pytest.raises(TemplateError, match=message) as info:
        r(template)
    assert (
        repr(template) in str(info.value)
        or "eq needs" in str(info.value)
        or "cannot be printed" in str(info.value)
    )


@given(st.text(alphabet=st.sampled_from(list('{}-. |()"`/*aeifnodwlsqtOAr_$\\ \n')), max_size=60))
def test_any_text_renders_or_raises_template_error(template: str) -> None:
    try:
        result = r(template)
    except TemplateError:
        return
    assert isinstance(result, str)


@given(st.text(max_size=40))
def test_any_unicode_renders_or_raises_template_error(template: str) -> None:
    with contextlib.suppress(TemplateError):
        assert isinstance(r(template), str)


# --- Differential: the same templates through Go's own text/template ---------------------------

GO_CORPUS = [
    GORELEASER_DEFAULT,
    UNAME_STYLE,
    '{{ .Version | replace "." "_" }}',
    '{{ .Tag | trimprefix "v" }}',
    '{{ trimsuffix .Version ".1" }}{{ title "a-b c_d" }}',
    '{{ if eq .Os "darwin" "linux" }}unix{{ else }}other{{ end }}',
    '{{ if ne .Arch "amd64" }}x{{ else if and .Os (not .Arm) }}y{{ end }}',
    "{{ with .Arm }}v{{ . }}{{ else }}-{{ end }}",
    "a {{- /* c */ -}} b {{- .Os }}\n\t{{ .Arch -}}\n z",
    '{{ "\\x41\\u00e9\\101\\a" }}',
    "{{ eq .Os (not .Arm) }}",  # comparing a string with a bool is an error in Go
    '{{ replace .Os (eq .Os "x") "y" }}',  # a bool where a string is needed: an error
    '{{ or .Arm "" }}|{{ and .Os "" }}|{{ and .Os .Arch }}',
    "{{ .Nope }}",
    "{{ if .Os }}unclosed",
    '{{ "}}" }}{{/* }} */}}',
]


@pytest.fixture(scope="module")
def go_render(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """Run templates through a Go program that uses text/template with GoReleaser's functions."""
    import json
    import os
    import subprocess
    from pathlib import Path

    out = tmp_path_factory.mktemp("gotmpl") / "gotmpl"
    source = Path(__file__).parent / "gotmpl"
    env = {
        **os.environ,
        "GOFLAGS": "-mod=mod",
        "GOPROXY": "off",
        "GOTOOLCHAIN": "local",
        "CGO_ENABLED": "0",
    }
    env.setdefault("GOCACHE", str(tmp_path_factory.mktemp("gocache")))
    subprocess.run(["go", "build", "-o", str(out), "."], cwd=source, env=env, check=True)

    def go(templates: list[str]) -> list[dict[str, str]]:
        lines = "".join(json.dumps({"template": t, "fields": FIELDS}) + "\n" for t in templates)
        result = subprocess.run([str(out)], input=lines, capture_output=True, text=True, check=True)
        return [json.loads(line) for line in result.stdout.splitlines()]

    return go


def _python(template: str) -> dict[str, str]:
    try:
        return {"ok": r(template)}
    except TemplateError as exc:
        return {"error": str(exc)}


def _agree(template: str, go: dict[str, str], py: dict[str, str]) -> None:
    if "ok" in go and "map[" in go["ok"]:
        return  # Go prints the whole field map for a bare top-level dot; we refuse to
    assert go.keys() == py.keys(), (template, go, py)
    if "ok" in go:
        assert go["ok"] == py["ok"], template


def test_corpus_renders_exactly_as_go_does(go_render) -> None:  # type: ignore[no-untyped-def]
    for template, go in zip(GO_CORPUS, go_render(GO_CORPUS)):
        _agree(template, go, _python(template))


_PIECES = st.sampled_from(
    [
        "{{", "}}", "{{- ", " -}}", " ", "\n", "_", "x", ".Os", ".Arch", ".Arm", ".Version", ".",
        '"v"', '"linux"', '""', "`raw`", "(", ")", "|", "if ", "else ", "with ", "end",
        "eq ", "ne ", "not ", "and ", "or ", "title ", "tolower ", "toupper ", "replace ",
        "trimprefix ", "trimsuffix ", "/*", "*/",
    ]
)  # fmt: skip


@given(st.lists(st.lists(_PIECES, max_size=12).map("".join), min_size=50, max_size=50))
@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_generated_templates_agree_with_go(go_render, templates: list[str]) -> None:  # type: ignore[no-untyped-def]
    for template, go in zip(templates, go_render(templates)):
        _agree(template, go, _python(template))
