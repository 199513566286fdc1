package dmcreate

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/rcconform/rcconform/conformance"
	"github.com/rcconform/rcconform/internal/oracle"
	"github.com/rcconform/rcconform/openapi"
	fw "github.com/rcconform/rcconform/suites/framework"
)

// invalidBody is a request body that breaks the spec's request schema.
type invalidBody struct {
	// Key is a short stable name, part of the check ids.
	Key string
	// Name says how it breaks the schema.
	Name string
	// Body is the JSON sent; "%s" stands for a real username.
	Body string
	// Since is the feature version the body needs: the latest x-rc-since of
	// the documented keys it uses, so a server lacking a feature fails only
	// that feature's checks.
	Since string
	// Message is the validator's message (without Rocket.Chat's suffix);
	// Spread its message for the body spread into an object first.
	Message string
	Spread  string
	// Undocumented is true when the body gives none of the documented keys:
	// the doc page's "Missing parameter" case.
	Undocumented bool
}

// invalidBodies derives every way to break the request schema from the spec:
// no form's required key, two forms' keys together, an unknown key next to
// each form, a documented key in another case, bodies that are not objects,
// and values of JSON types the validator does not coerce. The messages come
// from the oracle, over the same schema.
func invalidBodies(spec *openapi.Spec) ([]invalidBody, error) {
	branches, err := spec.RequestBranches(fw.DMCreate)
	if err != nil {
		return nil, err
	}
	since := spec.Since()
	for key, v := range since {
		if !slices.Contains(conformance.FeatureVersions, v) {
			return nil, fmt.Errorf("the spec gives %s the feature version %s, which is none of the levels the harness certifies %v", key, v, conformance.FeatureVersions)
		}
	}
	var out []invalidBody
	add := func(key, name string, body any) {
		raw, _ := json.Marshal(body)
		v := conformance.V0590
		undocumented := true
		if obj, ok := body.(map[string]any); ok {
			for k := range obj {
				if s, ok := since[k]; ok && conformance.LaterFeature(s, v) {
					v = s
				}
				if slices.ContainsFunc(branches, func(b openapi.Branch) bool { return b.Required == k }) {
					undocumented = false
				}
			}
		} else {
			undocumented = false
		}
		out = append(out, invalidBody{Key: key, Name: name, Body: string(raw), Since: v, Undocumented: undocumented,
			Message: oracle.Message(branches, body, true), Spread: oracle.Message(branches, spreadJS(body), true)})
	}
	optional := map[string]string{}
	for _, b := range branches {
		for _, p := range b.Props[1:] {
			optional[p.Name] = p.Type
		}
	}

	add("EMPTY", "an empty object (none of the required keys)", map[string]any{})
	for _, name := range sortedKeys(optional) {
		add("ONLY-"+strings.ToUpper(name), "only the optional key "+name, map[string]any{name: sample(optional[name])})
	}
	for i := range branches {
		for j := i + 1; j < len(branches); j++ {
			a, b := branches[i].Required, branches[j].Required
			add("BOTH-"+strings.ToUpper(a+"-"+b), fmt.Sprintf("both %s and %s", a, b), map[string]any{a: "%s", b: "%s"})
		}
	}
	for _, b := range branches {
		r := b.Required
		add("UNKNOWN-"+strings.ToUpper(r), r+" with an unknown key", map[string]any{r: "%s", "unknownKey": 1})
		// Go's encoding/json, among others, matches struct fields ignoring
		// case; Rocket.Chat's schema does not.
		cased := strings.ToUpper(r[:1]) + r[1:]
		add("CASE-"+strings.ToUpper(r), fmt.Sprintf("%s spelled %s", r, cased), map[string]any{cased: "%s"})
	}
	add("UNKNOWN-ONLY", "only an unknown key", map[string]any{"unknownKey": "x"})
	for _, b := range branches {
		for _, p := range b.Props {
			for _, wrong := range uncoercible(p.Type) {
				body := map[string]any{b.Required: "%s"}
				body[p.Name] = wrong.value
				key := strings.ToUpper(b.Required)
				if p.Name != b.Required {
					key += "-" + strings.ToUpper(p.Name)
				}
				add(key+"-"+wrong.key, fmt.Sprintf("%s with %s as %s", b.Required, p.Name, wrong.name), body)
			}
		}
	}
	add("ARRAY-EMPTY", "an empty JSON array", []any{})
	add("ARRAY-NAMES", "a JSON array of names", []any{"%s"})
	// Every generated body must break the spec, or it proves nothing.
	for _, b := range out {
		ex := openapi.Exchange{Method: "POST", Path: fw.DMCreate, RequestBody: []byte(b.Body),
			RequestHeader: map[string][]string{"Content-Type": {"application/json"}, "X-User-Id": {"u"}, "X-Auth-Token": {"t"}}}
		if len(spec.ValidateRequest(context.Background(), ex)) == 0 {
			return nil, fmt.Errorf("generated body %q (%s) does not break the spec", b.Body, b.Name)
		}
		if b.Message == "" {
			return nil, fmt.Errorf("the oracle finds generated body %q (%s) valid", b.Body, b.Name)
		}
	}
	return out, nil
}

type wrongValue struct {
	key   string
	name  string
	value any
}

// uncoercible lists values of JSON types the validator does not turn into
// typ (numbers, booleans and null do become strings, so they are valid).
func uncoercible(typ string) []wrongValue {
	switch typ {
	case "string":
		return []wrongValue{{"ARRAY", "an array", []any{"%s"}}, {"OBJECT", "an object", map[string]any{}}}
	case "boolean":
		return []wrongValue{{"YES", "the string \"yes\"", "yes"}, {"ARRAY", "an array", []any{true}}}
	}
	return nil
}

func sample(typ string) any {
	if typ == "boolean" {
		return true
	}
	return "x"
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// spreadJS is what the routers that spread a body make of a JSON value: an
// array is kept; anything else is JavaScript's {...v}: an object is itself,
// a string an object of its indexes, any other value {}.
func spreadJS(v any) any {
	out := map[string]any{}
	switch t := v.(type) {
	case []any, map[string]any:
		return t
	case string:
		for i, u := range utf16.Encode([]rune(t)) {
			out[strconv.Itoa(i)] = string(rune(u))
		}
	}
	return out
}
