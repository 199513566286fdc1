// Package config is the one binding of flags and RC_* environment variables
// to a certify.Plan, shared by the rcconform command and `go test
// ./suites/dmcreate`, and of the settings rcconform diff adds to them (a
// certify.Against): every setting has a flag and a variable, and a flag
// wins over its variable. The defaults live in the Plan.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/rcconform/rcconform/certify"
	"github.com/rcconform/rcconform/conformance"
	"github.com/rcconform/rcconform/internal/rest"
	"github.com/rcconform/rcconform/targets"
)

// Setting is one option: its flag, its environment variable and its help.
type Setting struct {
	Flag    string
	Env     string
	Default string
	Usage   string
	// Bool settings are flags without a value.
	Bool bool

	// set stores a value in the configuration the setting was made for.
	set func(v string) error
}

// Settings lists every option of rcconform run, in the order help shows them.
func Settings() []Setting { return runSettings(new(certify.Plan)) }

// DiffSettings lists the options rcconform diff adds to those of run.
func DiffSettings() []Setting { return diffSettings(new(certify.Against), new(bool)) }

func runSettings(c *certify.Plan) []Setting {
	def := certify.Plan{}.WithDefaults()
	return []Setting{
		{Flag: "target", Env: "RC_URL", Usage: "base URL of a running server to certify", set: str(&c.URL)},
		{Flag: "admin-user", Env: "RC_ADMIN_USER", Default: def.AdminUser, Usage: "admin who provisions the test users", set: str(&c.AdminUser)},
		{Flag: "admin-password", Env: "RC_ADMIN_PASSWORD", Usage: "the admin's password (prefer the variable or --admin-password-file: a flag shows in ps); default: the bundled reference's", set: str(&c.AdminPassword)},
		{Flag: "admin-password-file", Env: "RC_ADMIN_PASSWORD_FILE", Usage: "file holding the admin's password (its first line)", set: passwordFile("admin", &c.AdminPassword)},
		{Flag: "image", Env: "RC_IMAGE", Usage: "image on the local Docker engine to start and certify", set: str(&c.Image)},
		{Flag: "rocketchat", Env: "RC_ROCKETCHAT_VERSION", Usage: "start Rocket.Chat of this release with its MongoDB in containers, and certify it at that release", set: release(&c.RocketChat.Version)},
		{Flag: "rocketchat-image", Env: "RC_ROCKETCHAT_IMAGE", Default: targets.DefaultRocketChatImage("VERSION"), Usage: "Rocket.Chat's image for --rocketchat", set: str(&c.RocketChat.Image)},
		{Flag: "mongo-image", Env: "RC_MONGO_IMAGE", Default: "a MongoDB the release supports, e.g. " + targets.DefaultMongoImage("8.6.1"), Usage: "MongoDB's image for --rocketchat", set: str(&c.RocketChat.MongoImage)},
		{Flag: "in-process", Env: "RC_TARGET", Bool: true, Usage: "run the bundled reference inside this process (RC_TARGET=in-process or container)", set: func(v string) error {
			switch v {
			case "true", string(targets.InProcess):
				c.Target = targets.InProcess
			case string(targets.Container):
				c.Target = targets.Container
			case "false", "":
			default:
				return fmt.Errorf("RC_TARGET must be in-process or container, not %q", v)
			}
			return nil
		}},
		{Flag: "level", Env: "RC_LEVEL", Default: string(def.Level), Usage: "widest level that counts: core (the doc page), compat (and released Rocket.Chat) or recommended (and what helps clients)", set: func(v string) error {
			l, err := conformance.ParseLevel(v)
			c.Level = l
			return err
		}},
		{Flag: "rc-version", Env: "RC_VERSION", Usage: "Rocket.Chat release to certify against (default: what GET /api/info reports); with the bundled reference, the release it behaves like", set: func(v string) error {
			if _, err := conformance.ParseRelease(v); err != nil {
				return fmt.Errorf("--rc-version %q is not a release such as 6.14.0", v)
			}
			c.RCVersion = v
			return nil
		}},
		{Flag: "max-users", Env: "RC_MAX_USERS", Default: strconv.Itoa(def.MaxUsers), Usage: "the target's DirectMesssage_maxUsers setting", set: func(v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return fmt.Errorf("--max-users must be at least 1, not %q", v)
			}
			c.MaxUsers = n
			return nil
		}},
		{Flag: "report-dir", Env: "RC_REPORT_DIR", Usage: "directory for results.json, report.html and junit.xml (the command's default: " + certify.DefaultReportDir + ")", set: str(&c.ReportDir)},
		{Flag: "label-filter", Env: "RC_LABEL_FILTER", Usage: "Ginkgo label filter narrowing the checks, e.g. 'family:unauthorized' or 'since:0.59.0'", set: func(v string) error {
			if _, err := types.ParseLabelFilter(v); err != nil {
				return fmt.Errorf("the label filter %q cannot be parsed (%s); see https://onsi.github.io/ginkgo/#spec-labels", v, ginkgoErrorText(err))
			}
			c.LabelFilter = v
			return nil
		}},
		{Flag: "rerun-failed", Env: "RC_RERUN_FAILED", Usage: "run only the checks that failed in DIR/results.json", set: str(&c.RerunFailed)},
		{Flag: "timeout", Env: "RC_TIMEOUT", Default: def.Timeout.String(), Usage: "time limit of the whole run; it also bounds each HTTP call", set: duration("--timeout", &c.Timeout)},
		{Flag: "http-timeout", Env: "RC_HTTP_TIMEOUT", Default: def.HTTPTimeout.String(), Usage: "time limit of each HTTP call to the target", set: duration("--http-timeout", &c.HTTPTimeout)},
		{Flag: "startup-timeout", Env: "RC_STARTUP_TIMEOUT", Default: def.StartTimeout.String() + ", " + certify.DefaultRocketChatStartLimit.String() + " for --rocketchat", Usage: "time limit of starting a container target, until it answers", set: duration("--startup-timeout", &c.StartTimeout)},
		{Flag: "rate-limit-budget", Env: "RC_RATE_LIMIT_BUDGET", Default: def.RateLimitBudget.String(), Usage: "total time the run may wait on the target's rate limiter (HTTP 429)", set: duration("--rate-limit-budget", &c.RateLimitBudget)},
		{Flag: "allow-insecure", Env: "RC_ALLOW_INSECURE", Bool: true, Usage: "send credentials over plain http to a public address", set: boolean("RC_ALLOW_INSECURE", &c.AllowInsecure)},
		{Flag: "trace", Env: "RC_TRACE", Bool: true, Usage: "print on stderr how long each phase of the run took (starting the target, provisioning, the checks ...)", set: func(v string) error {
			var on bool
			if err := boolean("RC_TRACE", &on)(v); err != nil {
				return err
			}
			c.Trace = nil
			if on {
				c.Trace = PrintTrace(os.Stderr)
			}
			return nil
		}},
	}
}

// TracePrefix starts each line PrintTrace writes.
const TracePrefix = "rcconform: trace: "

// PrintTrace writes each phase as it ends, one line each: TracePrefix, the
// phase, and its duration in milliseconds.
func PrintTrace(w io.Writer) conformance.Trace {
	var mu sync.Mutex
	return func(phase string, took time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(w, "%s%-36s %9.1f ms\n", TracePrefix, phase, float64(took.Microseconds())/1000)
	}
}

// ParseTrace reads a line PrintTrace wrote; ok is false for any other line.
func ParseTrace(line string) (phase string, took time.Duration, ok bool) {
	rest, found := strings.CutPrefix(line, TracePrefix)
	if !found {
		return "", 0, false
	}
	rest, found = strings.CutSuffix(strings.TrimSpace(rest), " ms")
	i := strings.LastIndexByte(rest, ' ')
	if !found || i < 0 {
		return "", 0, false
	}
	ms, err := strconv.ParseFloat(rest[i+1:], 64)
	if err != nil {
		return "", 0, false
	}
	return strings.TrimSpace(rest[:i]), time.Duration(ms * float64(time.Millisecond)), true
}

// Setters shared by the settings.

func str(p *string) func(string) error {
	return func(v string) error { *p = v; return nil }
}

func duration(name string, p *time.Duration) func(string) error {
	return func(v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return fmt.Errorf("%s must be a positive duration such as 90s or 5m, not %q", name, v)
		}
		*p = d
		return nil
	}
}

// boolean reads a flag without a value, or its variable env.
func boolean(env string, p *bool) func(string) error {
	return func(v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("%s must be true or false, not %q", env, v)
		}
		*p = b
		return nil
	}
}

// release reads the release of Rocket.Chat to start.
func release(p *string) func(string) error {
	return func(v string) error {
		if _, err := conformance.ParseRelease(v); err != nil {
			return fmt.Errorf("%q is not a release such as 8.6.1", v)
		}
		*p = v
		return nil
	}
}

// passwordFile reads the password of who (e.g. "admin") from the first
// line of a file.
func passwordFile(who string, p *string) func(string) error {
	return func(v string) error {
		raw, err := os.ReadFile(v)
		if err != nil {
			return fmt.Errorf("cannot read the %s password file: %w", who, err)
		}
		first, _, _ := strings.Cut(string(raw), "\n")
		if *p = strings.TrimRight(first, "\r"); *p == "" {
			return fmt.Errorf("the %s password file %s is empty", who, v)
		}
		return nil
	}
}

// Load reads the settings of rcconform run from the environment (getenv)
// and then from args, when fs is given; it validates the result. fs may be
// nil (go test).
func Load(fs *flag.FlagSet, args []string, getenv func(string) string) (certify.Plan, error) {
	var c certify.Plan
	if err := loadSettings("run", fs, args, getenv, runSettings(&c)); err != nil {
		return certify.Plan{}, err
	}
	return c, check(c)
}

// loadSettings reads settings from the environment and then from args,
// when fs is given; command names the command for a stray argument.
func loadSettings(command string, fs *flag.FlagSet, args []string, getenv func(string) string, settings []Setting) error {
	for _, s := range settings {
		if v := getenv(s.Env); v != "" {
			if err := s.set(v); err != nil {
				return fmt.Errorf("%s: %w", s.Env, err)
			}
		}
	}
	if fs == nil {
		return nil
	}
	// A setter's own sentence names the flag; the flag package's wrapper
	// of it would only repeat the value.
	var setErr error
	for _, s := range settings {
		set := func(v string) error {
			if err := s.set(v); err != nil {
				setErr = fmt.Errorf("--%s: %w", s.Flag, err)
				return err
			}
			return nil
		}
		if s.Bool {
			fs.BoolFunc(s.Flag, s.help(), set)
		} else {
			fs.Func(s.Flag, s.help(), set)
		}
	}
	if err := fs.Parse(args); err != nil {
		if setErr != nil && !errors.Is(err, flag.ErrHelp) {
			return setErr
		}
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%s takes no arguments, got %q", command, fs.Args())
	}
	return nil
}

func (s Setting) help() string {
	h := s.Usage + " (env " + s.Env
	if s.Default != "" {
		h += "; default " + s.Default
	}
	return h + ")"
}

// check says what is wrong with a loaded plan: settings that exclude each
// other, or a server URL that cannot be one.
func check(c certify.Plan) error {
	given := 0
	for _, set := range []bool{c.URL != "", c.Image != "", c.RocketChat.Version != ""} {
		if set {
			given++
		}
	}
	switch {
	case given > 1:
		return errors.New("give one of --target (RC_URL), --image (RC_IMAGE) and --rocketchat (RC_ROCKETCHAT_VERSION)")
	case c.RocketChat.Version == "" && (c.RocketChat.Image != "" || c.RocketChat.MongoImage != ""):
		return errors.New("--rocketchat-image and --mongo-image go with --rocketchat VERSION")
	case c.Target != targets.Auto && given > 0:
		return errors.New("--in-process (RC_TARGET) runs the bundled reference; it cannot be combined with --target, --image or --rocketchat")
	}
	if c.URL != "" {
		return CheckServerURL("--target", c.URL, "--admin-user", "--admin-password-file")
	}
	return nil
}

// CheckServerURL refuses a server's base URL, given with flag, that is not
// http(s) or that carries credentials, which go with the flags userFlag and
// passwordFlag instead: messages and reports name the URL.
func CheckServerURL(flag, raw, userFlag, passwordFlag string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%s %q is not an http:// or https:// URL", flag, rest.RedactURL(raw))
	}
	if u.User != nil {
		return fmt.Errorf("%s %q carries credentials; give them with %s and %s instead", flag, rest.RedactURL(raw), userFlag, passwordFlag)
	}
	return nil
}

// ginkgoErrorText is the plain last line of a Ginkgo error, which
// otherwise spans lines and carries colour codes.
func ginkgoErrorText(err error) string {
	var ge types.GinkgoError
	text := err.Error()
	if errors.As(err, &ge) {
		text = ge.Message
	}
	lines := strings.Split(strings.TrimSpace(text), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}
