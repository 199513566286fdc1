package dmcreate

import (
	"context"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/rcconform/rcconform/report"
	fw "github.com/rcconform/rcconform/suites/framework"
	"github.com/rcconform/rcconform/targets"
)

// The pieces of a run for a command that runs the checks in a tree of its
// own (rcconform diff): obtaining a server as the setup does, and the
// certificate of a run.

// WithDefaults returns c with its zero values replaced by the defaults they
// stand for, as a run uses it.
func (c Config) WithDefaults() Config { return c.withDefaults() }

// Start obtains the server cfg describes, logs its admin in once and
// settles the release it is certified at, as the setup of a run does; it
// provisions no users. Failures are *conformance.CannotRun; on one, nothing
// Start started stays running. The caller stops the target.
func Start(ctx context.Context, cfg Config) (*targets.Target, fw.Shared, error) {
	cfg = cfg.withDefaults()
	return start(ctx, cfg, cfg.options())
}

// StartAt is Start for a server certified at a release settled elsewhere,
// such as another server's; from says where, for the reports. The bundled
// reference behaves like that release.
func StartAt(ctx context.Context, cfg Config, release, from string) (*targets.Target, fw.Shared, error) {
	cfg = cfg.withDefaults()
	cfg.RCVersion = release
	opts := cfg.options()
	opts.RCVersionFrom = from
	return start(ctx, cfg, opts)
}

func start(ctx context.Context, cfg Config, opts fw.Options) (*targets.Target, fw.Shared, error) {
	target, err := targets.Start(ctx, cfg.targetConfig())
	if err != nil {
		return nil, fw.Shared{}, err
	}
	sh, err := fw.Prepare(ctx, opts, target)
	if err != nil {
		_ = target.Stop(context.WithoutCancel(ctx))
		return nil, fw.Shared{}, err
	}
	return target, sh, nil
}

// Results builds the certificate of a run of cfg from Ginkgo's report r, as
// Run does: sh is what the setup settled (nil when it did not get that
// far), labelFilter the selection beyond the run's level.
func Results(r types.Report, cfg Config, sh *fw.Shared, labelFilter string) (*report.Results, error) {
	cfg = cfg.withDefaults()
	return report.FromGinkgo(r, report.Run{
		HarnessVersion: cfg.HarnessVersion,
		Target:         resultTarget(cfg, sh),
		Level:          cfg.Level,
		LabelFilter:    labelFilter,
	}, Catalogue())
}
