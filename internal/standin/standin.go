// Package standin builds the stand-in images the harness's own tests run
// the Rocket.Chat target against, where no image can be pulled: a
// Rocket.Chat stand-in (the reference server in its --rocketchat-env mode)
// and a MongoDB stand-in. They honour the container contracts the real
// images do, under names no registry serves.
package standin

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"

	"github.com/rcconform/rcconform/reference/container"
)

// MongoImage is the MongoDB stand-in's name.
const MongoImage = "rcconform-standin/mongo:8.0"

// mongoPackage is the MongoDB stand-in's command.
const mongoPackage = "github.com/rcconform/rcconform/internal/standin/mongo"

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
	rcreference, err := container.BuildBinary(ctx, container.ReferencePackage, log)
	if err != nil {
		return err
	}
	mongo, err := container.BuildBinary(ctx, mongoPackage, log)
	if err != nil {
		return err
	}
	cli, err := testcontainers.NewDockerClientWithOpts(ctx)
	if err != nil {
		return fmt.Errorf("connect to docker: %w", err)
	}
	defer cli.Close()
	if err := build(ctx, cli, log, MongoImage, nil,
		container.ContextFile{Name: "Dockerfile", Mode: 0o644, Data: mongoDockerfile},
		container.ContextFile{Name: "mongo", Mode: 0o755, Data: mongo},
	); err != nil {
		return err
	}
	for _, r := range releases {
		release := r
		if err := build(ctx, cli, log, RocketChatImage(r), map[string]*string{"RELEASE": &release},
			container.ContextFile{Name: "Dockerfile", Mode: 0o644, Data: rocketChatDockerfile},
			container.ContextFile{Name: "rcreference", Mode: 0o755, Data: rcreference},
		); err != nil {
			return err
		}
	}
	return nil
}

func build(ctx context.Context, cli *testcontainers.DockerClient, log io.Writer, tag string, args map[string]*string, files ...container.ContextFile) error {
	archive, err := container.BuildContext(files...)
	if err != nil {
		return err
	}
	res, err := cli.ImageBuild(ctx, bytes.NewReader(archive), client.ImageBuildOptions{Tags: []string{tag}, BuildArgs: args, Remove: true, ForceRemove: true})
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
