package container_test

import (
	"context"
	"encoding/json"
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
