package reference

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/rcconform/rcconform/conformance"
)

// apiError is a complete failure response: status code plus JSON body.
type apiError struct {
	status int
	body   any
	// bare is an answer the router that replaced Restivus sends with c.json
	// before or outside the route's own handler: it carries Content-Type
	// and nothing else.
	bare bool
}

// failureBody is the shape of Rocket.Chat's API.v1.failure: the field order
// (success, error, errorType, details) is the order on the wire.
type failureBody struct {
	Success   bool   `json:"success"`
	Error     string `json:"error"`
	ErrorType string `json:"errorType,omitempty"`
	Details   any    `json:"details,omitempty"`
}

type methodDetails struct {
	Method string `json:"method"`
}

type fieldDetails struct {
	Method string `json:"method"`
	Field  string `json:"field"`
}

type inputDetails struct {
	Method string `json:"method"`
	Input  string `json:"input"`
	Field  string `json:"field"`
}

// meteorError mirrors a thrown Meteor.Error(code, reason, details): Meteor
// appends " [code]" to the reason and the API copies code into errorType.
func meteorError(status int, code, reason string, details any) *apiError {
	return &apiError{status: status, body: failureBody{
		Error:     reason + " [" + code + "]",
		ErrorType: code,
		Details:   details,
	}}
}

// plainError mirrors a thrown JS Error without an error code: no errorType.
func plainError(status int, msg string) *apiError {
	return &apiError{status: status, body: failureBody{Error: msg}}
}

const loggedOutMessage = "You must be logged in to do this."

// unauthorizedBody is the router's 401 body (unauthorized=router): its
// {success, error} plus the Restivus-compatible {status, message} it adds
// while the breaking changes are not applied.
type unauthorizedBody struct {
	Success bool   `json:"success"`
	Error   string `json:"error"`
	Status  string `json:"status"`
	Message string `json:"message"`
}

// restivusUnauthorizedBody is the Restivus 401 body (unauthorized=restivus).
type restivusUnauthorizedBody struct {
	Status  string `json:"status"`
	Message string `json:"message"`
}

// unauthorized is the 401 answer of the emulated release.
func (s *Server) unauthorized() *apiError {
	switch s.rel.unauthorized {
	case conformance.Restivus:
		return errUnauthorizedRestivus
	case conformance.Breaking:
		return errUnauthorizedBreaking
	default:
		return errUnauthorized
	}
}

// apiErrors are never changed once made, so one can answer many requests.
var (
	errUnauthorized = &apiError{status: http.StatusUnauthorized, bare: true, body: unauthorizedBody{
		Error: loggedOutMessage, Status: "error", Message: loggedOutMessage,
	}}
	errUnauthorizedRestivus = &apiError{status: http.StatusUnauthorized, body: restivusUnauthorizedBody{
		Status: "error", Message: loggedOutMessage,
	}}
	// errUnauthorizedBreaking is api.unauthorized(msg) as it is, once the
	// breaking changes are applied (unauthorized=breaking).
	errUnauthorizedBreaking = &apiError{status: http.StatusUnauthorized, bare: true, body: failureBody{Error: loggedOutMessage}}
	// The permission check names its error, so a 403 never falls back to
	// api.forbidden()'s default ('unauthorized', or 'forbidden' with the
	// breaking changes): its body is the same for every variant.
	errForbidden = &apiError{status: http.StatusForbidden, body: failureBody{
		Error: "User does not have the permissions required for this action [error-unauthorized]",
	}}
	errNotFound     = plainError(http.StatusNotFound, "Resource not found")
	errTooLarge     = plainError(http.StatusRequestEntityTooLarge, "request entity too large")
	errInternal     = plainError(http.StatusInternalServerError, "Internal server error")
	errInvalidUser  = meteorError(http.StatusBadRequest, "error-invalid-user", "Invalid user", methodDetails{"createDirectMessage"})
	errNotAllowed   = meteorError(http.StatusBadRequest, "error-not-allowed", "Not allowed", methodDetails{"createDirectMessage"})
	errEmptyName    = plainError(http.StatusBadRequest, "invalid username")
	internalErrJSON = []byte(`{"success":false,"error":"Internal server error"}`)
)

func invalidParams(msg string) *apiError {
	return meteorError(http.StatusBadRequest, "invalid-params", msg, nil)
}

// typedInvalidParams is the router's answer to a body that fails a typed
// route's schema (route=typed): no Meteor suffix, errorType before error.
func typedInvalidParams(msg string) *apiError {
	return &apiError{status: http.StatusBadRequest, bare: true, body: struct {
		Success   bool   `json:"success"`
		ErrorType string `json:"errorType"`
		Error     string `json:"error"`
	}{ErrorType: "invalid-params", Error: msg}}
}

func (s *Server) writeError(w http.ResponseWriter, e *apiError) {
	if (e.status == http.StatusUnauthorized || e.status == http.StatusForbidden) && s.rel.restivusRouter() && s.cfg.UnauthorizedDelay {
		// Restivus answers 401 and 403 after 500 ms × (1 + random).
		time.Sleep(500*time.Millisecond + rand.N(500*time.Millisecond))
	}
	if e.bare {
		writeJSON(w, e.status, e.body, nil)
		return
	}
	s.writeJSON(w, e.status, e.body)
}

// routeHeaders are the headers the router that replaced Restivus puts on
// every answer of a route; restivusHeaders are Restivus's, with its
// default CORS headers (enableCors is left on). writeJSON copies them into
// each response, so no response shares them.
var (
	routeHeaders    = http.Header{"Cache-Control": {"no-store"}, "Pragma": {"no-cache"}}
	restivusHeaders = http.Header{
		"Cache-Control":                {"no-store"},
		"Pragma":                       {"no-cache"},
		"Access-Control-Allow-Origin":  {"*"},
		"Access-Control-Allow-Headers": {"Origin, X-Requested-With, Content-Type, Accept, X-User-Id, X-Auth-Token"},
	}
)

// writeJSON writes v with the headers the emulated router puts on every
// answer of a route.
func (s *Server) writeJSON(w http.ResponseWriter, status int, v any) {
	h := routeHeaders
	if s.rel.restivusRouter() {
		h = restivusHeaders
	}
	writeJSON(w, status, v, h)
}

// writeJSON writes v like JSON.stringify would (no HTML escaping, no trailing
// newline) as application/json, with copies of the extra headers.
func writeJSON(w http.ResponseWriter, status int, v any, extra http.Header) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	body := internalErrJSON
	if err := enc.Encode(v); err != nil {
		status = http.StatusInternalServerError
	} else {
		body = bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	for k, vs := range extra {
		h[k] = slices.Clone(vs)
	}
	w.WriteHeader(status)
	_, _ = w.Write(body) // a failed write means the client is gone
}

// lodashEscape is lodash's _.escape, which Rocket.Chat applies to user input
// it echoes in error messages.
var lodashEscape = strings.NewReplacer(
	"&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#39;",
).Replace
