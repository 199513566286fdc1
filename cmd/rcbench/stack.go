package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	tclog "github.com/testcontainers/testcontainers-go/log"

	"github.com/rcconform/rcconform/internal/standin"
)

// stackRuns times `rcconform run --rocketchat` against the stand-in images
// (there is no registry here): from the start of the run until Rocket.Chat
// answered /api/info, and the whole run; median, min and max of n runs.
func stackRuns(ctx context.Context, n int) error {
	const release = "8.6.1"
	fmt.Printf("## The --rocketchat target against the stand-in images (%d runs)\n", n)
	if exec.CommandContext(ctx, "docker", "info").Run() != nil {
		fmt.Println("skipped: no Docker engine answers")
		return nil
	}
	tclog.SetDefault(tclog.NewNoopLogger()) // no banner between the figures
	if err := standin.Build(ctx, nil, release); err != nil {
		return err
	}
	dir, bin, err := buildCommand(ctx)
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	args := []string{"run", "--rocketchat", release, "--rocketchat-image", standin.RocketChatImage(release),
		"--mongo-image", standin.MongoImage, "--report-dir", filepath.Join(dir, "report")}
	var ready, whole []time.Duration
	for range n {
		cmd := exec.CommandContext(ctx, bin, args...)
		out, err := cmd.StdoutPipe()
		if err != nil {
			return err
		}
		t0 := time.Now()
		if err := cmd.Start(); err != nil {
			return err
		}
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "target ready:") {
				ready = append(ready, time.Since(t0))
			}
		}
		if err := cmd.Wait(); err != nil {
			return fmt.Errorf("rcconform %s: %w", strings.Join(args, " "), err)
		}
		whole = append(whole, time.Since(t0))
	}
	fmt.Printf("%-34s %s\n", "start until the target is ready", spread(ready))
	fmt.Printf("%-34s %s\n", "whole run", spread(whole))
	fmt.Printf("(command: rcconform %s)\n", strings.Join(args[:7], " "))
	return nil
}
