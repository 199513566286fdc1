package container_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/rcconform/rcconform/reference/container"
)

// TestReferenceContainer builds the reference image, starts it, asks
// GET /api/info, and proves the container is gone after Stop.
func TestReferenceContainer(t *testing.T) {
	if testing.Short() {
		t.Skip("starts containers (make test runs it)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := container.Available(ctx); err != nil {
		t.Skipf("no docker engine answers, the container path cannot be tested here: %v", err)
	}

	inst, err := container.Start(ctx, container.Options{})
	if err != nil {
		t.Fatalf("start the reference container: %v", err)
	}
	stopped := false
	defer func() {
		if !stopped {
			_ = inst.Stop(context.Background())
		}
	}()

	resp, err := http.Get(inst.URL + "/api/info")
	if err != nil {
		t.Fatalf("GET %s/api/info: %v", inst.URL, err)
	}
	defer resp.Body.Close()
	var info struct {
		Version string `json:"version"`
		Success bool   `json:"success"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&info); err != nil {
		t.Fatalf("GET /api/info: body is not JSON: %v", err)
	}
	if resp.StatusCode != http.StatusOK || !info.Success || info.Version == "" {
		t.Fatalf("GET /api/info: want 200 with a version and success true, got %d %+v", resp.StatusCode, info)
	}

	id := inst.ID()
	ids, err := container.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(ids, id) {
		t.Fatalf("the running container %s does not carry the project label (labelled: %v)", id, ids)
	}
	if err := inst.Stop(ctx); err != nil {
		t.Fatalf("stop: %v", err)
	}
	stopped = true
	ids, err = container.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(ids, id) {
		t.Fatalf("container %s is still there after Stop", id)
	}
}

// TestStartMissingImage fails fast, without trying a pull, for an image the
// engine does not have.
func TestStartMissingImage(t *testing.T) {
	if testing.Short() {
		t.Skip("starts containers (make test runs it)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := container.Available(ctx); err != nil {
		t.Skipf("no docker engine answers: %v", err)
	}
	_, err := container.Start(ctx, container.Options{Image: "rcconform-no-such-image:never"})
	if err == nil {
		t.Fatal("starting an absent image succeeded; want an error naming the image")
	}
	t.Logf("error as users see it: %v", err)
}

// TestStartReferenceThatExits: a reference that exits before it serves (a
// flag it refuses) ends Start with the exit, wherever it ran (on the host's
// network, then with a published port), and leaves no container behind.
func TestStartReferenceThatExits(t *testing.T) {
	if testing.Short() {
		t.Skip("starts containers (make test runs it)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := container.Available(ctx); err != nil {
		t.Skipf("no docker engine answers: %v", err)
	}
	before, err := container.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := container.Start(ctx, container.Options{Args: []string{"--max-users", "0"}})
	if err == nil {
		_ = inst.Stop(ctx)
		t.Fatal("a reference refusing its flags started; want its exit as the error")
	}
	var exited *container.ExitedError
	if !errors.As(err, &exited) || exited.Code == 0 {
		t.Fatalf("error %v; want the container's non-zero exit", err)
	}
	after, err := container.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range after {
		if !slices.Contains(before, id) {
			t.Errorf("container %.12s was left behind", id)
		}
	}
}
