package explore

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/rcconform/rcconform/conformance"
	fw "github.com/rcconform/rcconform/suites/framework"
)

// Go names of the feature versions in suites/dmcreate.
var featureConsts = map[string]string{conformance.V0590: "v0590", conformance.V3010: "v3010", conformance.V3180: "v3180"}

// skeleton writes a check in the catalogue's named-field form that sends
// the case and expects what the server compared against answered where the
// two differ. What only the sources can say (evidence, promises, and the
// dimensions, when the answer depends on the release) is left as TODO. raw
// is the case as JSON; the check's id is made of it.
func (x *explorer) skeleton(o *outcome, raw []byte) string {
	c := o.c
	h := fnv.New32a()
	h.Write(raw)
	id := fmt.Sprintf("EXPLORE-%08X", h.Sum32())
	release := "rc861"
	if x.release.Compare(conformance.MustRelease("7.0.0")) < 0 {
		release = "rc613"
	}
	var lines []string
	add := func(format string, args ...any) { lines = append(lines, fmt.Sprintf(format, args...)) }
	add("{At: here(), ID: %q, Level: compat, Since: %s, Status: %d,", id, featureConsts[x.featureOf(c)], o.against.Status)
	add("\tTitle:    %q,", fmt.Sprintf("answers %d like released Rocket.Chat to %s", o.against.Status, c.Describe(x.names)))
	add("\tEvidence: ev(src(%s, \"TODO: the upstream file and lines that establish this answer\", \"TODO: what they show\")),", release)
	add("\t// TODO: if other releases answer otherwise, declare Dimensions, Send and Answers instead of Run.")
	add("\tRun: func(ctx SpecContext, e env) {")
	add("\t\tresp := e.request(ctx, fw.Request{")
	for _, f := range requestFields(c) {
		add("\t\t\t%s", f)
	}
	add("\t\t})")
	for _, e := range expectations(o) {
		add("\t\t%s", e)
	}
	add("\t},")
	add("},")
	if !slices.Contains([]int{200, 400, 401}, o.against.Status) {
		lines = append([]string{fmt.Sprintf("// TODO: the catalogue declares statuses 200, 400 and 401 only; this answer is %d.", o.against.Status)}, lines...)
	}
	return strings.Join(lines, "\n")
}

// featureOf is the latest feature version among the documented keys the
// case's body gives.
func (x *explorer) featureOf(c Case) string {
	v := conformance.V0590
	for _, f := range c.Fields {
		if s, ok := x.since[f.Key]; ok && conformance.LaterFeature(s, v) {
			v = s
		}
	}
	return v
}

// requestFields are the fields of the fw.Request that sends the case.
func requestFields(c Case) []string {
	t := c.render()
	var out []string
	if c.Path == fw.IMCreate {
		out = append(out, "Path: fw.IMCreate,")
	}
	canonicalAuth := c.Auth.Kind == authValid && (c.Auth.NameCase == "" || c.Auth.NameCase == "canonical")
	var raw, order []string
	values := map[string][]string{}
	for _, h := range t.headers {
		if h.name == "Content-Type" || canonicalAuth {
			continue
		}
		if _, seen := values[h.name]; !seen {
			order = append(order, h.name)
		}
		values[h.name] = append(values[h.name], goString(h.value))
	}
	if canonicalAuth {
		out = append(out, fmt.Sprintf("Auth: e.Creds(%q),", c.As))
	}
	switch {
	case t.hasBody && c.ContentType == "":
		out = append(out, `Header: map[string]string{"Content-Type": ""}, // no Content-Type`)
	case t.hasBody:
		out = append(out, fmt.Sprintf("ContentType: %q,", c.ContentType))
	case c.ContentType != "":
		order = append(order, "Content-Type")
		values["Content-Type"] = []string{strconv.Quote(c.ContentType)}
	}
	for _, name := range order {
		raw = append(raw, fmt.Sprintf("%q: {%s}", name, strings.Join(values[name], ", ")))
	}
	if len(raw) > 0 {
		out = append(out, "Raw: map[string][]string{"+strings.Join(raw, ", ")+"},")
	}
	if t.hasBody {
		out = append(out, "Body: "+goString(t.body)+",")
	}
	return out
}

// expectations pin the compared-against answer where the answers differ.
func expectations(o *outcome) []string {
	const promise = `"TODO: the behaviour, in the words of the evidence"`
	out := []string{fmt.Sprintf("resp.ExpectStatus(%d, %s)", o.against.Status, promise)}
	var body any
	isJSON := json.Unmarshal([]byte(o.against.Body), &body) == nil
	var paths []string
	for _, a := range o.aspects {
		switch a.What {
		case "contentType":
			out = append(out, fmt.Sprintf("resp.ExpectContentType(%q, %s)", o.against.ContentType, promise))
		case "body":
			// The framework reads dotted paths; an array is expected whole.
			p, _, _ := strings.Cut(a.Path, "[")
			if !slices.Contains(paths, p) {
				paths = append(paths, p)
			}
		}
	}
	for _, p := range paths {
		switch {
		case p == "" && isJSON:
			out = append(out, fmt.Sprintf("resp.ExpectBody(%s, %s)%s", goLiteral(o.against.Body), promise, placeholderNote(o.against.Body)))
		case p == "":
			out = append(out, fmt.Sprintf("Expect(string(resp.Body)).To(Equal(%s), resp.Explain(%s))", goLiteral(o.against.Body), promise))
		default:
			v, ok := at(body, p)
			if !ok {
				out = append(out, fmt.Sprintf("resp.ExpectNoField(%q, %s)", p, promise))
				continue
			}
			out = append(out, fmt.Sprintf("resp.ExpectField(%q, %s, %s)", p, goValue(v, true), promise))
		}
	}
	return out
}

// at finds the value at a dotted path of a decoded JSON body.
func at(v any, path string) (any, bool) {
	for _, k := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = m[k]; !ok {
			return nil, false
		}
	}
	return v, true
}

// placeholder matches what diff's normalisation puts in place of a value.
var placeholder = regexp.MustCompile(`\{[^{}"]+\}`)

func placeholderNote(s string) string {
	if placeholder.MatchString(s) {
		return " /* TODO: replace the placeholders in braces */"
	}
	return ""
}

// personaPlaceholder matches {key} and {key.id}.
var personaPlaceholder = regexp.MustCompile(`^\{([a-z][a-z0-9]*)(\.id)?\}$`)

// goValue writes a decoded JSON value as Go, turning the placeholders of
// personas back into expressions; top says a matcher may stand for it.
func goValue(v any, top bool) string {
	switch t := v.(type) {
	case string:
		if m := personaPlaceholder.FindStringSubmatch(t); m != nil {
			if m[2] != "" {
				return fmt.Sprintf("e.User(%q).ID", m[1])
			}
			return fmt.Sprintf("e.User(%q).Username", m[1])
		}
		if top && strings.HasPrefix(t, "{new id") {
			return "Not(BeEmpty()) /* an id the server made */"
		}
		return strconv.Quote(t) + placeholderNote(t)
	case []any:
		if keys, ok := usernames(t); ok {
			return "e.usernames(" + strings.Join(keys, ", ") + ")"
		}
		items := make([]string, len(t))
		for i, e := range t {
			items[i] = goValue(e, false)
		}
		return "[]any{" + strings.Join(items, ", ") + "}"
	case map[string]any:
		var items []string
		for _, k := range slices.Sorted(maps.Keys(t)) {
			items = append(items, strconv.Quote(k)+": "+goValue(t[k], false))
		}
		return "map[string]any{" + strings.Join(items, ", ") + "}"
	case nil:
		return "nil"
	}
	return fmt.Sprint(v)
}

// usernames reads an array of username placeholders as persona keys.
func usernames(a []any) ([]string, bool) {
	var keys []string
	for _, e := range a {
		s, _ := e.(string)
		m := personaPlaceholder.FindStringSubmatch(s)
		if m == nil || m[2] != "" {
			return nil, false
		}
		keys = append(keys, strconv.Quote(m[1]))
	}
	return keys, len(keys) > 0
}
