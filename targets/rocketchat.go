package targets

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/modules/mongodb"
	"github.com/testcontainers/testcontainers-go/network"

	"github.com/rcconform/rcconform/conformance"
	"github.com/rcconform/rcconform/reference/container"
)

// RocketChatConfig configures the RocketChat kind: MongoDB as a single-node
// replica set and Rocket.Chat's official image, on a private network.
type RocketChatConfig struct {
	// Version is the Rocket.Chat release to start, e.g. 8.6.1.
	Version string
	// Image overrides Rocket.Chat's image (default DefaultRocketChatImage).
	Image string
	// MongoImage overrides MongoDB's image (default DefaultMongoImage).
	MongoImage string
}

// DefaultRocketChatImage is Rocket.Chat's official image at a version: the
// registry its docs and compose files name (the same tags as Docker Hub's
// rocketchat/rocket.chat).
func DefaultRocketChatImage(version string) string {
	return "registry.rocket.chat/rocketchat/rocket.chat:" + version
}

// DefaultMongoImage is a MongoDB that a Rocket.Chat release supports: the
// release notes' engine versions (6.x: 4.4 to 6.0; 7.x: 5.0 to 7.0; 8.x:
// 8.0 and 8.2, and 8.x refuses anything older than 7.0), in the image
// Rocket.Chat's own compose files use.
func DefaultMongoImage(version string) string {
	rel, err := conformance.ParseRelease(version)
	switch {
	case err == nil && rel.Compare(conformance.MustRelease("7.0.0")) < 0:
		return "mongodb/mongodb-community-server:6.0-ubi8"
	case err == nil && rel.Compare(conformance.MustRelease("8.0.0")) < 0:
		return "mongodb/mongodb-community-server:7.0-ubi8"
	}
	return "mongodb/mongodb-community-server:8.0-ubi8"
}

// rocketChatEnv is the environment that sets Rocket.Chat up without its UI:
// the first admin, the setup wizard done, and the limits and second factors
// that would stand in a test's way turned off.
func rocketChatEnv(cfg Config) map[string]string {
	return map[string]string{
		"PORT":                                "3000",
		"ROOT_URL":                            "http://localhost:3000",
		"MONGO_URL":                           "mongodb://mongodb:27017/rocketchat?replicaSet=rs0",
		"DEPLOY_METHOD":                       "docker",
		"DEPLOY_PLATFORM":                     "rcconform",
		"ADMIN_USERNAME":                      cfg.AdminUser,
		"ADMIN_PASS":                          cfg.AdminPassword,
		"ADMIN_EMAIL":                         cfg.AdminUser + "@example.com",
		"ADMIN_NAME":                          "rcconform admin",
		"ADMIN_EMAIL_VERIFIED":                "true",
		"OVERWRITE_SETTING_Show_Setup_Wizard": "completed",
		"OVERWRITE_SETTING_API_Enable_Rate_Limiter":                                    "false",
		"OVERWRITE_SETTING_DDP_Rate_Limit_IP_Enabled":                                  "false",
		"OVERWRITE_SETTING_DDP_Rate_Limit_User_Enabled":                                "false",
		"OVERWRITE_SETTING_DDP_Rate_Limit_Connection_Enabled":                          "false",
		"OVERWRITE_SETTING_DDP_Rate_Limit_User_By_Method_Enabled":                      "false",
		"OVERWRITE_SETTING_DDP_Rate_Limit_Connection_By_Method_Enabled":                "false",
		"OVERWRITE_SETTING_Accounts_TwoFactorAuthentication_Enabled":                   "false",
		"OVERWRITE_SETTING_Accounts_TwoFactorAuthentication_By_Email_Enabled":          "false",
		"OVERWRITE_SETTING_Accounts_TwoFactorAuthentication_Enforce_Password_Fallback": "false",
		"OVERWRITE_SETTING_Accounts_EmailVerification":                                 "false",
		"OVERWRITE_SETTING_Accounts_Password_Policy_Enabled":                           "false",
		"OVERWRITE_SETTING_Block_Multiple_Failed_Logins_Enabled":                       "false",
	}
}

// startRocketChat starts the stack, waits until Rocket.Chat answers GET
// /api/info, and returns a target whose Stop removes both containers and
// the network. Every failure stops what was started and is a
// *conformance.CannotRun; a container that dies or a server that never
// answers leaves the last lines of its log on cfg.Log.
func startRocketChat(ctx context.Context, cfg Config, log io.Writer) (_ *Target, err error) {
	rc := cfg.RocketChat
	if _, perr := conformance.ParseRelease(rc.Version); perr != nil {
		return nil, &conformance.CannotRun{Reason: fmt.Sprintf("--rocketchat %q is not a release such as 8.6.1", rc.Version)}
	}
	if err := container.Available(ctx); err != nil {
		return nil, &conformance.CannotRun{Reason: "starting Rocket.Chat needs a Docker engine, and none answers; start Docker or give --target URL instead", Err: err}
	}
	rcImage, mongoImage := rc.Image, rc.MongoImage
	if rcImage == "" {
		rcImage = DefaultRocketChatImage(rc.Version)
	}
	if mongoImage == "" {
		mongoImage = DefaultMongoImage(rc.Version)
	}
	if _, err := container.ReapLeftovers(ctx); err != nil {
		fmt.Fprintf(log, "rcconform: could not reap leftover containers: %v\n", err)
	}
	for _, img := range []struct{ name, flag string }{{rcImage, "--rocketchat-image"}, {mongoImage, "--mongo-image"}} {
		if err := ensureImage(ctx, img.name, img.flag, log); err != nil {
			return nil, err
		}
	}

	stack := &stack{log: log}
	defer func() {
		if err != nil {
			_ = stack.stop(context.WithoutCancel(ctx))
		}
	}()
	labels := container.Labels()
	if stack.net, err = network.New(ctx, network.WithLabels(labels)); err != nil {
		return nil, &conformance.CannotRun{Reason: "a private Docker network for Rocket.Chat and MongoDB could not be created", Err: err}
	}
	fmt.Fprintf(log, "rcconform: starting MongoDB (%s) as a single-node replica set\n", mongoImage)
	mongo, err := mongodb.Run(ctx, mongoImage,
		mongodb.WithReplicaSet("rs0"),
		network.WithNetwork([]string{"mongodb"}, stack.net), // its only network: the replica set is advertised by that IP
		testcontainers.WithLabels(labels),
	)
	if mongo != nil {
		stack.mongo = mongo
	}
	if err != nil {
		stack.tail(ctx, stack.mongo, "MongoDB")
		return nil, &conformance.CannotRun{Reason: fmt.Sprintf("MongoDB (%s) did not start as a replica set; its last log lines are above", mongoImage), Err: err}
	}

	timeout := cfg.StartTimeout
	if timeout <= 0 {
		timeout = 5 * time.Minute
	}
	fmt.Fprintf(log, "rcconform: starting Rocket.Chat %s (%s)\n", rc.Version, rcImage)
	started := time.Now()
	served := &container.ServedAt{Port: "3000/tcp", Path: "/api/info", Every: 10 * time.Second, Progress: func(waited time.Duration) {
		fmt.Fprintf(log, "rcconform: waiting for Rocket.Chat %s to answer /api/info (%d s)\n", rc.Version, int(waited.Seconds()))
	}}
	rcCtr, err := testcontainers.Run(ctx, rcImage,
		testcontainers.WithEnv(rocketChatEnv(cfg)),
		testcontainers.WithExposedPorts("3000/tcp"),
		network.WithNetwork([]string{"rocketchat"}, stack.net),
		testcontainers.WithLabels(labels),
		testcontainers.WithWaitStrategyAndDeadline(timeout, served),
	)
	if rcCtr != nil {
		stack.rc = rcCtr
	}
	if err != nil {
		stack.tail(ctx, stack.rc, "Rocket.Chat")
		var exited *container.ExitedError
		if errors.As(err, &exited) {
			return nil, &conformance.CannotRun{Reason: fmt.Sprintf("the Rocket.Chat %s container exited with code %d during start-up; its last log lines are above", rc.Version, exited.Code), Err: err}
		}
		return nil, &conformance.CannotRun{Reason: fmt.Sprintf("Rocket.Chat %s did not answer GET /api/info within %s; its last log lines are above; give it more time with --startup-timeout", rc.Version, timeout), Err: err}
	}
	fmt.Fprintf(log, "rcconform: Rocket.Chat %s answered after %s\n", rc.Version, time.Since(started).Round(time.Second))
	return &Target{
		Kind: RocketChat, URL: served.URL(), Image: rcImage,
		Note: fmt.Sprintf("Rocket.Chat %s (%s) with MongoDB (%s) in containers", rc.Version, rcImage, mongoImage),
		stop: stack.stop,
	}, nil
}

// stack is what startRocketChat started, for removal in reverse order.
type stack struct {
	log   io.Writer
	net   *testcontainers.DockerNetwork
	mongo testcontainers.Container
	rc    testcontainers.Container
}

func (s *stack) stop(ctx context.Context) error {
	var errs []error
	for _, c := range []testcontainers.Container{s.rc, s.mongo} {
		if c != nil {
			if err := c.Terminate(ctx); err != nil {
				errs = append(errs, fmt.Errorf("remove container %s: %w", c.GetContainerID(), err))
			}
		}
	}
	if s.net != nil {
		if err := s.net.Remove(ctx); err != nil {
			errs = append(errs, fmt.Errorf("remove network %s: %w", s.net.Name, err))
		}
	}
	s.rc, s.mongo, s.net = nil, nil, nil
	return errors.Join(errs...)
}

// tailLines is how much of a failed container's log the console shows.
const tailLines = 30

// tail prints the last lines of a container's log.
func (s *stack) tail(ctx context.Context, c testcontainers.Container, name string) {
	if c == nil {
		return
	}
	rd, err := c.Logs(context.WithoutCancel(ctx))
	if err != nil {
		fmt.Fprintf(s.log, "rcconform: the %s container's log cannot be read: %v\n", name, err)
		return
	}
	defer rd.Close()
	var lines []string
	sc := bufio.NewScanner(rd)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if len(lines) > tailLines {
			lines = lines[1:]
		}
	}
	fmt.Fprintf(s.log, "rcconform: the last %d lines of the %s container's log:\n", len(lines), name)
	for _, l := range lines {
		fmt.Fprintf(s.log, "  | %s\n", l)
	}
}

// ensureImage pulls an image the engine lacks, and only then; an image that
// is missing and cannot be pulled ends the run naming it and how to supply it.
func ensureImage(ctx context.Context, ref, flag string, log io.Writer) error {
	cli, err := testcontainers.NewDockerClientWithOpts(ctx)
	if err != nil {
		return &conformance.CannotRun{Reason: "the Docker engine cannot be reached", Err: err}
	}
	defer cli.Close()
	if present, err := container.ImagePresent(ctx, cli, ref); err != nil {
		return &conformance.CannotRun{Reason: fmt.Sprintf("the image %s cannot be inspected", ref), Err: err}
	} else if present {
		return nil
	}
	fmt.Fprintf(log, "rcconform: pulling %s\n", ref)
	missing := func(err error) error {
		return &conformance.CannotRun{Reason: fmt.Sprintf(
			"the image %s is not on the Docker engine and cannot be pulled (%s); supply it with `docker pull %s` or `docker load`, or name another with %s",
			ref, firstLine(err.Error()), ref, flag), Err: err}
	}
	resp, err := cli.ImagePull(ctx, ref, client.ImagePullOptions{})
	if err != nil {
		return missing(err)
	}
	defer resp.Close()
	for msg, err := range resp.JSONMessages(ctx) {
		if err != nil {
			return missing(err)
		}
		if msg.Error != nil {
			return missing(errors.New(msg.Error.Message))
		}
	}
	if _, err := cli.ImageInspect(ctx, ref); err != nil {
		return missing(err)
	}
	return nil
}

func firstLine(s string) string {
	first, _, _ := strings.Cut(s, "\n")
	return first
}

// StandInLabel marks an image built to stand in for Rocket.Chat's or
// MongoDB's (internal/standin sets it): a run against it observes no release.
const StandInLabel = "io.rcconform.standin"

// ImageIdentity is what the engine reports of the image a run started.
type ImageIdentity struct {
	// Digest is the image's content digest: its registry digest (from
	// RepoDigests) when it came from or went to a registry, else its ID.
	Digest string
	// StandIn is set when the image carries StandInLabel.
	StandIn bool
}

// InspectImage asks the engine for the identity of the image ref.
func InspectImage(ctx context.Context, ref string) (ImageIdentity, error) {
	cli, err := testcontainers.NewDockerClientWithOpts(ctx)
	if err != nil {
		return ImageIdentity{}, fmt.Errorf("connect to docker: %w", err)
	}
	defer cli.Close()
	img, err := cli.ImageInspect(ctx, ref)
	if err != nil {
		return ImageIdentity{}, fmt.Errorf("inspect image %s: %w", ref, err)
	}
	id := ImageIdentity{Digest: contentDigest(ref, img.RepoDigests, img.ID)}
	if img.Config != nil {
		id.StandIn = img.Config.Labels[StandInLabel] == "true"
	}
	return id, nil
}

// contentDigest picks the digest of ref's own repository among
// repoDigests ("name@sha256:..."), else the first, else the image id. A
// registry digest is what `docker pull name@digest` fetches again; an image
// that never met a registry has only its id.
func contentDigest(ref string, repoDigests []string, id string) string {
	name := ref
	if i := strings.LastIndex(name, "@"); i >= 0 {
		name = name[:i]
	} else if i := strings.LastIndex(name, ":"); i > strings.LastIndex(name, "/") {
		name = name[:i]
	}
	for _, rd := range repoDigests {
		if n, d, ok := strings.Cut(rd, "@"); ok && n == name {
			return d
		}
	}
	if len(repoDigests) > 0 {
		if _, d, ok := strings.Cut(repoDigests[0], "@"); ok {
			return d
		}
	}
	return id
}

// ObservationsDir is the folder of a report directory that a run against
// Rocket.Chat writes its observation to, as <release>.json.
const ObservationsDir = "observations"

// Observe makes the observation of a run that certified image at release:
// harness is the version of rcconform that probed it, started the time its
// run started, fp the fingerprint it showed.
func Observe(ctx context.Context, release, image, harness string, started time.Time, fp conformance.Fingerprint) (conformance.Observation, error) {
	if image == "" {
		return conformance.Observation{}, fmt.Errorf("the run names no Rocket.Chat image")
	}
	id, err := InspectImage(ctx, image)
	if err != nil {
		return conformance.Observation{}, err
	}
	return conformance.Observation{
		Release: release, Image: image, ImageDigest: id.Digest,
		Date: started.UTC().Format(time.DateOnly), Harness: harness,
		Fingerprint: fp, StandIn: id.StandIn,
	}, nil
}

// WriteObservation writes o to dir/observations/<release>.json and returns
// the file's path.
func WriteObservation(dir string, o conformance.Observation) (string, error) {
	if _, err := conformance.ParseRelease(o.Release); err != nil {
		return "", fmt.Errorf("write the observation: %w", err)
	}
	data, err := json.MarshalIndent(o, "", "  ")
	if err != nil {
		return "", fmt.Errorf("encode the observation of %s: %w", o.Release, err)
	}
	obsDir := filepath.Join(dir, ObservationsDir)
	if err := os.MkdirAll(obsDir, 0o755); err != nil {
		return "", fmt.Errorf("write the observation: %w", err)
	}
	file := filepath.Join(obsDir, o.Release+".json")
	if err := os.WriteFile(file, append(data, '\n'), 0o644); err != nil {
		return "", fmt.Errorf("write the observation: %w", err)
	}
	return file, nil
}

// ObservationProblem says why o could not be committed as evidence, the
// stand-in mark aside (a stand-in's observation proves the path only); nil
// when it could.
func ObservationProblem(o conformance.Observation) error {
	o.StandIn = false
	return o.Validate()
}
