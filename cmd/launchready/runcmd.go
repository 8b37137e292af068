package main

import (
	"context"
	"flag"
	"fmt"
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
	var resolve stringList
	fs.Var(&resolve, "resolve", "curl-style `host:port:addr`: reach host:port at addr, with the real name in Host and SNI (repeatable; adds to the plan's resolve)")
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
	if o.accept == "" {
		if err := o.readAccept(plan.AcceptPath()); err != nil {
			return exitUsage, err
		}
	}
	if *resolver != "" {
		plan.Resolver = *resolver
	}
	if len(resolve) > 0 {
		plan.Resolve = append(plan.Resolve, resolve...)
		if _, err := plan.ResolveMap(); err != nil {
			return exitUsage, usageError{fmt.Errorf("--resolve: %w", err)}
		}
	}
	return runAudit(ctx, plan, os.Getenv, &o, stdout, stderr)
}

var errMissingPlan = usageErrorText("run needs --plan FILE (a YAML plan; see the README for its keys)")

type usageErrorText string

func (e usageErrorText) Error() string { return string(e) }
