package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/audit/checks"
	"github.com/launchready/launchready/browser"
)

// planCmd is the plan tooling: check a plan, print its JSON Schema, write a starter plan.
func planCmd(_ context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	if len(args) == 0 {
		return exitUsage, usageError{errors.New("plan needs a subcommand: check FILE, schema, or init [FILE]")}
	}
	fs := flag.NewFlagSet("plan "+args[0], flag.ContinueOnError)
	force := false
	if args[0] == "init" {
		fs.BoolVar(&force, "force", false, "overwrite FILE if it exists")
	}
	pos, err := parseWithArgs(fs, args[1:], stderr)
	if err != nil {
		return exitUsage, err
	}
	switch args[0] {
	case "check":
		if len(pos) == 0 {
			return exitUsage, usageError{errors.New("plan check needs FILE")}
		}
		bad := false
		for _, path := range pos {
			if !checkPlanFile(path, stdout, stderr) {
				bad = true
			}
		}
		if bad {
			return exitUsage, nil
		}
		return exitOK, nil
	case "schema":
		if len(pos) > 0 {
			return exitUsage, usageError{fmt.Errorf("unexpected argument %q", pos[0])}
		}
		_, err := stdout.Write(audit.PlanSchema())
		return exitOK, err
	case "init":
		switch len(pos) {
		case 0:
			_, err := stdout.Write(audit.StarterPlan)
			return exitOK, err
		case 1:
			mode := os.O_WRONLY | os.O_CREATE | os.O_EXCL
			if force {
				mode = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
			}
			f, err := os.OpenFile(pos[0], mode, 0o600)
			if errors.Is(err, os.ErrExist) {
				return exitUsage, usageError{fmt.Errorf("%s exists; pass --force to overwrite it", pos[0])}
			}
			if err != nil {
				return exitUsage, usageError{err}
			}
			if _, err := f.Write(audit.StarterPlan); err != nil {
				f.Close()
				return exitFindings, err
			}
			if err := f.Close(); err != nil {
				return exitFindings, err
			}
			fmt.Fprintf(stdout, "Wrote a starter plan to %s: fill in app, accounts and email, then run `launchready plan check %s`.\n", pos[0], pos[0])
			return exitOK, nil
		default:
			return exitUsage, usageError{errors.New("plan init takes at most one FILE")}
		}
	default:
		return exitUsage, usageError{fmt.Errorf("unknown plan subcommand %q: use check, schema or init", args[0])}
	}
}

// checkPlanFile prints every mistake of one plan with its line, or what the plan will do. It reports whether the
// plan is valid.
func checkPlanFile(path string, stdout, stderr io.Writer) bool {
	plan, err := audit.LoadPlan(path)
	if err != nil {
		var all audit.PlanErrors
		var one *audit.PlanError
		switch {
		case errors.As(err, &all):
			fmt.Fprintf(stderr, "%s: %d problems:\n", path, len(all))
			for _, e := range all {
				fmt.Fprintln(stderr, "  "+e.Error())
			}
		case errors.As(err, &one):
			fmt.Fprintln(stderr, "  "+one.Error())
		default:
			fmt.Fprintln(stderr, "  "+err.Error())
		}
		return false
	}
	var accepts *audit.AcceptFile
	if path := plan.AcceptPath(); path != "" {
		f, err := audit.ReadAcceptFile(path)
		if err != nil {
			fmt.Fprintln(stderr, "  accept_file: "+err.Error())
			return false
		}
		accepts = f
	}
	run, skipped := 0, 0
	for _, e := range audit.Catalog {
		if plan.Skips(e) {
			skipped++
		} else if checks.Implemented(e.ID) {
			run++
		}
	}
	fmt.Fprintf(stdout, "%s: ok. Scope %v; %d checks can run, %d skipped by the plan; active tests %s.\n",
		path, plan.Hosts(), run, skipped, map[bool]string{true: "on (the audit writes to the app)", false: "off"}[plan.Active])
	if accepts != nil {
		fmt.Fprintf(stdout, "Accept file %s: %d accepted %s.\n", accepts.Path, len(accepts.Entries), map[bool]string{true: "risk", false: "risks"}[len(accepts.Entries) == 1])
	}
	for _, acc := range []*audit.Account{plan.Accounts.A, plan.Accounts.B} {
		if acc == nil {
			continue
		}
		for _, env := range []string{acc.PasswordEnv, acc.TOTPEnv} {
			if env != "" && acc.Method() == audit.LoginPassword && os.Getenv(env) == "" {
				fmt.Fprintf(stdout, "Note: %s is not set in this environment; set it before `launchready run`.\n", env)
			}
		}
		if path := plan.StatePath(acc); path != "" {
			if _, err := browser.ReadState(path); err != nil {
				fmt.Fprintf(stdout, "Note: %s's storage_state: %v.\n", acc.Email, err)
			}
		}
	}
	return true
}
