// Package openapi holds the strict OpenAPI description of Rocket.Chat's
// dm.create endpoint and validates recorded exchanges against it.
package openapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// Document is the embedded OpenAPI description of dm.create / im.create.
//
//go:embed dm.create.yaml
var Document []byte

var digest = sync.OnceValue(func() string {
	sum := sha256.Sum256(Document)
	return "sha256:" + hex.EncodeToString(sum[:])
})

// The spec documents 6.x's plain HTML 400 page; kin-openapi reads only the
// media types it has a decoder for, and an HTML page is plain text to it.
func init() {
	if openapi3filter.RegisteredBodyDecoder("text/html") == nil {
		openapi3filter.RegisterBodyDecoder("text/html", openapi3filter.PlainBodyDecoder)
	}
}

// Digest returns "sha256:<hex>" of Document, so reports can name the exact
// description they were checked against.
func Digest() string { return digest() }

// Spec is a loaded and validated document with its router. It is read-only
// after loading and safe for concurrent use.
type Spec struct {
	// Doc is the parsed document. Its servers are reduced to their paths, so
	// that requests to any host are routed.
	Doc *openapi3.T
	// ExampleProblems lists the examples that do not match their schema.
	// Load refuses such a document; LoadData keeps it loadable for linting.
	ExampleProblems []string

	router    routers.Router
	ops       []Operation
	since     map[string]string
	changelog []ChangelogEntry
	reqOpts   *openapi3filter.Options
	respOpts  *openapi3filter.Options
}

// ChangelogEntry is one item of an operation's x-rc-changelog extension.
type ChangelogEntry struct {
	Version     string `json:"version"`
	Description string `json:"description"`
}

// Operation is one documented method and path with its documented statuses.
type Operation struct {
	Method      string
	Path        string
	OperationID string
	Statuses    []int
}

var loadEmbedded = sync.OnceValues(func() (*Spec, error) {
	s, err := LoadData(Document)
	if err != nil {
		return nil, fmt.Errorf("embedded dm.create.yaml: %w", err)
	}
	if len(s.ExampleProblems) > 0 {
		return nil, fmt.Errorf("embedded dm.create.yaml: examples do not match their schemas: %s",
			strings.Join(s.ExampleProblems, "; "))
	}
	return s, nil
})

// Load returns the embedded document, loaded once and shared by all callers,
// who must not modify its Doc. It fails if the document or any of its
// examples is invalid.
func Load() (*Spec, error) { return loadEmbedded() }

// DocProfile is what the dm.create doc page itself states about the
// answers: loose types, nothing required, no media type named.
//
//go:embed dm.create.doc.yaml
var DocProfile []byte

var loadDocProfile = sync.OnceValues(func() (*Spec, error) {
	s, err := LoadData(DocProfile)
	if err != nil {
		return nil, fmt.Errorf("embedded dm.create.doc.yaml: %w", err)
	}
	return s, nil
})

// LoadDocProfile returns the doc page's profile, loaded once. Validate its
// exchanges with ValidateDocResponse.
func LoadDocProfile() (*Spec, error) { return loadDocProfile() }

// ValidateDocResponse is ValidateResponse for the doc page's profile: the
// page names no media type, so a Content-Type it does not list is no
// violation; the body is still read as JSON.
func (s *Spec) ValidateDocResponse(ctx context.Context, ex Exchange) []Violation {
	return slices.DeleteFunc(s.ValidateResponse(ctx, ex), func(v Violation) bool { return v.Rule == RuleContentType })
}

// LoadData loads and validates any OpenAPI document. Structural errors fail;
// examples that do not match their schemas are reported in ExampleProblems.
func LoadData(data []byte) (*Spec, error) {
	ctx := context.Background()
	doc, err := openapi3.NewLoader().LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("parse OpenAPI document: %w", err)
	}
	if err := doc.Validate(ctx, openapi3.DisableExamplesValidation()); err != nil {
		return nil, fmt.Errorf("validate OpenAPI document: %w", err)
	}
	s := &Spec{Doc: doc}
	if err := doc.Validate(ctx, openapi3.EnableExamplesValidation(), openapi3.EnableMultiError()); err != nil {
		s.ExampleProblems = errorLines(err)
	}

	doc.Servers = relativeServers(doc.Servers)
	for _, item := range doc.Paths.Map() {
		item.Servers = relativeServers(item.Servers)
	}
	if s.router, err = gorillamux.NewRouter(doc); err != nil {
		return nil, fmt.Errorf("build router: %w", err)
	}
	if s.ops, err = operations(doc); err != nil {
		return nil, err
	}
	s.since = since(doc)
	if s.changelog, err = changelog(doc, s.ops); err != nil {
		return nil, err
	}
	s.reqOpts = &openapi3filter.Options{
		MultiError:          true,
		SkipSettingDefaults: true, // never rewrite the caller's body or headers
		AuthenticationFunc:  headersPresent,
	}
	// ValidateResponse runs no request checks; the request options are set
	// anyway so that the shared input can never demand credentials.
	s.respOpts = &openapi3filter.Options{
		MultiError:            true,
		IncludeResponseStatus: true,
		SkipSettingDefaults:   true,
		ExcludeRequestBody:    true,
		AuthenticationFunc:    openapi3filter.NoopAuthenticationFunc,
	}
	return s, nil
}

// errorLines splits a (multi-)error into one line per problem.
func errorLines(err error) []string {
	var me openapi3.MultiError
	if !errors.As(err, &me) {
		return []string{err.Error()}
	}
	var lines []string
	for _, e := range me {
		lines = append(lines, errorLines(e)...)
	}
	return lines
}

// relativeServers keeps only the path of each server URL: the validator sees
// requests to arbitrary hosts (a test server on a random port), and
// gorillamux would otherwise match the documented host too.
func relativeServers(servers openapi3.Servers) openapi3.Servers {
	var out openapi3.Servers
	for _, srv := range servers {
		u := srv.URL
		if _, rest, ok := strings.Cut(u, "://"); ok {
			u = ""
			if i := strings.IndexByte(rest, '/'); i >= 0 {
				u = rest[i:]
			}
		}
		u = strings.TrimSuffix(u, "/")
		if u == "" || slices.ContainsFunc(out, func(s *openapi3.Server) bool { return s.URL == u }) {
			continue
		}
		out = append(out, &openapi3.Server{URL: u, Variables: srv.Variables})
	}
	return out
}

func operations(doc *openapi3.T) ([]Operation, error) {
	var ops []Operation
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			o := Operation{Method: method, Path: path, OperationID: op.OperationID}
			if op.Responses != nil {
				for code := range op.Responses.Map() {
					n, err := strconv.Atoi(code)
					if err != nil {
						continue // "default" and ranges like "2XX" have no single status
					}
					o.Statuses = append(o.Statuses, n)
				}
			}
			slices.Sort(o.Statuses)
			ops = append(ops, o)
		}
	}
	if len(ops) == 0 {
		return nil, errors.New("document has no operations")
	}
	slices.SortFunc(ops, func(a, b Operation) int {
		if c := strings.Compare(a.Path, b.Path); c != 0 {
			return c
		}
		return strings.Compare(a.Method, b.Method)
	})
	return ops, nil
}

// since collects x-rc-since from the properties of every request body
// schema, looking through oneOf/anyOf/allOf branches.
func since(doc *openapi3.T) map[string]string {
	out := map[string]string{}
	var walk func(ref *openapi3.SchemaRef, depth int)
	walk = func(ref *openapi3.SchemaRef, depth int) {
		if ref == nil || ref.Value == nil || depth > 8 { // depth bounds recursive schemas
			return
		}
		s := ref.Value
		for name, prop := range s.Properties {
			if prop == nil || prop.Value == nil {
				continue
			}
			if v, ok := prop.Value.Extensions["x-rc-since"].(string); ok {
				if _, seen := out[name]; !seen {
					out[name] = v
				}
			}
		}
		for _, branches := range [][]*openapi3.SchemaRef{s.OneOf, s.AnyOf, s.AllOf} {
			for _, b := range branches {
				walk(b, depth+1)
			}
		}
	}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			if op.RequestBody == nil || op.RequestBody.Value == nil {
				continue
			}
			for _, mt := range op.RequestBody.Value.Content {
				walk(mt.Schema, 0)
			}
		}
	}
	return out
}

// changelog decodes x-rc-changelog of the first operation (in path order)
// that has one; the operations of one endpoint share it.
func changelog(doc *openapi3.T, ops []Operation) ([]ChangelogEntry, error) {
	for _, o := range ops {
		raw, ok := doc.Paths.Value(o.Path).GetOperation(o.Method).Extensions["x-rc-changelog"]
		if !ok {
			continue
		}
		b, err := json.Marshal(raw)
		if err != nil {
			return nil, fmt.Errorf("x-rc-changelog of %s %s: %w", o.Method, o.Path, err)
		}
		var entries []ChangelogEntry
		if err := json.Unmarshal(b, &entries); err != nil {
			return nil, fmt.Errorf("x-rc-changelog of %s %s: want a list of {version, description}: %w", o.Method, o.Path, err)
		}
		return entries, nil
	}
	return nil, nil
}

// Since maps each request body property to the version that introduced it
// (the x-rc-since extension).
func (s *Spec) Since() map[string]string {
	out := make(map[string]string, len(s.since))
	for k, v := range s.since {
		out[k] = v
	}
	return out
}

// Changelog returns the endpoint's x-rc-changelog entries in document order.
func (s *Spec) Changelog() []ChangelogEntry { return slices.Clone(s.changelog) }

// Operations lists every documented operation, sorted by path and method.
func (s *Spec) Operations() []Operation {
	out := slices.Clone(s.ops)
	for i := range out {
		out[i].Statuses = slices.Clone(out[i].Statuses)
	}
	return out
}

// DocumentedStatuses returns the explicit status codes documented for the
// operation that method and path route to, or nil if none does.
func (s *Spec) DocumentedStatuses(method, path string) []int {
	req, err := newRequest(context.Background(), method, path, nil, nil)
	if err != nil {
		return nil
	}
	route, _, err := s.router.FindRoute(req)
	if err != nil {
		return nil
	}
	return slices.Clone(s.statuses(route))
}

func (s *Spec) statuses(route *routers.Route) []int {
	for _, o := range s.ops {
		if o.Path == route.Path && o.Method == route.Method {
			return o.Statuses
		}
	}
	return nil
}

// headersPresent accepts an apiKey header scheme when its header is sent; it
// checks presence only, since validity is the server's business.
func headersPresent(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	sch := in.SecurityScheme
	if sch.Type != "apiKey" || sch.In != "header" {
		return nil
	}
	if in.RequestValidationInput.Request.Header.Get(sch.Name) == "" {
		return in.NewError(fmt.Errorf("header %s is missing", sch.Name))
	}
	return nil
}

// newRequest builds the request the router and validators look at. path may
// carry a query or be an absolute URL.
func newRequest(ctx context.Context, method, path string, header http.Header, body []byte) (*http.Request, error) {
	target := path
	if strings.HasPrefix(path, "/") {
		target = "http://localhost" + path
	}
	var req *http.Request
	var err error
	if body == nil {
		req, err = http.NewRequestWithContext(ctx, method, target, nil)
	} else {
		req, err = http.NewRequestWithContext(ctx, method, target, bytes.NewReader(body))
	}
	if err != nil {
		return nil, fmt.Errorf("build request %s %s: %w", method, path, err)
	}
	if header != nil {
		req.Header = header
	}
	return req, nil
}
