// Package standin builds the stand-in images the harness's own tests run
// the Rocket.Chat target against, where no image can be pulled: a
// Rocket.Chat stand-in (the reference server in its --rocketchat-env mode)
// and a MongoDB stand-in. They honour the container contracts the real
// images do, under names no registry serves.
package standin

import (
	"archive/tar"
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"

	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
)

// MongoImage is the MongoDB stand-in's name.
const MongoImage = "rcconform-standin/mongo:8.0"

// RocketChatImage is the name of the Rocket.Chat stand-in of a release.
func RocketChatImage(release string) string { return "rcconform-standin/rocket.chat:" + release }

var (
	//go:embed rocketchat.Dockerfile
	rocketChatDockerfile []byte
	//go:embed mongo.Dockerfile
	mongoDockerfile []byte
)

// Build builds the MongoDB stand-in and a Rocket.Chat stand-in for each
// release (one that the reference cannot emulate makes a stand-in that
// dies at start). It needs this module's source and the Go toolchain. log,
// when not nil, receives the build output.
func Build(ctx context.Context, log io.Writer, releases ...string) error {
	if log == nil {
		log = io.Discard
	}
	dir, err := os.MkdirTemp("", "rcconform-standin-")
	if err != nil {
		return fmt.Errorf("create build directory: %w", err)
	}
	defer os.RemoveAll(dir)
	bins := map[string]string{"rcreference": "./cmd/rcreference", "mongo": "./internal/standin/mongo"}
	built := map[string][]byte{}
	for name, pkg := range bins {
		out := filepath.Join(dir, name)
		cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags=-s -w", "-o", out, pkg)
		cmd.Dir = moduleDir()
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux")
		if msg, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("build %s: %w\n%s", pkg, err, msg)
		}
		if built[name], err = os.ReadFile(out); err != nil {
			return fmt.Errorf("read %s: %w", out, err)
		}
	}
	cli, err := testcontainers.NewDockerClientWithOpts(ctx)
	if err != nil {
		return fmt.Errorf("connect to docker: %w", err)
	}
	defer cli.Close()
	if err := build(ctx, cli, log, MongoImage, nil, map[string][]byte{"Dockerfile": mongoDockerfile, "mongo": built["mongo"]}); err != nil {
		return err
	}
	for _, r := range releases {
		release := r
		files := map[string][]byte{"Dockerfile": rocketChatDockerfile, "rcreference": built["rcreference"]}
		if err := build(ctx, cli, log, RocketChatImage(r), map[string]*string{"RELEASE": &release}, files); err != nil {
			return err
		}
	}
	return nil
}

func build(ctx context.Context, cli *testcontainers.DockerClient, log io.Writer, tag string, args map[string]*string, files map[string][]byte) error {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for name, data := range files {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o755, Size: int64(len(data))}); err != nil {
			return fmt.Errorf("write build context: %w", err)
		}
		if _, err := tw.Write(data); err != nil {
			return fmt.Errorf("write build context: %w", err)
		}
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("write build context: %w", err)
	}
	res, err := cli.ImageBuild(ctx, &buf, client.ImageBuildOptions{Tags: []string{tag}, BuildArgs: args, Remove: true, ForceRemove: true})
	if err != nil {
		return fmt.Errorf("build %s: %w", tag, err)
	}
	defer res.Body.Close()
	dec := json.NewDecoder(res.Body)
	for {
		var msg struct {
			Stream string `json:"stream"`
			Error  string `json:"error"`
		}
		if err := dec.Decode(&msg); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return fmt.Errorf("build %s: read the build output: %w", tag, err)
		}
		if msg.Error != "" {
			return fmt.Errorf("build %s: %s", tag, msg.Error)
		}
		fmt.Fprint(log, msg.Stream)
	}
	fmt.Fprintf(log, "built %s\n", tag)
	return nil
}

// moduleDir is the module root, from this file's place in it.
func moduleDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}
