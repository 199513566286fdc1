// Package refproc builds the reference server and runs it as a separate
// process, the way a user starts a server the harness is pointed at by URL.
// Tests and benchmarks share it.
package refproc

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// Build compiles cmd/rcreference into dir and returns the binary's path.
// moduleDir is the module root (or any directory inside the module).
func Build(ctx context.Context, moduleDir, dir string) (string, error) {
	bin := filepath.Join(dir, "rcreference")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/rcconform/rcconform/cmd/rcreference")
	cmd.Dir = moduleDir
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build rcreference: %w\n%s", err, out)
	}
	return bin, nil
}

// Process is a running reference.
type Process struct {
	// URL is where it listens, read from its one log line.
	URL string
	cmd *exec.Cmd
}

// Start runs bin on a free loopback port with env added to the process's
// environment and extra flags, and waits for it to log its URL.
func Start(bin string, env []string, args ...string) (*Process, error) {
	cmd := exec.Command(bin, append([]string{"--addr", "127.0.0.1:0"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, fmt.Errorf("rcreference stderr: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start rcreference: %w", err)
	}
	p := &Process{cmd: cmd}
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if _, u, ok := strings.Cut(sc.Text(), "listening on "); ok {
				urls <- strings.TrimSpace(u)
				break
			}
		}
		_, _ = io.Copy(io.Discard, stderr)
	}()
	select {
	case p.URL = <-urls:
		return p, nil
	case <-time.After(30 * time.Second):
		_ = p.Stop()
		return nil, errors.New("rcreference did not log its URL within 30 s")
	}
}

// Pid is the process id.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Stop ends the process with SIGINT, as a user would, and waits for it.
func (p *Process) Stop() error {
	_ = p.cmd.Process.Signal(os.Interrupt)
	err := p.cmd.Wait()
	var ee *exec.ExitError
	if errors.As(err, &ee) && !ee.Exited() {
		return nil // ended by the signal itself
	}
	return err
}
