package main

import (
	"context"
	"flag"
	"io"
	"os"

	"github.com/launchready/launchready/audit"
)

func runCmd(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	var o outputOptions
	o.register(fs)
	planPath := fs.String("plan", "", "the saved plan `FILE` (YAML)")
	resolver := fs.String("resolver", "", "DNS server `host:port` for the email checks (overrides the plan's resolver)")
	if err := parse(fs, args, stderr); err != nil {
		return exitUsage, err
	}
	if err := o.validate(); err != nil {
		return exitUsage, err
	}
	if *planPath == "" {
		return exitUsage, usageError{errMissingPlan}
	}
	plan, err := audit.LoadPlan(*planPath)
	if err != nil {
		return exitUsage, usageError{err}
	}
	if *resolver != "" {
		plan.Resolver = *resolver
	}
	return runAudit(ctx, plan, os.Getenv, &o, stdout, stderr)
}

var errMissingPlan = usageErrorText("run needs --plan FILE (a YAML plan; see the README for its keys)")

type usageErrorText string

func (e usageErrorText) Error() string { return string(e) }
