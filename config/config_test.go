package config

import (
	"flag"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/rcconform/rcconform/certify"
	"github.com/rcconform/rcconform/conformance"
	"github.com/rcconform/rcconform/targets"
)

func env(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }

func load(t *testing.T, vars map[string]string, args ...string) (certify.Plan, error) {
	t.Helper()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return Load(fs, args, env(vars))
}

func TestLoadEnvironmentAndFlags(t *testing.T) {
	c, err := load(t, map[string]string{
		"RC_URL": "http://127.0.0.1:3000", "RC_ADMIN_USER": "boss", "RC_LEVEL": "core", "RC_VERSION": "6.14.0",
		"RC_MAX_USERS": "5", "RC_TIMEOUT": "2m", "RC_HTTP_TIMEOUT": "3s", "RC_RATE_LIMIT_BUDGET": "1s",
		"RC_LABEL_FILTER": "family:success", "RC_ALLOW_INSECURE": "true", "RC_REPORT_DIR": "out",
	}, "--level", "recommended", "--max-users", "7")
	if err != nil {
		t.Fatal(err)
	}
	if c.URL != "http://127.0.0.1:3000" || c.AdminUser != "boss" || c.RCVersion != "6.14.0" || c.ReportDir != "out" ||
		c.LabelFilter != "family:success" || !c.AllowInsecure || c.Timeout != 2*time.Minute || c.HTTPTimeout != 3*time.Second || c.RateLimitBudget != time.Second {
		t.Errorf("from the environment: %+v", c)
	}
	if c.Level != conformance.Recommended || c.MaxUsers != 7 {
		t.Errorf("a flag must win over its variable: level %q, max users %d", c.Level, c.MaxUsers)
	}
}

func TestLoadRefuses(t *testing.T) {
	file := t.TempDir() + "/empty"
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		vars map[string]string
		args []string
		want string
	}{
		{"bad level", nil, []string{"--level", "gold"}, "--level: unknown level"},
		{"bad variable", map[string]string{"RC_MAX_USERS": "0"}, nil, "RC_MAX_USERS"},
		{"bad release", nil, []string{"--rc-version", "eight"}, "not a release"},
		{"two targets", nil, []string{"--target", "http://x", "--image", "y"}, "give one of"},
		{"rocketchat and a URL", nil, []string{"--target", "http://x", "--rocketchat", "8.6.1"}, "give one of"},
		{"images without --rocketchat", nil, []string{"--mongo-image", "m"}, "go with --rocketchat"},
		{"in-process and a URL", map[string]string{"RC_TARGET": "in-process"}, []string{"--target", "http://x"}, "cannot be combined"},
		{"credentials in the URL", nil, []string{"--target", "http://u:p@x"}, "carries credentials"},
		{"not a URL", nil, []string{"--target", "ftp://x"}, "not an http"},
		{"empty password file", nil, []string{"--admin-password-file", file}, "is empty"},
		{"bad duration", nil, []string{"--timeout", "soon"}, "positive duration"},
		{"stray argument", nil, []string{"now"}, "run takes no arguments"},
		{"bad label filter", nil, []string{"--label-filter", "a &&"}, "cannot be parsed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := load(t, tc.vars, tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one mentioning %q", err, tc.want)
			}
		})
	}
}

// The settings land in the plan, and the plan's suite obtains the server
// they name.
func TestLoadBindsThePlan(t *testing.T) {
	c, err := load(t, map[string]string{"RC_ROCKETCHAT_VERSION": "8.6.1"}, "--timeout", "4m")
	if err != nil {
		t.Fatal(err)
	}
	if c.TargetKind() != targets.RocketChat || c.Timeout != 4*time.Minute {
		t.Errorf("--rocketchat and --timeout: %+v", c)
	}
	if s := c.Suite(); s.RCVersion != "8.6.1" || s.Start == nil || s.StartTimeout != 4*time.Minute {
		t.Errorf("the suite certifies the release started, obtained by Start: %+v", s)
	}
}

// TestDocsListEverySetting keeps the settings tables of docs/cli.md (run)
// and docs/diff.md (what diff adds) whole.
func TestDocsListEverySetting(t *testing.T) {
	for doc, settings := range map[string][]Setting{"../docs/cli.md": Settings(), "../docs/diff.md": DiffSettings()} {
		raw, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range settings {
			if !strings.Contains(string(raw), "`--"+s.Flag) || !strings.Contains(string(raw), "`"+s.Env) {
				t.Errorf("%s does not list --%s and %s", doc, s.Flag, s.Env)
			}
		}
	}
}

func loadDiff(t *testing.T, vars map[string]string, args ...string) (certify.Plan, certify.Against, error) {
	t.Helper()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return LoadDiff(fs, args, env(vars))
}

func TestLoadDiffReadsRunsSettingsAndItsOwn(t *testing.T) {
	file := t.TempDir() + "/password"
	if err := os.WriteFile(file, []byte("secret\r\nnot this\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, d, err := loadDiff(t, map[string]string{"RC_AGAINST_URL": "http://127.0.0.1:3000", "RC_EXPLORE": "5", "RC_MAX_USERS": "5"},
		"--against-admin-user", "root", "--against-admin-password-file", file, "--explore", "7", "--seed", "3")
	if err != nil {
		t.Fatal(err)
	}
	if d.URL != "http://127.0.0.1:3000" || d.AdminUser != "root" || d.AdminPassword != "secret" || d.Explore != 7 || d.Seed != 3 {
		t.Errorf("diff's settings: %+v", d)
	}
	if c.MaxUsers != 5 || c.WithDefaults().Timeout != certify.DefaultTimeout {
		t.Errorf("run's settings: max users %d, timeout %s", c.MaxUsers, c.Timeout)
	}
	if _, d, err = loadDiff(t, nil, "--against-container"); err != nil || !d.Container || d.Seed >= 1<<53 {
		t.Errorf("without a seed: %+v, %v; want the container and a seed below 2^53", d, err)
	}
}

func TestLoadDiffRefuses(t *testing.T) {
	empty := t.TempDir() + "/empty"
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		vars map[string]string
		args []string
		want string
	}{
		{"two servers", nil, []string{"--against-image", "x", "--against-container"}, "give one of --against"},
		{"an admin for the bundled reference", nil, []string{"--against-admin-user", "root"}, "has its own admin"},
		{"images without --against-rocketchat", nil, []string{"--against-mongo-image", "m"}, "go with --against-rocketchat"},
		{"not a URL", nil, []string{"--against", "ftp://x"}, `--against "ftp://x" is not an http`},
		{"empty password file", nil, []string{"--against", "http://x", "--against-admin-password-file", empty}, "--against-admin-password-file: the against admin password file"},
		{"bad flag", nil, []string{"--explore", "-1"}, "--explore: --explore must be a number"},
		{"bad variable", map[string]string{"RC_SEED": "x"}, nil, "RC_SEED: --seed must be"},
		{"diff's variable before run's", map[string]string{"RC_EXPLORE": "-1", "RC_MAX_USERS": "0"}, nil, "RC_EXPLORE"},
		{"run's settings", nil, []string{"--target", "ftp://x"}, "--target"},
		{"rerun", nil, []string{"--rerun-failed", "x"}, "is for rcconform run"},
		{"stray argument", nil, []string{"now"}, "diff takes no arguments"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := loadDiff(t, tc.vars, tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one mentioning %q", err, tc.want)
			}
		})
	}
}

func TestTraceLinesRoundTrip(t *testing.T) {
	var buf strings.Builder
	trace := PrintTrace(&buf)
	trace("container: wait until ready", 12345*time.Microsecond)
	trace("checks", 2*time.Second)
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	want := []struct {
		phase string
		took  time.Duration
	}{{"container: wait until ready", 12300 * time.Microsecond}, {"checks", 2 * time.Second}}
	if len(lines) != len(want) {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), len(want), buf.String())
	}
	for i, line := range lines {
		phase, took, ok := ParseTrace(line)
		if !ok || phase != want[i].phase || took.Round(100*time.Microsecond) != want[i].took {
			t.Errorf("ParseTrace(%q) = %q, %s, %v; want %q, %s", line, phase, took, ok, want[i].phase, want[i].took)
		}
	}
	if _, _, ok := ParseTrace("PASS AUTH-01 something 1.0 ms"); ok {
		t.Error("ParseTrace accepted a line that is not a trace")
	}
}
