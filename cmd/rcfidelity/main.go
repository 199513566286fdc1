// Command fidelity certifies real Rocket.Chat releases and compares each
// with the bundled reference at its release, in one `rcconform diff
// --rocketchat` run per release, and sums the results up in a table (make
// fidelity): one report directory per release (results.json and diff.json),
// and summary.md with the release, the verdict, the checks that failed and
// the checks whose exchanges differ from the reference's. Either kind of
// finding makes the exit code 1: the catalogue or the reference is not
// faithful to that release. What each release showed is also written as an
// observation, observations/<release>.json, which conformance/observed/
// takes as evidence once committed (its README says how).
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"

	"github.com/rcconform/rcconform/diff"
	"github.com/rcconform/rcconform/internal/standin"
	"github.com/rcconform/rcconform/reference/container"
	"github.com/rcconform/rcconform/report"
	"github.com/rcconform/rcconform/targets"
)

func main() {
	out := flag.String("out", "build/fidelity", "directory for one report directory per release and summary.md")
	bin := flag.String("rcconform", "rcconform", "the rcconform binary")
	standins := flag.Bool("standin", false, "use the stand-in images (make standin-images) instead of Rocket.Chat's and MongoDB's")
	prune := flag.Bool("remove-pulled", false, "remove each Rocket.Chat image the run pulled once it is observed, so that a disk holds one at a time")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "fidelity: name the Rocket.Chat releases to certify, e.g. 6.13.1 8.7.1")
		os.Exit(2)
	}
	rows := []string{"| release | verdict | failed checks | exchanges differing from the reference |", "|---|---|---|---|"}
	var observed []string
	worst := 0
	for _, v := range flag.Args() {
		// One diff run certifies the release (results.json) and compares
		// its exchanges with the reference's (diff.json): one stack start.
		dir := filepath.Join(*out, v)
		image := targets.DefaultRocketChatImage(v)
		args := []string{"diff", "--rocketchat", v, "--report-dir", dir}
		if *standins {
			image = standin.RocketChatImage(v)
			args = append(args, "--rocketchat-image", image, "--mongo-image", standin.MongoImage)
		}
		pulled := *prune && !present(image)
		// A run that writes no results must not pass off the last one's.
		_ = os.Remove(filepath.Join(*out, targets.ObservationsDir, v+".json"))
		began := time.Now()
		fmt.Printf("fidelity: %s %s\n", *bin, strings.Join(args, " "))
		cmd := exec.Command(*bin, args...)
		var console bytes.Buffer
		cmd.Stdout, cmd.Stderr = &console, &console
		err := cmd.Run()
		code := 0
		var ee *exec.ExitError
		switch {
		case errors.As(err, &ee):
			code = ee.ExitCode()
		case err != nil:
			fmt.Fprintf(os.Stderr, "fidelity: run %s: %v\n", *bin, err)
			os.Exit(2)
		}
		if err := os.MkdirAll(dir, 0o755); err == nil {
			_ = os.WriteFile(filepath.Join(dir, "console.log"), console.Bytes(), 0o644)
		}
		cells, conformant := row(v, dir, code, console.String())
		if !conformant {
			code = max(code, 1)
		}
		worst = max(worst, code)
		rows = append(rows, cells+" "+diffCell(dir, code, console.String())+" |")
		fmt.Println(rows[len(rows)-1])
		line, ok := observe(v, dir, *out, began)
		if !ok {
			worst = max(worst, 2)
		}
		if line != "" {
			observed = append(observed, line)
		}
		if pulled {
			remove(image)
		}
	}
	summary := strings.Join(rows, "\n") + "\n"
	if len(observed) > 0 {
		summary += fmt.Sprintf("\nWhat each release showed, in %s/ (commit a genuine one as conformance/observed/<release>.json; see conformance/observed/README.md):\n\n%s\n",
			targets.ObservationsDir, strings.Join(observed, "\n"))
	}
	if err := os.WriteFile(filepath.Join(*out, "summary.md"), []byte(summary), 0o644); err != nil {
		fmt.Fprintf(os.Stderr, "fidelity: write the summary: %v\n", err)
		os.Exit(2)
	}
	fmt.Printf("\n%s\nfidelity: reports in %s\n", summary, *out)
	if len(observed) > 0 {
		fmt.Printf("fidelity: observations in %s; to make one evidence, copy it to conformance/observed/ and run make test (conformance/observed/README.md)\n",
			filepath.Join(*out, targets.ObservationsDir))
	}
	os.Exit(worst)
}

// dockerWait bounds each question to the engine.
const dockerWait = time.Minute

// observe writes the observation of release v from the run in dir, begun
// at began, to out/observations/<v>.json. It returns the summary's line for
// it ("" when the run probed no fingerprint) and false when it could not be
// written.
func observe(v, dir, out string, began time.Time) (string, bool) {
	res, err := report.ReadFile(filepath.Join(dir, report.ResultsFile))
	if err != nil || len(res.Target.Fingerprint) == 0 || res.StartTime.Before(began.Truncate(time.Second)) {
		return "", true // no fingerprint of this run: the row says why
	}
	ctx, cancel := context.WithTimeout(context.Background(), dockerWait)
	defer cancel()
	o, err := targets.Observe(ctx, v, res.Target.Image, res.HarnessVersion, res.StartTime, res.Target.Fingerprint)
	var file string
	if err == nil {
		file, err = targets.WriteObservation(out, o)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "fidelity: no observation of %s: %v\n", v, err)
		return fmt.Sprintf("- %s: no observation: %v", v, err), false
	}
	fmt.Printf("fidelity: %s observed in %s\n", v, file)
	note := "genuine"
	if o.StandIn {
		note = "a stand-in: it proves the path, it is no evidence"
	}
	if problem := targets.ObservationProblem(o); problem != nil {
		note += "; it cannot be committed as it is: " + problem.Error()
	}
	return fmt.Sprintf("- %s.json (%s@%s, %s): %s", v, o.Image, o.ImageDigest, note, o.Fingerprint), true
}

// present reports whether the engine holds image; when it cannot tell, it
// says yes, so that the image is kept.
func present(image string) bool {
	ctx, cancel := context.WithTimeout(context.Background(), dockerWait)
	defer cancel()
	cli, err := testcontainers.NewDockerClientWithOpts(ctx)
	if err != nil {
		return true
	}
	defer cli.Close()
	ok, err := container.ImagePresent(ctx, cli, image)
	return ok || err != nil
}

// remove removes the image a run pulled.
func remove(image string) {
	ctx, cancel := context.WithTimeout(context.Background(), dockerWait)
	defer cancel()
	cli, err := testcontainers.NewDockerClientWithOpts(ctx)
	if err == nil {
		defer cli.Close()
		_, err = cli.ImageRemove(ctx, image, client.ImageRemoveOptions{PruneChildren: true})
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "fidelity: could not remove %s: %v\n", image, err)
		return
	}
	fmt.Printf("fidelity: removed %s, which the run pulled\n", image)
}

// diffCell says how the release's exchanges compared with the reference's.
func diffCell(dir string, code int, console string) string {
	rep, err := diff.ReadFile(filepath.Join(dir, diff.File))
	if err != nil || rep.Checks == nil {
		return fmt.Sprintf("could not compare (exit %d): %s", code, lastLine(console))
	}
	if rep.Checks.Differing == 0 {
		return fmt.Sprintf("none of %d", rep.Checks.Exchanges)
	}
	var checks []string
	for _, d := range rep.Differences {
		if d.Check != "" && !slices.Contains(checks, d.Check) {
			checks = append(checks, d.Check)
		}
	}
	return fmt.Sprintf("%d of %d, in %s", rep.Checks.Differing, rep.Checks.Exchanges, strings.Join(checks, ", "))
}

func lastLine(console string) string {
	last := strings.TrimSpace(console)
	if i := strings.LastIndex(last, "\n"); i >= 0 {
		last = last[i+1:]
	}
	return strings.ReplaceAll(last, "|", "/")
}

// row is one release's line of the table, without its last cell, and
// whether the release was certified conformant.
func row(version, dir string, code int, console string) (string, bool) {
	res, err := report.ReadFile(filepath.Join(dir, report.ResultsFile))
	if err != nil {
		return fmt.Sprintf("| %s | could not run (exit %d): %s | |", version, code, lastLine(console)), false
	}
	verdict := res.Summary.Verdict
	if res.RunError != nil {
		verdict += ": " + res.RunError.Reason
	}
	failed, _ := res.Failures()
	return fmt.Sprintf("| %s | %s | %s |", version, strings.ReplaceAll(verdict, "|", "/"), strings.Join(failed, ", ")), res.Summary.Verdict == report.Conformant
}
