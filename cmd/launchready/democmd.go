package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/launchready/launchready/demo"
)

func demoCmd(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	var o outputOptions
	o.register(fs)
	hardened := fs.Bool("hardened", false, "start the demo with every flaw fixed")
	active := fs.Bool("active", true, "let the audit write to the demo: the sign-up, reset and invite flows, canary posts (--active=false for a passive audit)")
	listFlaws := fs.Bool("list-flaws", false, "list the demo's switchable flaws and exit")
	if err := parse(fs, args, stderr); err != nil {
		return exitUsage, err
	}
	if err := o.validate(); err != nil {
		return exitUsage, err
	}
	if *listFlaws {
		for _, f := range demo.AllFlaws() {
			fmt.Fprintf(stdout, "%-20s %s\n", f, demo.Describe(f))
		}
		return exitOK, nil
	}
	flaws, name := demo.Flawed(), "Launch Ready demo (flawed)"
	if *hardened {
		flaws, name = demo.Hardened(), "Launch Ready demo (hardened)"
	}
	srv, err := demo.Start(flaws)
	if err != nil {
		return exitFindings, fmt.Errorf("starting the demo app: %w", err)
	}
	defer srv.Close()
	plan, err := srv.Plan(name)
	if err != nil {
		return exitFindings, fmt.Errorf("preparing the demo plan: %w", err)
	}
	plan.Active = *active
	fmt.Fprintf(stdout, "Demo app running at %s (and %s)\n", srv.HTTPSURL, srv.HTTPURL)
	if plan.Active {
		fmt.Fprintf(stdout, "Active audit: the sign-up, reset and invite flows read the demo's mail from the SMTP sink on %s\n", srv.SMTPAddr)
	}
	return runAudit(ctx, plan, srv.Getenv, &o, stdout, stderr)
}
