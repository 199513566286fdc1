package openapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// Rule ids of a Violation.
const (
	RuleRoute          = "route"             // method and path match no documented operation
	RuleStatus         = "status-documented" // the response status is not documented
	RuleContentType    = "content-type"      // the media type is not a documented one
	RuleResponseSchema = "response-schema"   // the response body does not match its schema
	RuleRequestSchema  = "request-schema"    // the request body or a parameter does not match
	RuleSecurity       = "security"          // an authentication header is missing
)

const (
	contentTypeHeader = "Content-Type"
	// unsupportedStatus is kin-openapi's reason for an undocumented status.
	unsupportedStatus = "status is not supported"
)

// Exchange is one recorded HTTP request and its response.
type Exchange struct {
	Method         string
	Path           string // e.g. /api/v1/dm.create; a query or an absolute URL is allowed
	RequestHeader  http.Header
	RequestBody    []byte
	Status         int
	ResponseHeader http.Header
	ResponseBody   []byte
}

// Violation is one way an exchange departs from the document.
type Violation struct {
	Rule    string // one of the Rule constants
	Field   string // JSON pointer into the body, e.g. "/room/rid"; "" when not about a body field
	Message string // what the document says and what was seen
}

func (v Violation) String() string {
	if v.Field == "" {
		return v.Rule + ": " + v.Message
	}
	return v.Rule + " " + v.Field + ": " + v.Message
}

// ValidateResponse checks the response of ex: that its method and path are
// documented, its status is documented, its media type is a documented one
// and its body matches the schema. Authentication is not checked: a 401
// exchange carries no credentials by design. It returns nil when the
// response conforms.
func (s *Spec) ValidateResponse(ctx context.Context, ex Exchange) []Violation {
	req, route, v := s.route(ctx, ex.Method, ex.Path, ex.RequestHeader, nil)
	if v != nil {
		return []Violation{*v}
	}
	responses := route.Operation.Responses
	ref := responses.Status(ex.Status)
	if ref == nil {
		ref = responses.Default()
	}
	if ref == nil || ref.Value == nil {
		return []Violation{s.statusViolation(route, ex.Status)}
	}

	var out []Violation
	header := ex.ResponseHeader
	if content := ref.Value.Content; len(content) > 0 {
		ct := header.Get(contentTypeHeader)
		media := ct
		if content.Get(ct) == nil {
			out = append(out, contentTypeViolation("", ct, content))
			media = mediaTypes(content)[0]
			header = withContentType(header, media)
		}
		if isJSON(media) && !json.Valid(ex.ResponseBody) {
			return append(out, Violation{Rule: RuleResponseSchema, Message: invalidJSON("response", ex.ResponseBody)})
		}
	}

	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, Route: route, Options: s.respOpts},
		Status:                 ex.Status,
		Header:                 header,
		Options:                s.respOpts,
	}
	in.SetBodyBytes(ex.ResponseBody)
	if err := openapi3filter.ValidateResponse(ctx, in); err != nil {
		out = append(out, s.responseViolations(err, route, ex)...)
	}
	return out
}

// ValidateRequest checks the request of ex against the document: route,
// authentication headers (presence only), media type and body schema. It
// returns nil when the request conforms.
func (s *Spec) ValidateRequest(ctx context.Context, ex Exchange) []Violation {
	req, route, v := s.route(ctx, ex.Method, ex.Path, ex.RequestHeader, ex.RequestBody)
	if v != nil {
		return []Violation{*v}
	}

	var out []Violation
	opts := s.reqOpts
	if rb := route.Operation.RequestBody; rb != nil && rb.Value != nil && len(rb.Value.Content) > 0 && len(ex.RequestBody) > 0 {
		content := rb.Value.Content
		ct := req.Header.Get(contentTypeHeader)
		media := ct
		if content.Get(ct) == nil {
			out = append(out, contentTypeViolation("request ", ct, content))
			media = mediaTypes(content)[0]
			req.Header = withContentType(req.Header, media)
		}
		if isJSON(media) && !json.Valid(ex.RequestBody) {
			out = append(out, Violation{Rule: RuleRequestSchema, Message: invalidJSON("request", ex.RequestBody)})
			noBody := *opts
			noBody.ExcludeRequestBody = true
			opts = &noBody
		}
	}

	in := &openapi3filter.RequestValidationInput{Request: req, Route: route, Options: opts}
	if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
		out = append(out, s.requestViolations(err, route, req.Header, ex.RequestBody)...)
	}
	return out
}

// route finds the documented operation for method and path.
func (s *Spec) route(ctx context.Context, method, path string, header http.Header, body []byte) (*http.Request, *routers.Route, *Violation) {
	req, err := newRequest(ctx, method, path, header, body)
	if err != nil {
		return nil, nil, &Violation{Rule: RuleRoute, Message: err.Error()}
	}
	route, _, err := s.router.FindRoute(req)
	switch {
	case err == nil:
		return req, route, nil
	case errors.Is(err, routers.ErrMethodNotAllowed):
		var methods []string
		for _, o := range s.ops {
			if o.Path == req.URL.Path {
				methods = append(methods, o.Method)
			}
		}
		return nil, nil, &Violation{Rule: RuleRoute, Message: fmt.Sprintf("method %s is not documented for %s (documented: %s)",
			method, req.URL.Path, strings.Join(methods, ", "))}
	case errors.Is(err, routers.ErrPathNotFound):
		return nil, nil, &Violation{Rule: RuleRoute, Message: fmt.Sprintf("path %s is not documented", req.URL.Path)}
	default:
		return nil, nil, &Violation{Rule: RuleRoute, Message: fmt.Sprintf("%s %s matches no documented operation: %v",
			method, req.URL.Path, err)}
	}
}

func (s *Spec) statusViolation(route *routers.Route, status int) Violation {
	codes := s.statuses(route)
	list := make([]string, len(codes))
	for i, c := range codes {
		list[i] = strconv.Itoa(c)
	}
	return Violation{Rule: RuleStatus, Message: fmt.Sprintf("status %d is not documented for %s %s (documented: %s)",
		status, route.Method, route.Path, strings.Join(list, ", "))}
}

func (s *Spec) responseViolations(err error, route *routers.Route, ex Exchange) []Violation {
	var re *openapi3filter.ResponseError
	if errors.As(err, &re) && re.Reason == unsupportedStatus {
		return []Violation{s.statusViolation(route, ex.Status)}
	}
	var pe *openapi3filter.ParseError
	if errors.As(err, &pe) {
		return []Violation{{Rule: RuleResponseSchema, Message: "response body could not be decoded: " + pe.Error()}}
	}
	d := &describer{
		subject:    "response body",
		requiredBy: fmt.Sprintf("the %d response schema", ex.Status),
		body:       ex.ResponseBody,
	}
	if vs := d.violations(err, RuleResponseSchema); len(vs) > 0 {
		return vs
	}
	return []Violation{{Rule: RuleResponseSchema, Message: "response: " + err.Error()}}
}

func (s *Spec) requestViolations(err error, route *routers.Route, header http.Header, body []byte) []Violation {
	var errs []error
	var me openapi3.MultiError
	if errors.As(err, &me) {
		errs = me
	} else {
		errs = []error{err}
	}
	d := &describer{subject: "request body", requiredBy: "the request body schema", body: body}
	var out []Violation
	for _, e := range errs {
		var sre *openapi3filter.SecurityRequirementsError
		var re *openapi3filter.RequestError
		var pe *openapi3filter.ParseError
		switch {
		case errors.As(e, &sre):
			out = append(out, Violation{Rule: RuleSecurity, Message: s.securityMessage(route, header, sre)})
		case errors.Is(e, openapi3filter.ErrInvalidRequired) && errors.As(e, &re) && re.RequestBody != nil:
			out = append(out, Violation{Rule: RuleRequestSchema, Message: "request body is missing (the operation requires one)"})
		case errors.As(e, &pe):
			out = append(out, Violation{Rule: RuleRequestSchema, Message: "request body could not be decoded: " + pe.Error()})
		default:
			vs := d.violations(e, RuleRequestSchema)
			if len(vs) == 0 {
				vs = []Violation{{Rule: RuleRequestSchema, Message: "request: " + e.Error()}}
			}
			out = append(out, vs...)
		}
	}
	return out
}

// securityMessage names the missing headers and what the document requires.
func (s *Spec) securityMessage(route *routers.Route, header http.Header, sre *openapi3filter.SecurityRequirementsError) string {
	var schemes openapi3.SecuritySchemes
	if c := route.Spec.Components; c != nil {
		schemes = c.SecuritySchemes
	}
	var missing, alternatives []string
	for _, req := range sre.SecurityRequirements {
		var parts []string
		for _, name := range slices.Sorted(maps.Keys(req)) {
			ref := schemes[name]
			if ref == nil || ref.Value == nil || ref.Value.Type != "apiKey" || ref.Value.In != "header" {
				parts = append(parts, fmt.Sprintf("security scheme %q", name))
				continue
			}
			h := ref.Value.Name
			parts = append(parts, h)
			if header.Get(h) == "" && !slices.Contains(missing, h) {
				missing = append(missing, h)
			}
		}
		alternatives = append(alternatives, strings.Join(parts, " and "))
	}
	if len(missing) == 0 {
		return "request is not authenticated as the document requires: " + sre.Error()
	}
	noun := "header"
	if len(missing) > 1 {
		noun = "headers"
	}
	return fmt.Sprintf("request lacks the %s %s (the document requires %s)",
		strings.Join(missing, " and "), noun, strings.Join(alternatives, ", or "))
}

func contentTypeViolation(prefix, got string, content openapi3.Content) Violation {
	want := strings.Join(mediaTypes(content), " or ")
	if got == "" {
		return Violation{Rule: RuleContentType, Message: fmt.Sprintf("%sContent-Type header is missing (want %s)", prefix, want)}
	}
	return Violation{Rule: RuleContentType, Message: fmt.Sprintf("%sContent-Type %q is not %s", prefix, got, want)}
}

// mediaTypes lists the documented media types, JSON first, then sorted.
func mediaTypes(content openapi3.Content) []string {
	types := slices.Sorted(maps.Keys(content))
	slices.SortStableFunc(types, func(a, b string) int {
		switch ja, jb := isJSON(a), isJSON(b); {
		case ja && !jb:
			return -1
		case jb && !ja:
			return 1
		}
		return 0
	})
	return types
}

func isJSON(contentType string) bool {
	media, _, _ := strings.Cut(contentType, ";")
	media = strings.ToLower(strings.TrimSpace(media))
	return media == "application/json" || strings.HasSuffix(media, "+json")
}

// withContentType returns a copy of h with Content-Type set, so that a body
// sent with a wrong media type is still checked against the documented schema.
func withContentType(h http.Header, media string) http.Header {
	out := make(http.Header, len(h)+1)
	for k, v := range h {
		out[k] = v
	}
	out.Set(contentTypeHeader, media)
	return out
}

func invalidJSON(what string, body []byte) string {
	if len(body) == 0 {
		return what + " body is empty, not a JSON document"
	}
	var v any
	err := json.Unmarshal(body, &v)
	return fmt.Sprintf("%s body is not valid JSON: %v", what, err)
}
