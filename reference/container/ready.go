package container

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/testcontainers/testcontainers-go/wait"
)

// ServedAt is a wait strategy: it waits until Path answers 200 on the
// container's mapped Port, or at Base when the container publishes no port
// (it serves on the host's network), and remembers the base URL where it did.
// testcontainers' own host may be wrong (a machine with /.dockerenv that
// reaches the engine over its socket is taken for a container, and the
// bridge's gateway is asked), so loopback is tried next to it, and the
// environment is never changed to fix it. A container that exits ends the
// wait with an error.
type ServedAt struct {
	Port, Path string
	Base       string
	// Progress, when set, is called about every Every with the time waited.
	Progress func(waited time.Duration)
	Every    time.Duration

	url string
}

var _ wait.Strategy = (*ServedAt)(nil)

// URL is the base URL found, e.g. http://127.0.0.1:32770.
func (s *ServedAt) URL() string { return s.url }

func (s *ServedAt) WaitUntilReady(ctx context.Context, target wait.StrategyTarget) error {
	client := &http.Client{Timeout: time.Second}
	// The reference serves a few milliseconds after it starts: polling often
	// costs a refused connection each time and saves most of a tick per run.
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	start, told, inspected := time.Now(), time.Now(), time.Now()
	var last error
	var bases []string // where to ask; the mapped port is looked up once
	if s.Base != "" {
		bases = []string{s.Base}
	}
	for {
		if bases == nil {
			if port, err := target.MappedPort(ctx, s.Port); err == nil {
				hosts := []string{"127.0.0.1"}
				if h, err := target.Host(ctx); err == nil && !slices.Contains(hosts, h) {
					hosts = append([]string{h}, hosts...)
				}
				for _, h := range hosts {
					bases = append(bases, fmt.Sprintf("http://%s:%s", h, port.Port()))
				}
			} else {
				last = err
			}
		}
		for _, base := range bases {
			if last = answers(ctx, client, base+s.Path); last == nil {
				s.url = base
				return nil
			}
		}
		// Asking the engine is dearer than a refused connection: its answer
		// is awaited only every 100 ms.
		if time.Since(inspected) >= 100*time.Millisecond {
			inspected = time.Now()
			if state, err := target.State(ctx); err == nil && !state.Running && state.Status == "exited" {
				return &ExitedError{Code: state.ExitCode, Path: s.Path}
			}
		}
		if s.Progress != nil && s.Every > 0 && time.Since(told) >= s.Every {
			told = time.Now()
			s.Progress(time.Since(start))
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s did not answer 200 in time: %w (last: %v)", s.Path, ctx.Err(), last)
		case <-tick.C:
		}
	}
}

// ExitedError says the container stopped before it served.
type ExitedError struct {
	Code int
	Path string
}

func (e *ExitedError) Error() string {
	return fmt.Sprintf("the container exited with code %d before %s answered", e.Code, e.Path)
}

func answers(ctx context.Context, client *http.Client, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s answered %d", url, resp.StatusCode)
	}
	return nil
}
