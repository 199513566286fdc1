package explore

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rcconform/rcconform/conformance"
	"github.com/rcconform/rcconform/diff"
	"github.com/rcconform/rcconform/reference"
	fw "github.com/rcconform/rcconform/suites/framework"
)

// serve starts the reference at version on loopback, behind wrap when given.
func serve(t testing.TB, version string, wrap func(http.Handler) http.Handler) diff.Endpoint {
	t.Helper()
	ep, _ := serveVariants(t, version, nil, wrap)
	return ep
}

// serveVariants is serve for the reference emulating variants; it returns
// the fingerprint the run's probes would see too.
func serveVariants(t testing.TB, version string, variants map[string]string, wrap func(http.Handler) http.Handler) (diff.Endpoint, conformance.Fingerprint) {
	t.Helper()
	ref, err := reference.New(reference.Config{Version: version, Variants: variants})
	if err != nil {
		t.Fatal(err)
	}
	fp := conformance.Fingerprint{}
	for d, v := range ref.Variants() {
		if d != conformance.DimMaxUsers { // not probed
			fp[d] = conformance.Shown{Variant: v}
		}
	}
	var h http.Handler = ref
	if wrap != nil {
		h = wrap(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	def := reference.DefaultConfig()
	return diff.Endpoint{URL: srv.URL, AdminUser: def.AdminUsername, AdminPassword: def.AdminPassword}, fp
}

// onBody changes the JSON object body of dm.create and im.create requests
// before the reference reads it; edit reports whether it changed anything.
func onBody(edit func(m map[string]any) bool) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == fw.DMCreate || r.URL.Path == fw.IMCreate {
				raw, _ := io.ReadAll(r.Body)
				var m map[string]any
				if json.Unmarshal(raw, &m) == nil && edit(m) {
					raw, _ = json.Marshal(m)
				}
				r.Body = io.NopCloser(bytes.NewReader(raw))
				r.ContentLength = int64(len(raw))
			}
			next.ServeHTTP(w, r)
		})
	}
}

// Planted differences: each breaks one behaviour that no check's fixed
// request reaches.
var (
	// excludeSelfIgnored reads a true excludeSelf as false in the username
	// form (8.x: the room should hold the named user alone).
	excludeSelfIgnored = onBody(func(m map[string]any) bool {
		_, single := m["username"]
		switch m["excludeSelf"] {
		case true, "true", 1.0:
			if single {
				m["excludeSelf"] = false
				return true
			}
		}
		return false
	})
	// strictJSONType reads a JSON body only under the two Content-Types
	// the checks send, and any other as no body.
	strictJSONType = func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ct := strings.Join(r.Header.Values("Content-Type"), ", ")
			if strings.Contains(ct, "application/json") && ct != "application/json" && ct != "application/json; charset=utf-8" {
				_, _ = io.Copy(io.Discard, r.Body)
				r.Body = io.NopCloser(strings.NewReader(""))
				r.ContentLength = 0
			}
			next.ServeHTTP(w, r)
		})
	}
	// dropsNumbers closes the connection on a username given as a number.
	dropsNumbers = func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			raw, _ := io.ReadAll(r.Body)
			var m map[string]any
			if json.Unmarshal(raw, &m) == nil {
				if _, isNumber := m["username"].(float64); isNumber {
					panic(http.ErrAbortHandler)
				}
			}
			r.Body = io.NopCloser(bytes.NewReader(raw))
			next.ServeHTTP(w, r)
		})
	}
)
