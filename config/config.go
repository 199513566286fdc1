// Package config is the one loader of a run's settings, shared by the
// rcconform command and `go test ./suites/dmcreate`, and of the settings
// rcconform diff adds to them: every setting has a flag and an RC_*
// environment variable, and a flag wins over its variable.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/rcconform/rcconform/conformance"
	"github.com/rcconform/rcconform/internal/rest"
	"github.com/rcconform/rcconform/report"
	"github.com/rcconform/rcconform/suites/dmcreate"
	"github.com/rcconform/rcconform/targets"
)

// Config is everything a run is given: the certification's configuration
// and how the run selects and reports its checks.
type Config struct {
	dmcreate.Config
	// LabelFilter narrows the checks, in Ginkgo's label syntax.
	LabelFilter string
	// Timeout bounds the whole run.
	Timeout time.Duration
	// RerunFailed is a report directory whose failed checks alone run again.
	RerunFailed string
}

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
func Settings() []Setting { return runSettings(new(Config)) }

// DiffSettings lists the options rcconform diff adds to those of run.
func DiffSettings() []Setting { return diffSettings(new(Diff)) }

func runSettings(c *Config) []Setting {
	def := dmcreate.DefaultConfig()
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
		{Flag: "report-dir", Env: "RC_REPORT_DIR", Usage: "directory for results.json, report.html and junit.xml (the command's default: report)", set: str(&c.ReportDir)},
		{Flag: "label-filter", Env: "RC_LABEL_FILTER", Usage: "Ginkgo label filter narrowing the checks, e.g. 'family:unauthorized' or 'since:0.59.0'", set: func(v string) error {
			if _, err := types.ParseLabelFilter(v); err != nil {
				return fmt.Errorf("the label filter %q cannot be parsed (%s); see https://onsi.github.io/ginkgo/#spec-labels", v, ginkgoErrorText(err))
			}
			c.LabelFilter = v
			return nil
		}},
		{Flag: "rerun-failed", Env: "RC_RERUN_FAILED", Usage: "run only the checks that failed in DIR/results.json", set: str(&c.RerunFailed)},
		{Flag: "timeout", Env: "RC_TIMEOUT", Default: "10m", Usage: "time limit of the whole run; it also bounds each HTTP call", set: duration("--timeout", &c.Timeout)},
		{Flag: "http-timeout", Env: "RC_HTTP_TIMEOUT", Default: def.HTTPTimeout.String(), Usage: "time limit of each HTTP call to the target", set: duration("--http-timeout", &c.HTTPTimeout)},
		{Flag: "startup-timeout", Env: "RC_STARTUP_TIMEOUT", Default: def.StartTimeout.String() + ", 5m for --rocketchat", Usage: "time limit of starting a container target, until it answers", set: duration("--startup-timeout", &c.StartTimeout)},
		{Flag: "rate-limit-budget", Env: "RC_RATE_LIMIT_BUDGET", Default: def.RateLimitBudget.String(), Usage: "total time the run may wait on the target's rate limiter (HTTP 429)", set: duration("--rate-limit-budget", &c.RateLimitBudget)},
		{Flag: "allow-insecure", Env: "RC_ALLOW_INSECURE", Bool: true, Usage: "send credentials over plain http to a public address", set: boolean("RC_ALLOW_INSECURE", &c.AllowInsecure)},
	}
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
func Load(fs *flag.FlagSet, args []string, getenv func(string) string) (Config, error) {
	var c Config
	if err := loadSettings("run", fs, args, getenv, runSettings(&c)); err != nil {
		return Config{}, err
	}
	c.defaults()
	return c, c.check()
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

// defaults fills in what has a default and no setting of its own.
func (c *Config) defaults() {
	if c.Timeout == 0 {
		c.Timeout = 10 * time.Minute
	}
}

func (s Setting) help() string {
	h := s.Usage + " (env " + s.Env
	if s.Default != "" {
		h += "; default " + s.Default
	}
	return h + ")"
}

// check says what is wrong with a loaded configuration.
func (c Config) check() error {
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

// Suite is the certification's configuration: the run's time limit bounds
// every wait inside it too. A call gets at most half of it, so a target that
// never answers fails its call, which names the target, before the run's
// limit ends the run with a message that only asks for more time.
func (c Config) Suite(log io.Writer) dmcreate.Config {
	s := c.Config
	def := dmcreate.DefaultConfig()
	if s.HTTPTimeout == 0 {
		s.HTTPTimeout = def.HTTPTimeout
	}
	if s.StartTimeout == 0 {
		s.StartTimeout = def.StartTimeout
		if s.RocketChat.Version != "" {
			s.StartTimeout = 5 * time.Minute // Rocket.Chat takes a minute or two
		}
	}
	if s.RateLimitBudget == 0 {
		s.RateLimitBudget = def.RateLimitBudget
	}
	if c.Timeout > 0 {
		s.HTTPTimeout = min(s.HTTPTimeout, max(c.Timeout/2, time.Nanosecond))
		s.StartTimeout = min(s.StartTimeout, c.Timeout)
		s.RateLimitBudget = min(s.RateLimitBudget, c.Timeout)
	}
	if s.Level == "" {
		s.Level = def.Level
	}
	s.Log = log
	return s
}

// checkID matches what a check id may be, so a results file cannot smuggle
// filter syntax into the rerun filter.
var checkID = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)

// ErrNothingToRerun says the results to rerun hold no failed check.
var ErrNothingToRerun = errors.New("no check failed")

// RunFilter is the label filter of the run beyond its level: the user's
// own and, with RerunFailed, the ids of the checks that failed then.
func (c Config) RunFilter() (string, error) {
	var parts []string
	if c.LabelFilter != "" {
		parts = append(parts, "("+c.LabelFilter+")")
	}
	if c.RerunFailed != "" {
		path := c.RerunFailed + string(os.PathSeparator) + report.ResultsFile
		prev, err := report.ReadFile(path)
		if err != nil {
			return "", fmt.Errorf("--rerun-failed needs a readable results file: %w", err)
		}
		var ids []string
		for _, ch := range prev.Checks {
			if ch.Outcome != report.Failed {
				continue
			}
			if !checkID.MatchString(ch.ID) {
				return "", fmt.Errorf("%s names a failed check %q that is no check id", path, ch.ID)
			}
			ids = append(ids, "id:"+ch.ID)
		}
		if len(ids) == 0 {
			return "", fmt.Errorf("%w in %s; nothing to run again", ErrNothingToRerun, path)
		}
		parts = append(parts, "("+strings.Join(ids, " || ")+")")
	}
	return strings.Join(parts, " && "), nil
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
