package rest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
)

// Redacted replaces every secret in reports and messages.
const Redacted = "[redacted]"

// secretHeaders are the request/response headers that carry credentials.
var secretHeaders = []string{"X-Auth-Token", "Authorization", "Cookie", "Set-Cookie"}

// secretKeys are JSON keys whose values are credentials, at any depth.
var secretKeys = map[string]bool{
	"password": true, "authtoken": true, "token": true, "x-auth-token": true,
	"hashedtoken": true, "logintoken": true, "resume": true, "code": true, "totp": true,
}

// RedactHeader returns a copy of h with credential headers replaced.
func RedactHeader(h http.Header) http.Header {
	out := h.Clone()
	if out == nil {
		return http.Header{}
	}
	// Names are matched ignoring case: a request may carry a header under a
	// name that is not canonical (x-auth-token), kept as sent.
	for k, vs := range out {
		for _, secret := range secretHeaders {
			if strings.EqualFold(k, secret) {
				for i := range vs {
					vs[i] = Redacted
				}
			}
		}
	}
	return out
}

// RedactJSON returns body with the values of credential keys replaced. A
// body that is not JSON is returned as is, minus any of the known secrets.
func RedactJSON(body []byte, secrets ...string) []byte {
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return []byte(RedactString(string(body), secrets...))
	}
	if !redactValue(v) {
		return []byte(RedactString(string(body), secrets...))
	}
	out, err := json.Marshal(v)
	if err != nil {
		return []byte(Redacted)
	}
	return []byte(RedactString(string(out), secrets...))
}

// RedactString replaces each non-empty secret occurring in s.
func RedactString(s string, secrets ...string) string {
	for _, sec := range secrets {
		if len(sec) >= 4 {
			s = strings.ReplaceAll(s, sec, Redacted)
		}
	}
	return s
}

// redactValue replaces credential values in place and reports whether it
// changed anything, so untouched bodies keep their original bytes.
func redactValue(v any) bool {
	changed := false
	switch t := v.(type) {
	case map[string]any:
		for k, val := range t {
			if secretKeys[strings.ToLower(k)] {
				t[k] = Redacted
				changed = true
				continue
			}
			changed = redactValue(val) || changed
		}
	case []any:
		for i := range t {
			changed = redactValue(t[i]) || changed
		}
	}
	return changed
}

// RedactURL drops any user and password from a URL.
func RedactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		if i := strings.LastIndex(s, "@"); i >= 0 {
			return "…" + s[i:]
		}
		return s
	}
	if u.User == nil {
		return s
	}
	u.User = nil
	return u.String()
}
