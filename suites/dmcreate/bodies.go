package dmcreate

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

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
	// Message is the exact error text released Rocket.Chat answers (its ajv
	// messages, joined with "\n " and suffixed " [invalid-params]"), or ""
	// where released versions differ and only the shape is checked.
	Message string
}

// invalidBodies derives every way to break the request schema from the spec:
// no branch's required key, two branches' keys together, an unknown key next
// to each branch, bodies that are not objects, and values of JSON types
// Rocket.Chat's validator does not coerce. The expected messages are computed
// from the same schema with ajv's rules (first error per branch, branches in
// order, then the oneOf line).
func invalidBodies(spec *openapi.Spec) ([]invalidBody, error) {
	branches, err := requestBranches(spec)
	if err != nil {
		return nil, err
	}
	var out []invalidBody
	since := spec.Since()
	for key, v := range since {
		if !slices.Contains(fw.FeatureVersions, v) {
			return nil, fmt.Errorf("the spec gives %s the feature version %s, which is none of the levels the harness certifies %v", key, v, fw.FeatureVersions)
		}
	}
	add := func(key, name string, body map[string]any) {
		raw, _ := json.Marshal(body)
		v := fw.V0590
		for k := range body {
			if s, ok := since[k]; ok && laterVersion(s, v) {
				v = s
			}
		}
		out = append(out, invalidBody{Key: key, Name: name, Body: string(raw), Since: v, Message: ajvMessage(branches, body)})
	}
	required := make([]string, len(branches))
	optional := map[string]string{}
	for i, b := range branches {
		if len(b.Required) != 1 {
			return nil, fmt.Errorf("request branch %d requires %v; the generator expects exactly one key", i, b.Required)
		}
		required[i] = b.Required[0]
		for name, p := range b.Properties {
			if name != required[i] {
				optional[name] = typeOf(p.Value)
			}
		}
	}

	add("EMPTY", "an empty object (none of the required keys)", map[string]any{})
	for name, typ := range sortedMap(optional) {
		add("ONLY-"+strings.ToUpper(name), fmt.Sprintf("only the optional key %s", name), map[string]any{name: sample(typ)})
	}
	for i := range required {
		for j := i + 1; j < len(required); j++ {
			add("BOTH-"+strings.ToUpper(required[i]+"-"+required[j]), fmt.Sprintf("both %s and %s", required[i], required[j]),
				map[string]any{required[i]: "%s", required[j]: "%s"})
		}
	}
	for _, r := range required {
		add("UNKNOWN-"+strings.ToUpper(r), fmt.Sprintf("%s with an unknown key", r), map[string]any{r: "%s", "unknownKey": 1})
	}
	add("UNKNOWN-ONLY", "only an unknown key", map[string]any{"unknownKey": "x"})
	for i, b := range branches {
		for _, name := range orderedProps(b) {
			for _, wrong := range uncoercible(typeOf(b.Properties[name].Value)) {
				body := map[string]any{required[i]: "%s"}
				body[name] = wrong.value
				key := strings.ToUpper(required[i])
				if name != required[i] {
					key += "-" + strings.ToUpper(name)
				}
				add(key+"-"+wrong.key, fmt.Sprintf("%s with %s as %s", required[i], name, wrong.name), body)
			}
		}
	}
	arrayMsg := ajvMessage(branches, []any{})
	out = append(out,
		invalidBody{Key: "ARRAY-EMPTY", Name: "an empty JSON array", Body: `[]`, Since: fw.V0590, Message: arrayMsg},
		invalidBody{Key: "ARRAY-NAMES", Name: "a JSON array of names", Body: `["%s"]`, Since: fw.V0590, Message: arrayMsg},
		// Released versions differ on top-level scalars (the Hono router spreads
		// them into an object); both answer invalid-params, so only that is checked.
		invalidBody{Key: "STRING", Name: "a JSON string", Body: `"%s"`, Since: fw.V0590},
		invalidBody{Key: "NUMBER", Name: "a JSON number", Body: `42`, Since: fw.V0590},
	)
	// Every generated body must break the spec, or it proves nothing.
	for _, b := range out {
		ex := openapi.Exchange{Method: "POST", Path: fw.DMCreate, RequestBody: []byte(b.Body),
			RequestHeader: map[string][]string{"Content-Type": {"application/json"}, "X-User-Id": {"u"}, "X-Auth-Token": {"t"}}}
		if len(spec.ValidateRequest(context.Background(), ex)) == 0 {
			return nil, fmt.Errorf("generated body %q (%s) does not break the spec", b.Body, b.Name)
		}
	}
	return out, nil
}

// laterVersion reports whether feature version a comes after b.
func laterVersion(a, b string) bool {
	return slices.Index(fw.FeatureVersions, a) > slices.Index(fw.FeatureVersions, b)
}

// requestBranches returns the oneOf branches of dm.create's JSON body.
func requestBranches(spec *openapi.Spec) ([]*openapi3.Schema, error) {
	item := spec.Doc.Paths.Find(fw.DMCreate)
	if item == nil || item.Post == nil || item.Post.RequestBody == nil {
		return nil, fmt.Errorf("the spec documents no request body for POST %s", fw.DMCreate)
	}
	mt := item.Post.RequestBody.Value.Content.Get("application/json")
	if mt == nil || mt.Schema == nil || len(mt.Schema.Value.OneOf) == 0 {
		return nil, fmt.Errorf("the request body of POST %s is not a oneOf of JSON objects", fw.DMCreate)
	}
	out := make([]*openapi3.Schema, 0, len(mt.Schema.Value.OneOf))
	for _, ref := range mt.Schema.Value.OneOf {
		out = append(out, ref.Value)
	}
	return out, nil
}

type wrongValue struct {
	key   string
	name  string
	value any
}

// uncoercible lists values of JSON types ajv's coerceTypes does not turn
// into typ (numbers, booleans and null do become strings, so they are valid).
func uncoercible(typ string) []wrongValue {
	switch typ {
	case "string":
		return []wrongValue{{"ARRAY", "an array", []any{"%s"}}, {"OBJECT", "an object", map[string]any{}}}
	case "boolean":
		return []wrongValue{{"YES", "the string \"yes\"", "yes"}, {"ARRAY", "an array", []any{true}}}
	}
	return nil
}

// ajvMessage is the error Rocket.Chat builds for body against the oneOf
// branches: for each branch its first error (type, then required keys in
// order, then unknown keys, then property types), then the oneOf line.
func ajvMessage(branches []*openapi3.Schema, body any) string {
	msgs := make([]string, 0, len(branches)+1)
	for _, b := range branches {
		if m := firstError(b, body); m != "" {
			msgs = append(msgs, m)
		} else {
			return "" // valid for this branch
		}
	}
	msgs = append(msgs, "must match exactly one schema in oneOf")
	return strings.Join(msgs, "\n ") + " [invalid-params]"
}

func firstError(s *openapi3.Schema, body any) string {
	obj, ok := body.(map[string]any)
	if !ok {
		return "must be object"
	}
	for _, r := range s.Required {
		if _, ok := obj[r]; !ok {
			return fmt.Sprintf("must have required property '%s'", r)
		}
	}
	if s.AdditionalProperties.Has != nil && !*s.AdditionalProperties.Has {
		for k := range obj {
			if _, ok := s.Properties[k]; !ok {
				return "must NOT have additional properties"
			}
		}
	}
	for _, name := range orderedProps(s) {
		typ := typeOf(s.Properties[name].Value)
		if v, present := obj[name]; present && !coercible(v, typ) {
			return "must be " + typ
		}
	}
	return ""
}

func coercible(v any, typ string) bool {
	switch typ {
	case "string":
		switch v.(type) {
		case string, float64, bool, nil:
			return true
		}
	case "boolean":
		switch t := v.(type) {
		case bool, nil:
			return true
		case string:
			return t == "true" || t == "false"
		case float64:
			return t == 0 || t == 1
		}
	}
	return false
}

func typeOf(s *openapi3.Schema) string {
	if s.Type == nil || len(*s.Type) == 0 {
		return ""
	}
	return (*s.Type)[0]
}

func sample(typ string) any {
	if typ == "boolean" {
		return true
	}
	return "x"
}

// orderedProps lists a schema's properties required-first, then by name:
// for dm.create that is the schema's own order (the name key, excludeSelf),
// which decides which error ajv reports first.
func orderedProps(s *openapi3.Schema) []string {
	keys := slices.Clone(s.Required)
	var rest []string
	for k := range s.Properties {
		if !slices.Contains(keys, k) {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	return append(keys, rest...)
}

func sortedMap(m map[string]string) func(func(string, string) bool) {
	return func(yield func(string, string) bool) {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if !yield(k, m[k]) {
				return
			}
		}
	}
}
