package container

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/testcontainers/testcontainers-go/wait"
)

// servedAt waits until path answers 200 on the container's mapped port and
// remembers where it did. testcontainers' own host may be wrong (a machine
// with /.dockerenv that reaches the engine over its socket is taken for a
// container, and the bridge's gateway is asked), so loopback is tried next
// to it, and the environment is never changed to fix it.
type servedAt struct {
	port, path string
	url        string
}

var _ wait.Strategy = (*servedAt)(nil)

func (s *servedAt) WaitUntilReady(ctx context.Context, target wait.StrategyTarget) error {
	client := &http.Client{Timeout: time.Second}
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	var last error
	for {
		port, err := target.MappedPort(ctx, s.port)
		if err == nil {
			hosts := []string{"127.0.0.1"}
			if h, err := target.Host(ctx); err == nil && !slices.Contains(hosts, h) {
				hosts = append([]string{h}, hosts...)
			}
			for _, h := range hosts {
				base := fmt.Sprintf("http://%s:%s", h, port.Port())
				if last = answers(ctx, client, base+s.path); last == nil {
					s.url = base
					return nil
				}
			}
		} else {
			last = err
		}
		if state, err := target.State(ctx); err == nil && !state.Running && state.Status == "exited" {
			return fmt.Errorf("the container exited with code %d before %s answered", state.ExitCode, s.path)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s did not answer 200 in time: %w (last: %v)", s.path, ctx.Err(), last)
		case <-tick.C:
		}
	}
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
