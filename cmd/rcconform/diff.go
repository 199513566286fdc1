package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	tclog "github.com/testcontainers/testcontainers-go/log"

	"github.com/rcconform/rcconform/certify"
	"github.com/rcconform/rcconform/config"
	"github.com/rcconform/rcconform/conformance"
	"github.com/rcconform/rcconform/diff"
	"github.com/rcconform/rcconform/openapi"
	"github.com/rcconform/rcconform/reference/container"
)

const diffUsage = `Usage: rcconform diff [flags]

Sends the requests of every conformance check, and with --explore N that
many generated cases, to two servers and compares their answers: status,
Content-Type and body (JSON as values: key order aside, array order kept).
Ids, run-unique names and tokens become placeholders that keep their
relations first, so two faithful servers compare equal.

The target is chosen as for rcconform run. The server it is compared
against is, by default, the bundled reference in-process, behaving like the
release the target reports and, where that release allows several
variants of a behaviour, like the variant the target showed
(--against-container runs it in a container); or any server by URL
(--against), image (--against-image), or Rocket.Chat of a release
(--against-rocketchat). Both are certified at the target's release, so
both run the same checks. A target that reports no release is compared at
the first release of the first line its answers fit.

A difference between two answers that the release both allows, as
different variants of a behaviour it has not established (say the legacy
and the typed route of 8.3-8.5), is known variation: it is listed apart,
with the behaviour that explains it, and does not count as a difference.

It writes diff.json (the comparison), and the target's results.json,
report.html (with the differences) and junit.xml into --report-dir.

Exit codes: 0 the servers answered alike, or differed only within the
release's known variation; 1 they differ; 2 the comparison could not
happen.

Every flag has an environment variable; a flag wins over its variable.

Flags:
`

// parseDiff reads run's settings and diff's own, from the environment and
// then the flags; it returns false with the exit code when no comparison
// should start.
func parseDiff(args []string, stdout, stderr io.Writer) (certify.Plan, certify.Against, int, bool) {
	fs := flag.NewFlagSet("rcconform diff", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported as one sentence below
	cfg, o, err := config.LoadDiff(fs, args, os.Getenv)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprint(stdout, diffUsage)
		fs.SetOutput(stdout)
		fs.PrintDefaults()
		return cfg, o, exitPassed, false
	case err != nil:
		return cfg, o, cannotRun(stderr, "%v; see rcconform diff -h", err), false
	}
	if cfg.ReportDir == "" {
		cfg.ReportDir = certify.DefaultReportDir
	}
	cfg.HarnessVersion = harnessVersion()
	cfg.Log = stdout
	return cfg.WithDefaults(), o, 0, true
}

func diffCommand(args []string, stdout, stderr io.Writer) int {
	cfg, o, code, ok := parseDiff(args, stdout, stderr)
	if !ok {
		return code
	}
	// As in run: testcontainers stays quiet and never pulls Ryuk.
	tclog.SetDefault(tclog.NewNoopLogger())
	container.PrepareEnv()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	fmt.Fprintf(stdout, "rcconform %s: dm.create differential comparison, level %s, spec %s\n", harnessVersion(), cfg.Level, openapi.Digest())
	fmt.Fprintf(stdout, "target:  %s\n", cfg.Describe())
	fmt.Fprintf(stdout, "against: %s\n", o.Describe())
	cmp, err := certify.Compare(ctx, cfg, o, certify.CompareOptions{
		Out: stdout,
		OnSide: func(side string) {
			if side == diff.TargetSide {
				fmt.Fprintln(stdout, "checks: running them at the target, then at the server compared against; one line per check compared")
			}
		},
		OnCheck: func(r diff.CheckResult) { printCheck(stdout, r) },
	})
	if err != nil {
		return cannotRunErr(stderr, err)
	}
	rep := cmp.Report
	printDiffSummary(stdout, rep, cmp.Target, cmp.Against, cmp.Files)
	if rep.Verdict == diff.Different {
		return exitFailed
	}
	return exitPassed
}

// cannotRunErr prints the one sentence of an error that stops the
// comparison and returns exitCannotRun.
func cannotRunErr(stderr io.Writer, err error) int {
	var ce *conformance.CannotRun
	if errors.As(err, &ce) {
		return cannotRun(stderr, "%s", ce.Reason)
	}
	return cannotRun(stderr, "%s", strings.ReplaceAll(err.Error(), "\n", "; "))
}

// printCheck prints one line per check compared, like run's progress.
func printCheck(out io.Writer, r diff.CheckResult) {
	tag, what := "SAME", plural(r.Exchanges, "exchange")
	switch {
	case r.Differing > 0:
		tag, what = "DIFF", fmt.Sprintf("%d of %s differ", r.Differing, plural(r.Exchanges, "exchange"))
		if r.Within > 0 {
			what += fmt.Sprintf(", %d more within known variation: %s", r.Within, strings.Join(r.Dimensions, ", "))
		}
	case r.Within > 0:
		tag, what = "VARY", fmt.Sprintf("%d of %s differ within known variation: %s", r.Within, plural(r.Exchanges, "exchange"), strings.Join(r.Dimensions, ", "))
	case r.Exchanges == 0:
		tag, what = "SKIP", r.Target
	}
	if r.Target != r.Against {
		what += fmt.Sprintf("; %s at the target, %s at the other", r.Target, r.Against)
	}
	fmt.Fprintf(out, "%s  %-32s %s (%s)\n", tag, r.ID, r.Title, what)
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func printDiffSummary(out io.Writer, rep *diff.Report, target, against string, files []string) {
	if len(rep.Differences) > 0 {
		fmt.Fprintf(out, "\nDifferences between\n  target:  %s\n  against: %s\n", target, against)
		fmt.Fprintln(out, "Names, ids and tokens are placeholders: {peer} is the peer's username, {peer.id} their id.")
		rep.Table(out)
	}
	if kinds := rep.Kinds(); len(kinds) > 0 {
		fmt.Fprintln(out, "\nWhat differs, and where (most likely one behaviour per line):")
		for _, k := range kinds {
			where := k.Origins
			if len(where) > 3 {
				where = append(where[:3:3], fmt.Sprintf("%d more", len(k.Origins)-3))
			}
			fmt.Fprintf(out, "  %3d× %s: %s\n", len(k.Origins), k.Signature, strings.Join(where, ", "))
		}
	}
	if len(rep.WithinVariation) > 0 {
		fmt.Fprintf(out, "\nWithin the known variation of %s, not counted as differences (%s):\n", rep.Release, strings.Join(rep.WithinDimensions(), ", "))
		rep.WithinTable(out)
	}
	c := rep.Checks
	fmt.Fprintf(out, "\nSummary: %d checks compared, %d of %d exchanges differ", c.Checks, c.Differing, c.Exchanges)
	if c.WithinVariation > 0 {
		fmt.Fprintf(out, ", %d more within known variation", c.WithinVariation)
	}
	if e := rep.Explore; e != nil {
		fmt.Fprintf(out, "; %d generated cases (seed %d), %s", e.Cases, e.Seed, plural(e.Differences, "difference"))
		if e.WithinVariation > 0 {
			fmt.Fprintf(out, " and %d within known variation", e.WithinVariation)
		}
		if e.Stopped != "" {
			fmt.Fprintf(out, " (%s)", e.Stopped)
		}
	}
	fmt.Fprintf(out, "\nReports: %s\n", strings.Join(files, ", "))
	dims := strings.Join(rep.WithinDimensions(), ", ")
	switch n := len(rep.WithinVariation); {
	case rep.Verdict == diff.Different && n > 0:
		fmt.Fprintf(out, "Verdict: the servers differ (%s; %d more within the known variation of %s: %s)\n", plural(len(rep.Differences), "difference"), n, rep.Release, dims)
	case rep.Verdict == diff.Different:
		fmt.Fprintf(out, "Verdict: the servers differ (%s)\n", plural(len(rep.Differences), "difference"))
	case rep.Verdict == diff.WithinVariation:
		fmt.Fprintf(out, "Verdict: no differences beyond the known variation of %s (%d within it: %s)\n", rep.Release, n, dims)
	default:
		fmt.Fprintln(out, "Verdict: no differences")
	}
}
