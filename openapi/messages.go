package openapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
)

// describer turns kin-openapi schema errors into sentences that name the
// body field, since the raw errors (above all for oneOf) are unreadable.
type describer struct {
	subject    string // "request body" or "response body"
	requiredBy string // e.g. "the 200 response schema"
	body       []byte

	decoded bool
	root    any // body decoded on first use, to tell array indexes from keys
}

// violations returns one Violation per schema error found in err, or nil
// if err holds none.
func (d *describer) violations(err error, rule string) []Violation {
	var out []Violation
	for _, se := range schemaErrors(err, nil) {
		ptr, text := d.explain(se, true)
		out = append(out, Violation{Rule: rule, Field: pointer(ptr), Message: d.subject + d.fieldPhrase(ptr) + " " + text})
	}
	return out
}

// schemaErrors flattens err into its outermost SchemaErrors; those of oneOf
// branches stay inside their oneOf error.
func schemaErrors(err error, acc []*openapi3.SchemaError) []*openapi3.SchemaError {
	switch e := err.(type) {
	case nil:
	case *openapi3.SchemaError:
		acc = append(acc, e)
	case openapi3.MultiError:
		for _, x := range e {
			acc = schemaErrors(x, acc)
		}
	case interface{ Unwrap() []error }:
		for _, x := range e.Unwrap() {
			acc = schemaErrors(x, acc)
		}
	case interface{ Unwrap() error }:
		acc = schemaErrors(e.Unwrap(), acc)
	}
	return acc
}

// explain returns the location se is about and what is wrong there, without
// the subject. top is false inside a oneOf branch, where the branch already
// says which schema applies.
func (d *describer) explain(se *openapi3.SchemaError, top bool) ([]string, string) {
	ptr := se.JSONPointer()
	sch := se.Schema
	switch se.SchemaField {
	case "required":
		if top {
			return ptr, fmt.Sprintf("is missing (required by %s)", d.requiredBy)
		}
		return ptr, "is missing"
	case "properties":
		name, ok := unsupportedName(se.Reason)
		if !ok {
			break
		}
		ptr = append(ptr, name)
		if top && sch != nil && len(sch.Properties) > 0 {
			return ptr, fmt.Sprintf("is not allowed (%s allows only %s)", d.requiredBy,
				strings.Join(slices.Sorted(maps.Keys(sch.Properties)), ", "))
		}
		return ptr, "is not allowed"
	case "type", "nullable":
		return ptr, fmt.Sprintf("must be %s, got %s", typeName(sch), describeValue(se.Value))
	case "enum":
		// kin-openapi checks enum before type; a value of the wrong type is
		// better reported as such.
		if !hasType(sch, se.Value) {
			return ptr, fmt.Sprintf("must be %s, got %s", typeName(sch), describeValue(se.Value))
		}
		return ptr, fmt.Sprintf("must be %s, got %s", enumList(sch.Enum), describeValue(se.Value))
	case "minLength":
		if sch.MinLength == 1 {
			return ptr, fmt.Sprintf("must not be empty, got %s", describeValue(se.Value))
		}
		return ptr, fmt.Sprintf("must be at least %d characters long, got %s", sch.MinLength, describeValue(se.Value))
	case "oneOf":
		return ptr, d.explainOneOf(se, len(ptr) == 0)
	case "anyOf":
		return ptr, d.explainAnyOf(se)
	}
	return ptr, fmt.Sprintf("does not satisfy %q: %s", se.SchemaField, se.Reason)
}

func (d *describer) explainOneOf(se *openapi3.SchemaError, atRoot bool) string {
	forms := "forms"
	if atRoot {
		forms = "body forms"
	}
	branches := se.Schema.OneOf
	if errors.Is(se.Origin, openapi3.ErrOneOfConflict) {
		names := make([]string, 0, len(branches))
		for _, b := range branches {
			if b.Value == nil || b.Value.VisitJSON(se.Value) == nil {
				names = append(names, formName(b))
			}
		}
		if len(names) == 2 && len(branches) == 2 {
			return fmt.Sprintf("matches both %s (%s and %s) but must match exactly one", forms, names[0], names[1])
		}
		return fmt.Sprintf("matches %d of the %s %s (%s) but must match exactly one",
			len(names), countWord(len(branches)), forms, strings.Join(names, ", "))
	}

	// The branch errors come in branch order; a discriminator may skip some.
	var perBranch openapi3.MultiError
	if !errors.As(se.Origin, &perBranch) || len(perBranch) != len(branches) {
		return fmt.Sprintf("matches none of the %s %s: %v", countWord(len(branches)), forms, se.Origin)
	}
	parts := make([]string, len(branches))
	for i, berr := range perBranch {
		var reasons []string
		for _, inner := range schemaErrors(berr, nil) {
			ptr, text := d.explain(inner, false)
			reasons = append(reasons, strings.TrimPrefix(d.fieldPhrase(ptr)+" "+text, " "))
		}
		if len(reasons) == 0 {
			reasons = append(reasons, berr.Error())
		}
		parts[i] = formName(branches[i]) + ": " + strings.Join(reasons, ", ")
	}
	return fmt.Sprintf("matches none of the %s %s: %s", countWord(len(branches)), forms, strings.Join(parts, "; "))
}

// fieldPhrase is ` field "room.rid"` for ptr, or "" for the body itself.
func (d *describer) fieldPhrase(ptr []string) string {
	if len(ptr) == 0 {
		return ""
	}
	return fmt.Sprintf(" field %q", d.fieldName(ptr))
}

// fieldName renders ptr as a dotted path with [i] for array indexes.
func (d *describer) fieldName(ptr []string) string {
	if !d.decoded {
		d.decoded = true
		_ = json.Unmarshal(d.body, &d.root) // a body that does not decode names every segment as a key
	}
	var b strings.Builder
	cur := d.root
	for i, seg := range ptr {
		if arr, ok := cur.([]any); ok {
			if n, err := strconv.Atoi(seg); err == nil {
				fmt.Fprintf(&b, "[%d]", n)
				cur = nil
				if n >= 0 && n < len(arr) {
					cur = arr[n]
				}
				continue
			}
		}
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(seg)
		obj, _ := cur.(map[string]any)
		cur = obj[seg]
	}
	return b.String()
}

var pointerEscaper = strings.NewReplacer("~", "~0", "/", "~1")

// pointer renders ptr as an RFC 6901 JSON pointer.
func pointer(ptr []string) string {
	var b strings.Builder
	for _, seg := range ptr {
		b.WriteByte('/')
		b.WriteString(pointerEscaper.Replace(seg))
	}
	return b.String()
}

// unsupportedName extracts the key from kin-openapi's
// `property "k" is unsupported` reason.
func unsupportedName(reason string) (string, bool) {
	q, ok := strings.CutPrefix(reason, "property ")
	if !ok {
		return "", false
	}
	if q, ok = strings.CutSuffix(q, " is unsupported"); !ok {
		return "", false
	}
	name, err := strconv.Unquote(q)
	return name, err == nil
}

// formName describes a oneOf branch by its keys, e.g. {usernames, excludeSelf?}.
// explainAnyOf names, for each alternative, what the value lacks: the
// alternatives of the documented anyOf schemas are sets of required keys.
func (d *describer) explainAnyOf(se *openapi3.SchemaError) string {
	branches := se.Schema.AnyOf
	parts := make([]string, 0, len(branches))
	for _, b := range branches {
		var reasons []string
		for _, inner := range schemaErrors(b.Value.VisitJSON(se.Value, openapi3.MultiErrors()), nil) {
			ptr, text := d.explain(inner, false)
			reasons = append(reasons, strings.TrimPrefix(d.fieldPhrase(ptr)+" "+text, " "))
		}
		parts = append(parts, formName(b)+": "+strings.Join(reasons, ", "))
	}
	return fmt.Sprintf("matches none of the %s forms %s allows: %s", countWord(len(branches)), d.requiredBy, strings.Join(parts, "; "))
}

func formName(ref *openapi3.SchemaRef) string {
	s := ref.Value
	if s == nil {
		return ref.Ref
	}
	if len(s.Properties) == 0 && len(s.Required) > 0 {
		return "{" + strings.Join(s.Required, ", ") + "}"
	}
	if len(s.Properties) == 0 {
		if s.Type != nil && len(*s.Type) > 0 {
			return typeName(s)
		}
		return "{}"
	}
	names := slices.Clone(s.Required)
	for _, p := range slices.Sorted(maps.Keys(s.Properties)) {
		if !slices.Contains(s.Required, p) {
			names = append(names, p+"?")
		}
	}
	return "{" + strings.Join(names, ", ") + "}"
}

func typeName(s *openapi3.Schema) string {
	if s == nil || s.Type == nil || len(*s.Type) == 0 {
		return "of another type"
	}
	return strings.Join(*s.Type, " or ")
}

// hasType reports whether v is of one of the schema's types (true when the
// schema names none).
func hasType(s *openapi3.Schema, v any) bool {
	if s == nil || s.Type == nil || len(*s.Type) == 0 {
		return true
	}
	var t string
	switch v.(type) {
	case nil:
		t = openapi3.TypeNull
	case string:
		t = openapi3.TypeString
	case bool:
		t = openapi3.TypeBoolean
	case json.Number, float64:
		return s.Type.Includes(openapi3.TypeNumber) || s.Type.Includes(openapi3.TypeInteger)
	case map[string]any:
		t = openapi3.TypeObject
	case []any:
		t = openapi3.TypeArray
	}
	return s.Type.Includes(t)
}

func enumList(values []any) string {
	list := make([]string, len(values))
	for i, v := range values {
		b, err := json.Marshal(v)
		if err != nil {
			b = []byte(fmt.Sprint(v))
		}
		list[i] = string(b)
	}
	if len(list) == 1 {
		return list[0]
	}
	return "one of " + strings.Join(list, ", ")
}

// describeValue names a decoded JSON value's type, with the value for scalars.
func describeValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		if utf8.RuneCountInString(x) > 60 {
			x = string([]rune(x)[:60]) + "…"
		}
		return "string " + strconv.Quote(x)
	case bool:
		return "boolean " + strconv.FormatBool(x)
	case json.Number, float64, int, int64:
		return fmt.Sprintf("number %v", x)
	case map[string]any:
		return "object"
	case []any:
		return "array"
	}
	return fmt.Sprintf("%T", v)
}

func countWord(n int) string {
	if words := []string{"zero", "one", "two", "three", "four", "five"}; n < len(words) {
		return words[n]
	}
	return strconv.Itoa(n)
}
