package main

// The --rocketchat target, tested on the very code path users run, against
// stand-in images (internal/standin) that honour Rocket.Chat's and
// MongoDB's container contracts, since no image can be pulled here.

import (
	"bufio"
	"context"
	"errors"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"

	"github.com/rcconform/rcconform/internal/standin"
	"github.com/rcconform/rcconform/reference/container"
	"github.com/rcconform/rcconform/report"
)

var standins = sync.OnceValue(func() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	// 10.0.0 is on no line the reference emulates, so its stand-in dies at start.
	return standin.Build(ctx, nil, "8.6.1", "6.14.0", "10.0.0")
})

// stackArgs runs release with the stand-ins of image (a release) and MongoDB.
func stackArgs(release, image string) []string {
	return []string{"run", "--rocketchat", release, "--rocketchat-image", standin.RocketChatImage(image), "--mongo-image", standin.MongoImage}
}

// engine counts what the harness may leave on the engine: its containers
// and networks (labelled) and every volume (Rocket.Chat's and MongoDB's
// images declare anonymous ones).
type engine struct{ containers, networks, volumes int }

func engineState(t *testing.T) engine {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cli, err := testcontainers.NewDockerClientWithOpts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	ours := make(client.Filters).Add("label", container.LabelProject+"=true")
	cs, err := cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: ours})
	if err != nil {
		t.Fatal(err)
	}
	ns, err := cli.NetworkList(ctx, client.NetworkListOptions{Filters: ours})
	if err != nil {
		t.Fatal(err)
	}
	vs, err := cli.VolumeList(ctx, client.VolumeListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return engine{len(cs.Items), len(ns.Items), len(vs.Items)}
}

func stackOrSkip(t *testing.T) engine {
	t.Helper()
	dockerOrSkip(t)
	if err := standins(); err != nil {
		t.Fatalf("build the stand-in images: %v", err)
	}
	return engineState(t)
}

func wantClean(t *testing.T, before engine) {
	t.Helper()
	if after := engineState(t); after != before {
		t.Errorf("the engine holds %+v after the run, %+v before: the run left containers, networks or volumes", after, before)
	}
}

func TestRocketChatPasses(t *testing.T) {
	before := stackOrSkip(t)
	dir := t.TempDir()
	r := cli(t, nil, append(stackArgs("8.6.1", "8.6.1"), "--report-dir", dir)...)
	res := wantPassingRun(t, r, dir)
	if res.Target.Kind != "rocketchat" || res.Target.Release != "8.6.1" || !strings.Contains(res.Target.ReleaseSource, "--rocketchat") {
		t.Errorf("target %+v, want the Rocket.Chat stack certified at the release it started", res.Target)
	}
	for _, want := range []string{"starting MongoDB", "as a single-node replica set", "starting Rocket.Chat 8.6.1", "answered after"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the console does not say %q", want)
		}
	}
	wantClean(t, before)
}

// TestRocketChatFails certifies a server at a release it does not behave
// like: the 8.6.1 stand-in certified as 6.14.0 fails the 6.x checks.
func TestRocketChatFails(t *testing.T) {
	before := stackOrSkip(t)
	dir := t.TempDir()
	r := cli(t, nil, append(stackArgs("6.14.0", "8.6.1"), "--report-dir", dir)...)
	wantExit(t, r, exitFailed)
	if res := readResults(t, dir); res.Summary.Verdict != report.NotConformant {
		t.Errorf("verdict %q", res.Summary.Verdict)
	}
	wantClean(t, before)
}

func TestRocketChatMissingImage(t *testing.T) {
	before := stackOrSkip(t)
	r := cli(t, nil, "run", "--rocketchat", "7.99.0", "--report-dir", t.TempDir())
	wantExit(t, r, exitCannotRun)
	wantOneSentence(t, r, "registry.rocket.chat/rocketchat/rocket.chat:7.99.0", "docker pull", "--rocketchat-image")
	wantClean(t, before)
}

func TestRocketChatDiesDuringStartup(t *testing.T) {
	before := stackOrSkip(t)
	r := cli(t, nil, append(stackArgs("10.0.0", "10.0.0"), "--report-dir", t.TempDir())...)
	wantExit(t, r, exitCannotRun)
	wantOneSentence(t, r, "exited", "during start-up", "log")
	if !strings.Contains(r.stdout, "  | ") || !strings.Contains(r.stdout, "10.0.0") {
		t.Errorf("the console does not show the container's last log lines")
	}
	wantClean(t, before)
}

func TestRocketChatNeverReady(t *testing.T) {
	before := stackOrSkip(t)
	// MongoDB's stand-in as Rocket.Chat: it runs, but nothing answers on 3000.
	args := []string{"run", "--rocketchat", "8.6.1", "--rocketchat-image", standin.MongoImage, "--mongo-image", standin.MongoImage, "--startup-timeout", "4s"}
	r := cli(t, nil, append(args, "--report-dir", t.TempDir())...)
	wantExit(t, r, exitCannotRun)
	wantOneSentence(t, r, "did not answer GET /api/info within 4s", "--startup-timeout")
	wantClean(t, before)
}

// TestRocketChatSignals stops a run with SIGINT and SIGTERM once the stack
// is up: the run ends with exit 2 and removes both containers and the network.
func TestRocketChatSignals(t *testing.T) {
	if testing.Short() {
		t.Skip("an end-to-end run of the rcconform command (make test runs it)")
	}
	before := stackOrSkip(t)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd, lines := startCLI(t, append(stackArgs("8.6.1", "8.6.1"), "--report-dir", t.TempDir())...)
			waitLine(t, lines, "target ready")
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			err := cmd.Wait()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != exitCannotRun {
				t.Errorf("the run stopped by %s ended with %v, want exit %d", sig, err, exitCannotRun)
			}
			wantClean(t, before)
		})
	}
}

// TestRocketChatKilled kills a run with -9 once the stack is up: the next
// run of the target reaps the containers and the network left behind.
func TestRocketChatKilled(t *testing.T) {
	before := stackOrSkip(t)
	cmd, lines := startCLI(t, append(stackArgs("8.6.1", "8.6.1"), "--report-dir", t.TempDir())...)
	waitLine(t, lines, "target ready")
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if left := engineState(t); left.containers != before.containers+2 || left.networks != before.networks+1 {
		t.Fatalf("after kill -9 the engine holds %+v (before %+v); want both containers and the network left for the reaper", left, before)
	}
	dir := t.TempDir()
	wantPassingRun(t, cli(t, nil, append(stackArgs("8.6.1", "8.6.1"), "--report-dir", dir)...), dir)
	wantClean(t, before)
}

// startCLI starts rcconform and streams its console lines.
func startCLI(t *testing.T, args ...string) (*exec.Cmd, <-chan string) {
	t.Helper()
	skipShort(t)
	cmd := exec.Command(bin, args...)
	cmd.Dir = t.TempDir()
	cmd.Env = cleanEnv()
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 1024)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	return cmd, lines
}

func waitLine(t *testing.T, lines <-chan string, prefix string) {
	t.Helper()
	timeout := time.After(2 * time.Minute)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("the run ended before printing %q", prefix)
			}
			if strings.HasPrefix(l, prefix) {
				go func() { // keep draining, so the run never blocks on a full pipe
					for range lines {
					}
				}()
				return
			}
		case <-timeout:
			t.Fatalf("no line %q within 2 minutes", prefix)
		}
	}
}
