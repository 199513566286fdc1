package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestRedirectedTargetGetsNoCredentials: a target that answers the admin's
// login with a redirect to another origin must not make rcconform send the
// password (or anything) there; the run stops naming the Location.
func TestRedirectedTargetGetsNoCredentials(t *testing.T) {
	for _, code := range []int{http.StatusFound, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			var reached atomic.Int64
			var leaked atomic.Value
			other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				reached.Add(1)
				body, _ := io.ReadAll(r.Body)
				leaked.Store(string(body) + r.Header.Get("X-Auth-Token"))
			}))
			defer other.Close()
			target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/api/info" {
					w.Header().Set("Content-Type", "application/json")
					io.WriteString(w, `{"version":"8.6","success":true}`)
					return
				}
				http.Redirect(w, r, other.URL+r.URL.Path, code)
			}))
			defer target.Close()
			const password = "Redirected-Pass-6"
			r := cli(t, []string{"RC_ADMIN_PASSWORD=" + password}, "run", "--target", target.URL, "--report-dir", t.TempDir())
			wantExit(t, r, exitCannotRun)
			wantOneSentence(t, r, "redirect", other.URL, "--target")
			if n := reached.Load(); n != 0 {
				t.Errorf("the other origin got %d requests (%v)", n, leaked.Load())
			}
			if strings.Contains(r.stdout+r.stderr, password) {
				t.Error("the password appears in the console")
			}
		})
	}
}

// TestPlainHTTPToPublicAddress: credentials are not sent over plain http to
// an address that is neither loopback nor private, unless asked for; the
// run stops before sending anything.
func TestPlainHTTPToPublicAddress(t *testing.T) {
	r := cli(t, []string{"RC_ADMIN_PASSWORD=x"}, "run", "--target", "http://203.0.113.7:3000", "--report-dir", t.TempDir())
	wantExit(t, r, exitCannotRun)
	wantOneSentence(t, r, "plain http", "203.0.113.7", "--allow-insecure")
	if r.elapsed > 10*time.Second {
		t.Errorf("refusing took %s; nothing should have been sent", r.elapsed)
	}
}

// TestAdminPasswordFile reads the password from a file, so that it never
// shows on a command line.
func TestAdminPasswordFile(t *testing.T) {
	const password = "File-Admin-Pass-7"
	srv := startServer(t, serverOptions{adminPassword: password})
	file := filepath.Join(t.TempDir(), "password")
	if err := os.WriteFile(file, []byte(password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	r := cli(t, nil, "run", "--target", srv.URL, "--admin-password-file", file, "--report-dir", dir)
	wantPassingRun(t, r, dir)
}
