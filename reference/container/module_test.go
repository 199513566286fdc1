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

	"github.com/rcconform/rcconform/reference"
	"github.com/rcconform/rcconform/reference/container"
)

// TestModule starts the reference like a testcontainers module, logs in as
// its admin, reads the release and a variant it was asked to behave like,
// and leaves neither a container nor a change of the process environment
// behind.
func TestModule(t *testing.T) {
	if testing.Short() {
		t.Skip("starts containers (make test runs it)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := container.Available(ctx); err != nil {
		t.Skipf("no docker engine answers: %v", err)
	}
	env := os.Environ()
	c, err := container.Run(ctx, container.WithRelease("7.10.2"), container.WithVariant("names", "exact"),
		container.WithVariant("empty-name", "dropped"), container.WithAdmin("boss", "Boss-Pass-42!"), container.WithMaxUsers(5))
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
	if info.Version != "7.10.2" {
		t.Errorf("the admin's /api/info says %q, want the release asked for, 7.10.2", info.Version)
	}
	// names=exact leaves a name that matches nobody out of the room; the
	// line's default, lookup, would refuse it.
	req, _ = http.NewRequest(http.MethodPost, c.URL()+"/api/v1/dm.create", strings.NewReader(`{"username":"nobody"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-User-Id", login.Data.UserID)
	req.Header.Set("X-Auth-Token", login.Data.AuthToken)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("dm.create with an unknown name: %d, want the self-DM names=exact answers", resp.StatusCode)
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

// TestModuleRefuses: a release outside the lines, or a variant its line
// excludes, is refused before any container starts.
func TestModuleRefuses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts containers (make test runs it)")
	}
	for _, c := range []struct {
		opts []container.Option
		says string
	}{
		{[]container.Option{container.WithRelease("10.0.0")}, "10.0.0"},
		{[]container.Option{container.WithRelease("7.2.0"), container.WithVariant("names", "exact")}, "names=exact"},
		{[]container.Option{container.WithVariant("names", "fuzzy")}, `"fuzzy"`},
	} {
		if _, err := container.Run(context.Background(), c.opts...); err == nil || !strings.Contains(err.Error(), c.says) {
			t.Errorf("Run: %v, want an error saying %s", err, c.says)
		}
	}
}

// TestReferenceOptions: the reference's configuration becomes its flags,
// each variant a --variant, in a stable order.
func TestReferenceOptions(t *testing.T) {
	opts := container.ReferenceOptions(reference.Config{
		AdminUsername: "boss", AdminPassword: "pw", MaxUsers: 5, Version: "8.4.0",
		Variants:  map[string]string{"route": "typed", "coercion": "coerce", "names": "exact", "empty-name": "dropped"},
		RateLimit: reference.RateLimit{Calls: 3, Window: time.Minute},
	})
	want := []string{"--max-users", "5", "--rc-version", "8.4.0",
		"--variant", "coercion=coerce", "--variant", "empty-name=dropped", "--variant", "names=exact", "--variant", "route=typed",
		"--rate-limit", "3", "--rate-limit-window", "1m0s"}
	if !slices.Equal(opts.Args, want) {
		t.Errorf("Args = %q\nwant %q", opts.Args, want)
	}
	if opts.Env["ADMIN_USERNAME"] != "boss" || opts.Env["ADMIN_PASS"] != "pw" {
		t.Errorf("Env = %v", opts.Env)
	}
	if args := container.ReferenceOptions(reference.Config{}).Args; len(args) != 0 {
		t.Errorf("zero Config: Args = %q", args)
	}
}

// TestModuleWithoutHostOverride runs TestModule in a process whose
// environment lacks TESTCONTAINERS_HOST_OVERRIDE: Run finds the mapped port
// by itself, where testcontainers' own guess may be wrong.
func TestModuleWithoutHostOverride(t *testing.T) {
	if testing.Short() {
		t.Skip("starts containers (make test runs it)")
	}
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
