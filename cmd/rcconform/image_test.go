package main

import (
	"archive/tar"
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	dockercontainer "github.com/moby/moby/api/types/container"
	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/wait"

	"github.com/rcconform/rcconform/reference/container"
	"github.com/rcconform/rcconform/report"
)

// TestHarnessImage builds the harness image as `make harness-image` does and
// certifies the reference with it by URL, as a pipeline without Go would:
// the reports land in the mounted directory, owned by the --user given.
func TestHarnessImage(t *testing.T) {
	if testing.Short() {
		t.Skip("an end-to-end run of the rcconform command (make test runs it)")
	}
	dockerOrSkip(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	const certs = "/etc/ssl/certs/ca-certificates.crt"
	caCerts, err := os.ReadFile(certs)
	if err != nil {
		t.Skipf("the image takes the host's CA certificates from %s: %v", certs, err)
	}
	bin := filepath.Join(t.TempDir(), "rcconform")
	build := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags=-s -w", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build a static rcconform: %v\n%s", err, out)
	}
	dockerfile, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	binary, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	contextTar := tarOf(t, map[string][]byte{"Dockerfile": dockerfile, "rcconform": binary, "ca-certificates.crt": caCerts})

	const password = "Image-Admin-Pass-5"
	srv := startServer(t, serverOptions{adminPassword: password})
	out := t.TempDir()
	if err := os.Chmod(out, 0o777); err != nil {
		t.Fatal(err)
	}
	const uid = 4321
	ctr, err := testcontainers.Run(ctx, "",
		testcontainers.WithDockerfile(testcontainers.FromDockerfile{ContextArchive: bytes.NewReader(contextTar), Repo: "rcconform-harness-test", Tag: "latest"}),
		testcontainers.WithEnv(map[string]string{"RC_ADMIN_PASSWORD": password}),
		testcontainers.WithCmd("run", "--target", srv.URL, "--admin-user", "admin", "--report-dir", "/out"),
		testcontainers.WithConfigModifier(func(c *dockercontainer.Config) { c.User = strconv.Itoa(uid) + ":" + strconv.Itoa(uid) }),
		testcontainers.WithHostConfigModifier(func(hc *dockercontainer.HostConfig) {
			hc.NetworkMode = "host"
			hc.Binds = []string{out + ":/out"}
		}),
		testcontainers.WithLabels(map[string]string{container.LabelProject: "true"}),
		testcontainers.WithWaitStrategy(wait.ForExit().WithExitTimeout(3*time.Minute)),
	)
	defer func() { _ = testcontainers.TerminateContainer(ctr) }()
	if err != nil {
		t.Fatalf("run the harness image: %v", err)
	}
	state, err := ctr.State(ctx)
	if err != nil {
		t.Fatal(err)
	}
	logs, _ := ctr.Logs(ctx)
	var console []byte
	if logs != nil {
		console, _ = io.ReadAll(logs)
	}
	t.Logf("harness image console:\n%s", console)
	if state.ExitCode != exitPassed {
		t.Fatalf("the harness image exited %d certifying the reference, want %d", state.ExitCode, exitPassed)
	}
	fi, err := os.Stat(filepath.Join(out, report.ResultsFile))
	if err != nil {
		t.Fatalf("no results in the mounted directory: %v", err)
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && st.Uid != uid {
		t.Errorf("results.json belongs to uid %d, want the --user %d", st.Uid, uid)
	}
	res := readResults(t, out)
	if res.Summary.Verdict != report.Conformant {
		t.Errorf("verdict %q", res.Summary.Verdict)
	}
}

func tarOf(t *testing.T, files map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for name, data := range files {
		mode := int64(0o644)
		if name == "rcconform" {
			mode = 0o755
		}
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: mode, Size: int64(len(data))}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
