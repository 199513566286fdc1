package reference

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
)

// apiError is a complete failure response: status code plus JSON body.
type apiError struct {
	status int
	body   any
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

// unauthorizedBody is the 8.x 401 body: the Hono-era {success, error} plus
// the Restivus-compatible {status, message} that 8.x still appends.
type unauthorizedBody struct {
	Success bool   `json:"success"`
	Error   string `json:"error"`
	Status  string `json:"status"`
	Message string `json:"message"`
}

var (
	errUnauthorized = &apiError{status: http.StatusUnauthorized, body: unauthorizedBody{
		Error: loggedOutMessage, Status: "error", Message: loggedOutMessage,
	}}
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

func writeError(w http.ResponseWriter, e *apiError) {
	writeJSON(w, e.status, e.body)
}

// writeJSON writes v like JSON.stringify would (no HTML escaping, no trailing
// newline) with the headers Rocket.Chat's router puts on every API response.
func writeJSON(w http.ResponseWriter, status int, v any) {
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
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	w.WriteHeader(status)
	_, _ = w.Write(body) // a failed write means the client is gone
}

// lodashEscape is lodash's _.escape, which Rocket.Chat applies to user input
// it echoes in error messages.
var lodashEscape = strings.NewReplacer(
	"&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#39;",
).Replace
