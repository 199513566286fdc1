package container_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rcconform/rcconform/reference/container"
)

// TestModule starts the reference like a testcontainers module, logs in as
// its admin, reads the release it was asked to behave like, and leaves
// neither a container nor a change of the process environment behind.
func TestModule(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := container.Available(ctx); err != nil {
		t.Skipf("no docker engine answers: %v", err)
	}
	env := os.Environ()
	c, err := container.Run(ctx, container.WithRelease("6.14.0"), container.WithAdmin("boss", "Boss-Pass-42!"), container.WithMaxUsers(5))
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	defer func() { _ = c.Terminate(context.Background()) }()
	if !slices.Equal(env, os.Environ()) {
		t.Error("Run changed the process environment")
	}

	resp, err := http.PostForm(c.URL()+"/api/v1/login", url.Values{"user": {c.AdminUser()}, "password": {c.AdminPassword()}})
	if err != nil {
		t.Fatal(err)
	}
	var login struct {
		Data struct{ UserID, AuthToken string }
	}
	err = json.NewDecoder(resp.Body).Decode(&login)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 || login.Data.AuthToken == "" {
		t.Fatalf("form-encoded login as %s: %d %v", c.AdminUser(), resp.StatusCode, err)
	}
	req, _ := http.NewRequest(http.MethodGet, c.URL()+"/api/info", nil)
	req.Header.Set("X-User-Id", login.Data.UserID)
	req.Header.Set("X-Auth-Token", login.Data.AuthToken)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var info struct{ Version string }
	_ = json.NewDecoder(resp.Body).Decode(&info)
	resp.Body.Close()
	if info.Version != "6.14.0" {
		t.Errorf("the admin's /api/info says %q, want the release asked for, 6.14.0", info.Version)
	}
	if err := c.Terminate(ctx); err != nil {
		t.Fatal(err)
	}
	ids, err := container.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 0 {
		t.Errorf("containers left after Terminate: %v", ids)
	}
}

func TestModuleRefusesAnUnknownRelease(t *testing.T) {
	if _, err := container.Run(context.Background(), container.WithRelease("7.2.0")); err == nil || !strings.Contains(err.Error(), "7.2.0") {
		t.Fatalf("Run with release 7.2.0: %v, want an error naming it", err)
	}
}

// TestModuleWithoutHostOverride runs TestModule in a process whose
// environment lacks TESTCONTAINERS_HOST_OVERRIDE: Run finds the mapped port
// by itself, where testcontainers' own guess may be wrong.
func TestModuleWithoutHostOverride(t *testing.T) {
	if os.Getenv("RC_MODULE_CHILD") != "" {
		t.Skip("already the child")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := container.Available(ctx); err != nil {
		t.Skipf("no docker engine answers: %v", err)
	}
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run", "^TestModule$", "-test.v")
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "TESTCONTAINERS_HOST_OVERRIDE=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "RC_MODULE_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: TestModule") {
		t.Fatalf("TestModule without TESTCONTAINERS_HOST_OVERRIDE: %v\n%s", err, out)
	}
}

// TestMain readies testcontainers for an engine without a registry, as a
// program would; the child of TestModuleWithoutHostOverride keeps the
// mapped-port host to Run's own discovery.
func TestMain(m *testing.M) {
	if os.Getenv("RC_MODULE_CHILD") == "" {
		container.PrepareEnv()
	} else if _, ok := os.LookupEnv("TESTCONTAINERS_RYUK_DISABLED"); !ok {
		os.Setenv("TESTCONTAINERS_RYUK_DISABLED", "true")
	}
	os.Exit(m.Run())
}
