package diff

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math/big"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// maxAspects bounds how many body differences one answer pair lists; an
// answer of another shape altogether differs everywhere.
const maxAspects = 12

// absent shows a value one side does not have.
const absent = "(absent)"

// Compare lists how two normalised answers differ: whether both were sent,
// the status, the Content-Type, and the body. JSON bodies are compared as
// values (key order does not matter, array order does); other bodies as
// text. No aspects means the answers are the same.
func Compare(target, against Answer) []Aspect {
	if target.Sent != against.Sent {
		return []Aspect{{What: "sent", Target: sentText(target.Sent), Against: sentText(against.Sent)}}
	}
	if !target.Sent {
		return nil
	}
	if target.Error != "" || against.Error != "" {
		if target.Error == against.Error {
			return nil
		}
		return []Aspect{{What: "answer", Target: orAnswered(target.Error), Against: orAnswered(against.Error)}}
	}
	var out []Aspect
	if target.Status != against.Status {
		out = append(out, Aspect{What: "status", Target: strconv.Itoa(target.Status), Against: strconv.Itoa(against.Status)})
	}
	if target.ContentType != against.ContentType {
		out = append(out, Aspect{What: "contentType", Target: orAbsent(target.ContentType), Against: orAbsent(against.ContentType)})
	}
	x, xJSON := decode(target.Body)
	y, yJSON := decode(against.Body)
	switch {
	case xJSON && yJSON:
		jsonDiff("", x, y, &out)
	case target.Body != against.Body:
		out = append(out, Aspect{What: "body", Target: orAbsent(target.Body), Against: orAbsent(against.Body)})
	}
	return out
}

func sentText(sent bool) string {
	if sent {
		return "sent"
	}
	return "not sent: the check stopped before this request"
}

func orAnswered(err string) string {
	if err == "" {
		return "an HTTP answer"
	}
	return "no answer: " + err
}

func orAbsent(s string) string {
	if s == "" {
		return absent
	}
	return s
}

func decode(body string) (any, bool) {
	if body == "" {
		return nil, false
	}
	dec := json.NewDecoder(strings.NewReader(body))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil || dec.More() {
		return nil, false
	}
	return v, true
}

// jsonDiff appends the paths where x and y differ, at most maxAspects.
func jsonDiff(path string, x, y any, out *[]Aspect) {
	if len(*out) >= maxAspects {
		return
	}
	xm, xIsMap := x.(map[string]any)
	ym, yIsMap := y.(map[string]any)
	if xIsMap && yIsMap {
		keys := slices.Sorted(maps.Keys(xm))
		for k := range ym {
			if _, ok := xm[k]; !ok {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		for _, k := range keys {
			xv, xok := xm[k]
			yv, yok := ym[k]
			p := join(path, k)
			switch {
			case xok && yok:
				jsonDiff(p, xv, yv, out)
			case len(*out) < maxAspects:
				*out = append(*out, Aspect{What: "body", Path: p, Target: show(xv, xok), Against: show(yv, yok)})
			}
		}
		return
	}
	xa, xIsArr := x.([]any)
	ya, yIsArr := y.([]any)
	if xIsArr && yIsArr {
		for i := range max(len(xa), len(ya)) {
			p := path + "[" + strconv.Itoa(i) + "]"
			switch {
			case i < len(xa) && i < len(ya):
				jsonDiff(p, xa[i], ya[i], out)
			case len(*out) < maxAspects:
				*out = append(*out, Aspect{What: "body", Path: p, Target: show(at(xa, i)), Against: show(at(ya, i))})
			}
		}
		return
	}
	if !sameScalar(x, y) {
		*out = append(*out, Aspect{What: "body", Path: path, Target: show(x, true), Against: show(y, true)})
	}
}

// sameScalar compares numbers by value (1.0 is 1), anything else as JSON.
func sameScalar(x, y any) bool {
	xn, xok := x.(json.Number)
	yn, yok := y.(json.Number)
	if xok && yok {
		a, aok := new(big.Rat).SetString(xn.String())
		b, bok := new(big.Rat).SetString(yn.String())
		if aok && bok {
			return a.Cmp(b) == 0
		}
	}
	return canonical(x) == canonical(y)
}

func at(a []any, i int) (any, bool) {
	if i < len(a) {
		return a[i], true
	}
	return nil, false
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func show(v any, ok bool) string {
	if !ok {
		return absent
	}
	return canonical(v)
}

// indices matches array positions in a path.
var indices = regexp.MustCompile(`\[\d+\]`)

// Signature describes aspects coarsely: the statuses, and what else differs
// and where, with array positions dropped. Two answer pairs with one
// signature show, most likely, one behaviour; exploration keeps its
// differences apart by it.
func Signature(aspects []Aspect) string {
	var parts []string
	for _, a := range aspects {
		p := a.What
		switch a.What {
		case "status", "sent", "answer":
			p += " " + a.Target + " vs " + a.Against
		case "body":
			if a.Path != "" {
				p += " " + indices.ReplaceAllString(a.Path, "")
			}
		}
		if !slices.Contains(parts, p) {
			parts = append(parts, p)
		}
	}
	slices.Sort(parts)
	return strings.Join(parts, "; ")
}

// Describe is an aspect in words, for tables.
func (a Aspect) Describe() string {
	switch a.What {
	case "body":
		if a.Path == "" {
			return "body"
		}
		return "body " + a.Path
	case "contentType":
		return "Content-Type"
	}
	return a.What
}

// Pretty indents a canonical JSON body for people; other bodies stay as
// they are.
func Pretty(body string) string {
	if _, ok := decode(body); !ok {
		return body
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, []byte(body), "", "  "); err != nil {
		return body
	}
	return buf.String()
}

// String is the answer as a few lines: status and Content-Type, then the
// body, indented.
func (a Answer) String() string {
	if !a.Sent {
		return "(not sent: the check stopped before this request)"
	}
	if a.Error != "" {
		return "(no answer: " + a.Error + ")"
	}
	head := strconv.Itoa(a.Status)
	if a.ContentType != "" {
		head += " " + a.ContentType
	}
	if a.Body == "" {
		return head + "\n(no body)"
	}
	return head + "\n" + Pretty(a.Body)
}

// String is the request as a few lines: the request line, the headers and
// the body.
func (r Request) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", r.Method, r.Path)
	for _, h := range r.Headers {
		fmt.Fprintf(&b, "\n%s: %s", h.Name, h.Value)
	}
	if r.Body == "" {
		b.WriteString("\n(no body)")
	} else {
		b.WriteString("\n" + r.Body)
	}
	return b.String()
}
