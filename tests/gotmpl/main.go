// Renders Go templates with GoReleaser's name-template functions, for differential tests of the
// Python renderer: reads JSON lines {"template": "...", "fields": {...}} on stdin and writes one
// JSON line {"ok": "..."} or {"error": "..."} per input.
package main

import (
	"bufio"
	"encoding/json"
	"os"
	"strings"
	"text/template"
	"unicode"
)

// title upper-cases the first letter of each word, as cases.Title does for ASCII names.
func title(s string) string {
	prev := ' '
	return strings.Map(func(r rune) rune {
		defer func() { prev = r }()
		if !unicode.IsLetter(prev) && !unicode.IsDigit(prev) && prev != '_' {
			return unicode.ToUpper(r)
		}
		return r
	}, s)
}

// The functions as GoReleaser's internal/tmpl defines them.
var funcs = template.FuncMap{
	"replace":    strings.ReplaceAll,
	"tolower":    strings.ToLower,
	"toupper":    strings.ToUpper,
	"trimprefix": strings.TrimPrefix,
	"trimsuffix": strings.TrimSuffix,
	"title":      title,
}

type request struct {
	Template string            `json:"template"`
	Fields   map[string]string `json:"fields"`
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<20)
	out := json.NewEncoder(os.Stdout)
	for in.Scan() {
		var req request
		if err := json.Unmarshal(in.Bytes(), &req); err != nil {
			panic(err)
		}
		t, err := template.New("t").Option("missingkey=error").Funcs(funcs).Parse(req.Template)
		if err != nil {
			_ = out.Encode(map[string]string{"error": err.Error()})
			continue
		}
		var b strings.Builder
		if err := t.Execute(&b, req.Fields); err != nil {
			_ = out.Encode(map[string]string{"error": err.Error()})
			continue
		}
		_ = out.Encode(map[string]string{"ok": b.String()})
	}
}
