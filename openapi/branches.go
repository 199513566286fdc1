package openapi

import (
	"encoding/json"
	"fmt"
	"sort"

	"github.com/getkin/kin-openapi/openapi3"
)

// Prop is a property of a body form and its JSON type.
type Prop struct{ Name, Type string }

// Branch is one form of the body: an object with one required key and no
// other keys than its properties.
type Branch struct {
	Required string
	// Props lists the required key first, then the optional ones by name:
	// the order in which ajv reports a property's type error.
	Props []Prop
}

// RequestBranches reads the body forms of POST path.
func (s *Spec) RequestBranches(path string) ([]Branch, error) {
	item := s.Doc.Paths.Find(path)
	if item == nil || item.Post == nil || item.Post.RequestBody == nil {
		return nil, fmt.Errorf("the spec documents no request body for POST %s", path)
	}
	mt := item.Post.RequestBody.Value.Content.Get("application/json")
	if mt == nil || mt.Schema == nil {
		return nil, fmt.Errorf("the request body of POST %s has no JSON schema", path)
	}
	return branches(mt.Schema.Value)
}

// branches reads the oneOf forms of a request body schema.
func branches(schema *openapi3.Schema) ([]Branch, error) {
	if schema == nil || len(schema.OneOf) == 0 {
		return nil, fmt.Errorf("the request body is not a oneOf of objects")
	}
	out := make([]Branch, 0, len(schema.OneOf))
	for i, ref := range schema.OneOf {
		s := ref.Value
		if len(s.Required) != 1 {
			return nil, fmt.Errorf("body form %d requires %v; the oracle expects exactly one key", i, s.Required)
		}
		if s.AdditionalProperties.Has == nil || *s.AdditionalProperties.Has {
			return nil, fmt.Errorf("body form %d allows additional properties; the oracle expects additionalProperties: false", i)
		}
		b := Branch{Required: s.Required[0]}
		names := make([]string, 0, len(s.Properties))
		for name := range s.Properties {
			if name != b.Required {
				names = append(names, name)
			}
		}
		sort.Strings(names)
		for _, name := range append([]string{b.Required}, names...) {
			p := s.Properties[name]
			if p == nil || p.Value.Type == nil || len(*p.Value.Type) != 1 {
				return nil, fmt.Errorf("body form %d: property %q needs exactly one type", i, name)
			}
			b.Props = append(b.Props, Prop{Name: name, Type: (*p.Value.Type)[0]})
		}
		out = append(out, b)
	}
	return out, nil
}

// Example returns the named example of the JSON answer of POST path with
// this status.
func (s *Spec) Example(path string, status int, name string) (json.RawMessage, error) {
	item := s.Doc.Paths.Find(path)
	if item == nil || item.Post == nil {
		return nil, fmt.Errorf("the spec documents no POST %s", path)
	}
	resp := item.Post.Responses.Status(status)
	if resp == nil || resp.Value == nil {
		return nil, fmt.Errorf("the spec documents no %d answer for POST %s", status, path)
	}
	mt := resp.Value.Content.Get("application/json")
	if mt == nil || mt.Examples[name] == nil || mt.Examples[name].Value == nil {
		return nil, fmt.Errorf("the spec's %d answer of POST %s has no example %q", status, path, name)
	}
	raw, err := json.Marshal(mt.Examples[name].Value.Value)
	if err != nil {
		return nil, fmt.Errorf("encode the spec's example %q: %w", name, err)
	}
	return raw, nil
}
