// Package standin builds the stand-in images the harness's own tests run
// the Rocket.Chat target against, where no image can be pulled: a
// Rocket.Chat stand-in (the reference server in its --rocketchat-env mode)
// and a MongoDB stand-in. They honour the container contracts the real
// images do, under names no registry serves, and carry the label
// targets.StandInLabel, so that what a run observes of them is never taken
// for evidence of a release.
package standin

import (
	"bytes"
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"

	"github.com/rcconform/rcconform/reference/container"
	"github.com/rcconform/rcconform/targets"
)

// MongoImage is the MongoDB stand-in's name.
const MongoImage = "rcconform-standin/mongo:8.0"

// mongoPackage is the MongoDB stand-in's command.
const mongoPackage = "github.com/rcconform/rcconform/cmd/rcmongostandin"

// RocketChatImage is the name of the Rocket.Chat stand-in of a release.
func RocketChatImage(release string) string { return "rcconform-standin/rocket.chat:" + release }

var (
	//go:embed rocketchat.Dockerfile
	rocketChatDockerfile []byte
	//go:embed mongo.Dockerfile
	mongoDockerfile []byte
)

// RocketChat is a Rocket.Chat stand-in: the reference emulating Release,
// showing Variants (dimension id to variant) where the release's line
// allows a choice, and the line's most likely variant elsewhere.
type RocketChat struct {
	Release  string
	Variants map[string]string
}

// Image is the stand-in's name: RocketChatImage(Release), with a tag suffix
// naming its variants when it has some.
func (r RocketChat) Image() string {
	if len(r.Variants) == 0 {
		return RocketChatImage(r.Release)
	}
	sum := sha256.Sum256([]byte(r.variantList()))
	return fmt.Sprintf("%s-v%x", RocketChatImage(r.Release), sum[:6])
}

// variantList is Variants as RCCONFORM_VARIANTS reads them, sorted.
func (r RocketChat) variantList() string {
	var out []string
	for _, dim := range slices.Sorted(maps.Keys(r.Variants)) {
		out = append(out, dim+"="+r.Variants[dim])
	}
	return strings.Join(out, ",")
}

// Build builds the MongoDB stand-in and a Rocket.Chat stand-in for each
// release (one that the reference cannot emulate makes a stand-in that
// dies at start). It needs this module's source and the Go toolchain. log,
// when not nil, receives the build output.
func Build(ctx context.Context, log io.Writer, releases ...string) error {
	stands := make([]RocketChat, len(releases))
	for i, r := range releases {
		stands[i] = RocketChat{Release: r}
	}
	return BuildRocketChat(ctx, log, stands...)
}

// BuildRocketChat is Build for stand-ins that may show chosen variants.
func BuildRocketChat(ctx context.Context, log io.Writer, stands ...RocketChat) error {
	if log == nil {
		log = io.Discard
	}
	var rcreference []byte
	if len(stands) > 0 {
		var err error
		if rcreference, err = container.BuildBinary(ctx, container.ReferencePackage, log); err != nil {
			return err
		}
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
	for _, r := range stands {
		release, variants := r.Release, r.variantList()
		if err := build(ctx, cli, log, r.Image(), map[string]*string{"RELEASE": &release, "VARIANTS": &variants},
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
	// The label tells a run's observation that it saw no genuine release.
	res, err := cli.ImageBuild(ctx, bytes.NewReader(archive), client.ImageBuildOptions{
		Tags: []string{tag}, BuildArgs: args, Labels: map[string]string{targets.StandInLabel: "true"}, Remove: true, ForceRemove: true,
	})
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
