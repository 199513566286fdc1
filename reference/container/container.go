// Package container builds the reference server into a FROM scratch image and
// starts it, or any image already on the engine, with testcontainers-go.
package container

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/containerd/errdefs"
	dockercontainer "github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"

	"github.com/rcconform/rcconform/conformance"
	"github.com/rcconform/rcconform/reference"
)

const (
	// LabelProject marks every container the harness starts, so none is
	// ever mistaken for someone else's and leftovers can be found.
	LabelProject = "io.rcconform"
	// LabelOwner holds "<hostname>/<pid>" of the process that started the
	// container; a leftover whose owner is gone is reaped.
	LabelOwner = "io.rcconform.owner"

	// Port is the port the reference listens on inside its image.
	Port = "3000/tcp"
	// ReferenceRepo is the image repository of the built reference; the tag
	// is a digest of what the build reads (sourceTag), so that an unchanged
	// source finds its image with one lookup and is never built again.
	ReferenceRepo = "rcconform-reference"
	// ReferencePackage is the import path of the reference server's command.
	ReferencePackage = "github.com/rcconform/rcconform/cmd/rcreference"
)

// Options says what to start. The zero value starts the reference.
type Options struct {
	// Image is an image already on the engine; empty builds the reference.
	Image string
	// Port is the container port that serves HTTP; default Port.
	Port string
	// Env is passed to the container (ADMIN_USERNAME, ADMIN_PASS ...).
	Env map[string]string
	// Args are appended to the image's entrypoint (reference flags).
	Args []string
	// StartupTimeout bounds the wait for GET /healthz; default 60 s.
	StartupTimeout time.Duration
	// ReadyPath is polled until it answers 200; default /healthz for the
	// reference and /api/info for any other image.
	ReadyPath string
	// BuildLog receives the go build and image build output; nil discards it.
	BuildLog io.Writer
	// Trace receives how long each phase of starting and removing the
	// container took; nil ignores them.
	Trace conformance.Trace
}

// ReferenceOptions are the Options that start the reference configured
// like cfg: its flags and its admin's environment. A zero MaxUsers or
// Version leaves the reference's default, as reference.New does, and each
// of Variants becomes a --variant, sorted by dimension; AdminEmail,
// UnauthorizedDelay, RacyCreation and Logger are not passed on.
func ReferenceOptions(cfg reference.Config) Options {
	var args []string
	if cfg.MaxUsers > 0 {
		args = append(args, "--max-users", strconv.Itoa(cfg.MaxUsers))
	}
	if cfg.Version != "" {
		args = append(args, "--rc-version", cfg.Version)
	}
	for _, dim := range slices.Sorted(maps.Keys(cfg.Variants)) {
		args = append(args, "--variant", dim+"="+cfg.Variants[dim])
	}
	if cfg.RateLimit.Calls > 0 {
		args = append(args, "--rate-limit", strconv.Itoa(cfg.RateLimit.Calls), "--rate-limit-window", cfg.RateLimit.Window.String())
	}
	return Options{
		Env:  map[string]string{"ADMIN_USERNAME": cfg.AdminUsername, "ADMIN_PASS": cfg.AdminPassword},
		Args: args,
	}
}

// Instance is a started container.
type Instance struct {
	// URL is the base URL of the server, e.g. http://127.0.0.1:32770.
	URL string
	// Image is the image the container runs.
	Image string
	// Built is true when this start had to build the reference image.
	Built bool

	ctr   *testcontainers.DockerContainer
	trace conformance.Trace
}

// PrepareEnv is for programs, not libraries: it sets in the process
// environment what testcontainers needs on an engine without registry
// access, unless the environment already decided: Ryuk would be pulled, and
// on machines with /.dockerenv the mapped ports are looked up on the wrong
// host. testcontainers reads both once, before its first call. Start and
// Run never change the environment; they find the mapped port themselves.
func PrepareEnv() {
	if _, ok := os.LookupEnv("TESTCONTAINERS_RYUK_DISABLED"); !ok {
		_ = os.Setenv("TESTCONTAINERS_RYUK_DISABLED", "true")
	}
	if _, ok := os.LookupEnv("TESTCONTAINERS_HOST_OVERRIDE"); !ok {
		_ = os.Setenv("TESTCONTAINERS_HOST_OVERRIDE", "127.0.0.1")
	}
}

// Available reports whether a Docker engine answers.
func Available(ctx context.Context) (err error) {
	// Some discovery paths of testcontainers panic instead of returning.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("docker discovery panicked: %v", r)
		}
	}()
	cli, err := testcontainers.NewDockerClientWithOpts(ctx)
	if err != nil {
		return fmt.Errorf("no docker engine: %w", err)
	}
	defer cli.Close()
	// testcontainers keeps the engine's info for the process once it has
	// it, so this is the one call a start then makes no more.
	if _, err := cli.Info(ctx, client.InfoOptions{}); err != nil {
		return fmt.Errorf("docker engine does not answer: %w", err)
	}
	return nil
}

// Start starts opts.Image, or the reference (building its image when the
// engine lacks it), and waits until it serves HTTP.
func Start(ctx context.Context, opts Options) (*Instance, error) {
	if opts.Port == "" {
		opts.Port = Port
	}
	if opts.StartupTimeout == 0 {
		opts.StartupTimeout = 60 * time.Second
	}
	if opts.BuildLog == nil {
		opts.BuildLog = io.Discard
	}
	ready := opts.ReadyPath
	if ready == "" {
		ready = "/api/info"
		if opts.Image == "" {
			ready = "/healthz"
		}
	}

	cli, err := testcontainers.NewDockerClientWithOpts(ctx)
	if err != nil {
		return nil, fmt.Errorf("connect to docker: %w", err)
	}
	defer cli.Close()

	inst := &Instance{Image: opts.Image, trace: opts.Trace}
	env := opts.Env
	if _, set := env["GOMAXPROCS"]; !set && opts.Image == "" {
		// The reference answers one harness, which runs beside it on the same
		// cores: a second Go runtime spinning on every core slows both.
		env = maps.Clone(env)
		if env == nil {
			env = map[string]string{}
		}
		env["GOMAXPROCS"] = "1"
	}
	common := []testcontainers.ContainerCustomizer{
		testcontainers.WithEnv(env),
		testcontainers.WithLabels(Labels()),
	}
	var build []testcontainers.ContainerCustomizer
	began := time.Now()
	if opts.Image != "" {
		present, err := ImagePresent(ctx, cli, opts.Image)
		if err != nil {
			return nil, err
		}
		if !present {
			// Run would try to pull it, which cannot work without a registry.
			return nil, fmt.Errorf("image %q is not on the docker engine; load or build it first (docker load / docker build)", opts.Image)
		}
	} else {
		tag, err := sourceTag()
		if err != nil {
			return nil, err
		}
		inst.Image = ReferenceRepo + ":" + tag
		present, err := ImagePresent(ctx, cli, inst.Image)
		if err != nil {
			return nil, err
		}
		if !present {
			bin, err := BuildBinary(ctx, ReferencePackage, opts.BuildLog)
			if err != nil {
				return nil, err
			}
			archive, err := BuildContext(
				ContextFile{Name: "Dockerfile", Mode: 0o644, Data: reference.Dockerfile},
				ContextFile{Name: "rcreference", Mode: 0o755, Data: bin},
			)
			if err != nil {
				return nil, err
			}
			inst.Built = true
			build = append(build, testcontainers.WithDockerfile(testcontainers.FromDockerfile{
				ContextArchive: bytes.NewReader(archive),
				Repo:           ReferenceRepo,
				Tag:            tag,
				KeepImage:      true,
				BuildLogWriter: opts.BuildLog,
			}))
		}
	}
	opts.Trace.Since("container: image lookup", began)

	// run starts one container from the image (building it first when
	// build is set) and waits until served answers.
	run := func(served *ServedAt, limit time.Duration, extra ...testcontainers.ContainerCustomizer) error {
		img := inst.Image
		if len(build) > 0 {
			img = "" // testcontainers builds from the Dockerfile instead.
		}
		cs := slices.Concat(common, build, extra, []testcontainers.ContainerCustomizer{
			testcontainers.WithWaitStrategyAndDeadline(limit, served),
			testcontainers.WithAdditionalLifecycleHooks(traceHooks(opts.Trace)),
		})
		ctr, err := testcontainers.Run(ctx, img, cs...)
		inst.ctr = ctr
		if err != nil {
			// Run may return a created container along with the error.
			_ = inst.Stop(context.WithoutCancel(ctx))
			return fmt.Errorf("start container from %s: %w", inst.Image, err)
		}
		inst.URL = served.URL()
		return nil
	}

	hostNet := opts.Image == "" && onThisHost(ctx, cli)
	if hostNet {
		err = runOnHostNetwork(ctx, cli, inst, &build, run, opts.Args, ready, opts.StartupTimeout)
	}
	// Anywhere else, and where the host network did not serve (unless the
	// image could not even be built), the port is published.
	if !hostNet || (err != nil && ctx.Err() == nil && len(build) == 0) {
		served := &ServedAt{Port: opts.Port, Path: ready}
		err = run(served, opts.StartupTimeout, testcontainers.WithExposedPorts(opts.Port), testcontainers.WithCmdArgs(opts.Args...))
	}
	if err != nil {
		return nil, err
	}
	if inst.Built {
		removeOtherReferenceImages(ctx, cli, inst.Image)
	}
	return inst, nil
}

// hostNetworkLimit bounds the wait for a reference on the host's network:
// it answers within a second where that works at all, and where it does
// not (an engine that only looks local), the run falls back to a published
// port instead of waiting out the whole startup timeout.
const hostNetworkLimit = 10 * time.Second

// runOnHostNetwork starts the reference on the host's network, listening
// on a free loopback port: the engine then sets up no network namespace,
// no port mapping and no proxy process, which halves its start and removal,
// and no proxy sits between the harness and each call. A port taken between
// choosing it and the reference binding it ends the first attempt; a second
// one takes another port. Once the image is built, build is cleared, so a
// fallback does not build it again.
func runOnHostNetwork(ctx context.Context, cli *testcontainers.DockerClient, inst *Instance, build *[]testcontainers.ContainerCustomizer,
	run func(*ServedAt, time.Duration, ...testcontainers.ContainerCustomizer) error, args []string, ready string, limit time.Duration) error {
	var err error
	for range 2 {
		var port int
		if port, err = freeLoopbackPort(); err != nil {
			return err
		}
		addr := "127.0.0.1:" + strconv.Itoa(port)
		served := &ServedAt{Base: "http://" + addr, Path: ready}
		err = run(served, min(limit, hostNetworkLimit),
			testcontainers.WithHostConfigModifier(func(hc *dockercontainer.HostConfig) { hc.NetworkMode = "host" }),
			testcontainers.WithCmdArgs(append(slices.Clone(args), "--addr", addr)...))
		if len(*build) > 0 {
			if present, _ := ImagePresent(ctx, cli, inst.Image); !present {
				return err // the build itself failed: nothing else can start
			}
			*build = nil
		}
		var exited *ExitedError
		if err == nil || !errors.As(err, &exited) {
			return err
		}
	}
	return err
}

// onThisHost reports whether containers on the engine's host network serve
// on this machine's loopback: a rootful Linux engine reached over a unix
// socket, on a host whose name is this machine's (not a VM, not another
// machine, not the harness inside a container of its own), with no host
// override pointing elsewhere.
func onThisHost(ctx context.Context, cli *testcontainers.DockerClient) bool {
	if h := os.Getenv("TESTCONTAINERS_HOST_OVERRIDE"); h != "" && h != "127.0.0.1" && h != "localhost" {
		return false
	}
	if !strings.HasPrefix(cli.DaemonHost(), "unix://") {
		return false
	}
	res, err := cli.Info(ctx, client.InfoOptions{})
	if err != nil {
		return false
	}
	host, err := os.Hostname()
	if err != nil || res.Info.Name != host || res.Info.OSType != "linux" {
		return false
	}
	for _, o := range res.Info.SecurityOptions {
		if strings.Contains(o, "rootless") {
			return false
		}
	}
	return true
}

// freeLoopbackPort is a TCP port of 127.0.0.1 that nothing listens on now.
func freeLoopbackPort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free loopback port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// removeOtherReferenceImages deletes reference images of other binaries, so
// rebuilding the reference does not pile up images. Images in use by a
// running container, e.g. a parallel run's, cannot be removed and stay.
func removeOtherReferenceImages(ctx context.Context, cli *testcontainers.DockerClient, keep string) {
	res, err := cli.ImageList(ctx, client.ImageListOptions{Filters: make(client.Filters).Add("reference", ReferenceRepo)})
	if err != nil {
		return
	}
	for _, img := range res.Items {
		if slices.Contains(img.RepoTags, keep) {
			continue
		}
		for _, tag := range img.RepoTags {
			_, _ = cli.ImageRemove(ctx, tag, client.ImageRemoveOptions{PruneChildren: true})
		}
	}
}

// ID is the container's id.
func (i *Instance) ID() string {
	if i == nil || i.ctr == nil {
		return ""
	}
	return i.ctr.GetContainerID()
}

// Stop removes the container; the reference image is kept for the next run.
// Nothing in the container is worth a graceful stop, so it is killed and
// removed in one call, half the time of a stop and then a removal.
func (i *Instance) Stop(ctx context.Context) error {
	if i == nil || i.ctr == nil {
		return nil
	}
	began := time.Now()
	id := i.ctr.GetContainerID()
	cli, err := testcontainers.NewDockerClientWithOpts(ctx)
	if err != nil {
		return fmt.Errorf("remove container %s: connect to docker: %w", id, err)
	}
	defer cli.Close()
	if _, err := cli.ContainerRemove(ctx, id, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true}); err != nil && !errdefs.IsNotFound(err) {
		return fmt.Errorf("remove container %s: %w", id, err)
	}
	i.ctr = nil
	i.trace.Since("container: remove", began)
	return nil
}

// traceHooks report each lifecycle phase testcontainers goes through: from
// the call to the create request (provider and image checks), build,
// create, start, and the wait until the server answers.
func traceHooks(trace conformance.Trace) testcontainers.ContainerLifecycleHooks {
	if trace == nil {
		return testcontainers.ContainerLifecycleHooks{}
	}
	mark := time.Now()
	phase := func(name string) {
		trace(name, time.Since(mark))
		mark = time.Now()
	}
	request := func(name string) testcontainers.ContainerRequestHook {
		return func(context.Context, testcontainers.ContainerRequest) error { phase(name); return nil }
	}
	hook := func(name string) testcontainers.ContainerHook {
		return func(context.Context, testcontainers.Container) error { phase(name); return nil }
	}
	return testcontainers.ContainerLifecycleHooks{
		PreBuilds:   []testcontainers.ContainerRequestHook{request("container: testcontainers setup")},
		PostBuilds:  []testcontainers.ContainerRequestHook{request("container: image build")},
		PreCreates:  []testcontainers.ContainerRequestHook{request("container: testcontainers setup")},
		PostCreates: []testcontainers.ContainerHook{hook("container: create")},
		PreStarts:   []testcontainers.ContainerHook{hook("container: before start")},
		PostStarts:  []testcontainers.ContainerHook{hook("container: start")},
		PostReadies: []testcontainers.ContainerHook{hook("container: wait until ready")},
	}
}

// List returns the ids of the containers carrying the project label.
func List(ctx context.Context) ([]string, error) {
	cli, err := testcontainers.NewDockerClientWithOpts(ctx)
	if err != nil {
		return nil, fmt.Errorf("connect to docker: %w", err)
	}
	defer cli.Close()
	res, err := cli.ContainerList(ctx, client.ContainerListOptions{
		All: true, Filters: make(client.Filters).Add("label", LabelProject+"=true"),
	})
	if err != nil {
		return nil, fmt.Errorf("list containers: %w", err)
	}
	ids := make([]string, 0, len(res.Items))
	for _, c := range res.Items {
		ids = append(ids, c.ID)
	}
	return ids, nil
}

// ReapLeftovers removes the project's containers, and then its networks,
// whose owning process on this host is gone (a run killed with -9), with
// the containers' anonymous volumes. What live runs, or other hosts, own is
// left alone so parallel runs never hit each other. It returns how many
// containers it removed.
func ReapLeftovers(ctx context.Context) (int, error) {
	cli, err := testcontainers.NewDockerClientWithOpts(ctx)
	if err != nil {
		return 0, fmt.Errorf("connect to docker: %w", err)
	}
	defer cli.Close()
	ours := make(client.Filters).Add("label", LabelProject+"=true")
	res, err := cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: ours})
	if err != nil {
		return 0, fmt.Errorf("list containers: %w", err)
	}
	removed := 0
	for _, c := range res.Items {
		if !orphaned(c.Labels[LabelOwner]) {
			continue
		}
		if _, err := cli.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true}); err != nil && !errdefs.IsNotFound(err) {
			return removed, fmt.Errorf("remove leftover container %s: %w", c.ID[:12], err)
		}
		removed++
	}
	nets, err := cli.NetworkList(ctx, client.NetworkListOptions{Filters: ours})
	if err != nil {
		return removed, fmt.Errorf("list networks: %w", err)
	}
	for _, n := range nets.Items {
		if !orphaned(n.Labels[LabelOwner]) {
			continue
		}
		if _, err := cli.NetworkRemove(ctx, n.ID, client.NetworkRemoveOptions{}); err != nil && !errdefs.IsNotFound(err) {
			return removed, fmt.Errorf("remove leftover network %s: %w", n.Name, err)
		}
	}
	return removed, nil
}

// orphaned reports whether an owner label names a process of this host
// that is gone.
func orphaned(label string) bool {
	host, _ := os.Hostname()
	h, pid, ok := parseOwner(label)
	return ok && h == host && !processAlive(pid)
}

// Labels mark a container or network as the harness's, owned by this
// process, so that the reaper can find what a crashed run left.
func Labels() map[string]string {
	return map[string]string{LabelProject: "true", LabelOwner: owner()}
}

func owner() string {
	host, _ := os.Hostname()
	return host + "/" + strconv.Itoa(os.Getpid())
}

func parseOwner(s string) (host string, pid int, ok bool) {
	i := strings.LastIndexByte(s, '/')
	if i < 0 {
		return "", 0, false
	}
	pid, err := strconv.Atoi(s[i+1:])
	return s[:i], pid, err == nil && pid > 0
}

func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// ImagePresent reports whether the engine has the image ref, without
// pulling it.
func ImagePresent(ctx context.Context, cli *testcontainers.DockerClient, ref string) (bool, error) {
	_, err := cli.ImageInspect(ctx, ref)
	if errdefs.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("inspect image %s: %w", ref, err)
	}
	return true, nil
}

// BuildBinary compiles pkg, a main package of this module given by its
// import path (e.g. ReferencePackage), statically for a linux image: from
// this module's source when it is on disk (go test, go run, a clone), else
// from the module cache at the version this binary was built from. log
// receives the go command's output; when it is nil or io.Discard, a failure
// carries the go command's stderr instead.
func BuildBinary(ctx context.Context, pkg string, log io.Writer) ([]byte, error) {
	if log == nil {
		log = io.Discard
	}
	name := path.Base(pkg)
	dir, err := os.MkdirTemp("", "rcconform-build-")
	if err != nil {
		return nil, fmt.Errorf("create build directory: %w", err)
	}
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, name)

	var cmd *exec.Cmd
	if src := moduleDir(); src != "" {
		cmd = exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags=-s -w", "-o", out, pkg)
		cmd.Dir = src
	} else {
		version := "latest"
		if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			version = bi.Main.Version
		}
		cmd = exec.CommandContext(ctx, "go", "install", "-trimpath", "-ldflags=-s -w", pkg+"@"+version)
		cmd.Env = append(cmd.Env, "GOBIN="+dir)
		cmd.Dir = dir
	}
	cmd.Env = append(append(os.Environ(), cmd.Env...), "CGO_ENABLED=0", "GOOS=linux")
	cmd.Stdout, cmd.Stderr = log, log
	var stderr bytes.Buffer
	if log == io.Discard {
		cmd.Stderr = &stderr
	}
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("build the %s binary (%s): %w %s", name, strings.Join(cmd.Args, " "), err, strings.TrimSpace(stderr.String()))
	}
	bin, err := os.ReadFile(out)
	if err != nil {
		return nil, fmt.Errorf("read the built %s binary: %w", name, err)
	}
	return bin, nil
}

// sourceTag is the reference image's tag: a digest of everything go build
// reads to make the binary. That is this module's source when it is on disk
// (every file a build may compile or embed: not tests, testdata, nested
// modules, or what builds and runs write), else the module at the version
// this binary was built from, which the module cache keeps immutable; and in
// both cases the go command found on PATH and the variables that steer it.
// Hashing the source takes milliseconds where go build, even fully cached,
// takes most of a second and a few hundred MiB, so a run builds nothing
// unless the source changed.
func sourceTag() (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "%s -trimpath -ldflags=-s -w CGO_ENABLED=0 GOOS=linux\n", ReferencePackage)
	for _, v := range []string{"GOFLAGS", "GOEXPERIMENT", "GOAMD64", "GOARCH", "GOTOOLCHAIN", "GOROOT", "GOPATH", "GOMODCACHE", "GOWORK"} {
		fmt.Fprintf(h, "%s=%s\n", v, os.Getenv(v))
	}
	if gocmd, err := exec.LookPath("go"); err == nil {
		if fi, err := os.Stat(gocmd); err == nil {
			fmt.Fprintf(h, "go %s %d %d\n", gocmd, fi.Size(), fi.ModTime().UnixNano())
		}
	}
	if root := moduleDir(); root != "" {
		if err := hashSource(h, root); err != nil {
			return "", fmt.Errorf("read the reference's source to find its image: %w", err)
		}
	} else {
		bi, ok := debug.ReadBuildInfo()
		if !ok || bi.Main.Version == "" || bi.Main.Version == "(devel)" {
			// "latest" names no fixed source: key on the moment, build every time.
			fmt.Fprintf(h, "unversioned %d\n", time.Now().UnixNano())
		} else {
			fmt.Fprintf(h, "%s@%s\n", bi.Main.Path, bi.Main.Version)
		}
	}
	return hex.EncodeToString(h.Sum(nil)[:6]), nil
}

// hashSource writes into h the path and content of every file under root
// that a build of the module may read.
func hashSource(h io.Writer, root string) error {
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if p == root {
				return nil
			}
			// Skipped as the go command does (., _, testdata), nested modules,
			// and what builds and runs of the harness write.
			if strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata" || name == "build" || name == "report" {
				return filepath.SkipDir
			}
			if _, err := os.Stat(filepath.Join(p, "go.mod")); err == nil {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || strings.HasSuffix(name, "_test.go") {
			return nil
		}
		if info, err := d.Info(); err != nil || info.Mode()&0o111 != 0 {
			return err // an executable is what a build wrote, never what it reads
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		sum := sha256.Sum256(data)
		fmt.Fprintf(h, "%s %x\n", filepath.ToSlash(rel), sum)
		return nil
	})
}

// moduleDir is the root of this module's source tree, when it is on disk.
func moduleDir() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok || !filepath.IsAbs(file) {
		return ""
	}
	root := filepath.Join(filepath.Dir(file), "..", "..")
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		return ""
	}
	return root
}

// ContextFile is a file of a docker build context.
type ContextFile struct {
	Name string
	Mode int64
	Data []byte
}

// BuildContext is a docker build context of files, in their order, as an
// in-memory tar so that nothing is written into the source tree.
func BuildContext(files ...ContextFile) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		if err := tw.WriteHeader(&tar.Header{Name: f.Name, Mode: f.Mode, Size: int64(len(f.Data)), ModTime: time.Unix(0, 0)}); err != nil {
			return nil, fmt.Errorf("write build context: %w", err)
		}
		if _, err := tw.Write(f.Data); err != nil {
			return nil, fmt.Errorf("write build context: %w", err)
		}
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("write build context: %w", err)
	}
	return buf.Bytes(), nil
}
