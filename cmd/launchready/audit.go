package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/audit/checks"
	"github.com/launchready/launchready/reports"
)

// audit runs the plan, streams results as plain lines, writes the reports, and returns the exit code.
func runAudit(ctx context.Context, plan *audit.Plan, getenv func(string) string, o *outputOptions, stdout, stderr io.Writer) (int, error) {
	return runChecks(ctx, plan, checks.All(), getenv, o, stdout, stderr)
}

// runChecks runs the given checks of the catalog against the plan's target.
func runChecks(ctx context.Context, plan *audit.Plan, list []audit.Check, getenv func(string) string, o *outputOptions, stdout, stderr io.Writer) (int, error) {
	if interactive(o, stdout) {
		return runTUI(ctx, plan, list, getenv, o, stdout, stderr)
	}
	target, err := audit.NewTarget(plan, getenv)
	if err != nil {
		return exitUsage, usageError{fmt.Errorf("plan: %w", err)}
	}
	target.Ask = lineAsker(os.Stdin, stderr) // the paste inbox asks for each link
	target.SignInByHand, target.WindowHeadless = lineSignIn(target.Ask), windowHeadless()
	// Colour only where the terminal takes it: colorprofile strips it for pipes, files and NO_COLOR.
	stdout = colorprofile.NewWriter(stdout, os.Environ())
	progress := stdout
	if o.quiet {
		progress = io.Discard
	}
	if plan.Email.Domain != "" && len(list) < len(audit.Catalog) {
		fmt.Fprintf(progress, "Checking %s (%d checks)\n", plan.Email.Domain, len(list))
	} else {
		fmt.Fprintf(progress, "Auditing %s (%d checks, scope: %v)\n", target.App, len(list), plan.Hosts())
	}
	runner := &audit.Runner{Checks: list, Version: version}
	events := make(chan audit.Event, 16)
	printed := make(chan struct{})
	go func() {
		defer close(printed)
		for ev := range events {
			if ev.Kind == audit.CheckFinished {
				res := ev.Result
				o.accepts.Apply(&res, time.Now()) // the line says accepted as the report will
				printResult(progress, res)
			}
		}
	}()
	report := runner.Run(ctx, target, events)
	<-printed
	code, err := finishReport(report, o, stdout, stderr)
	if ctx.Err() != nil {
		fmt.Fprintln(stderr, "launchready: interrupted; the report holds what was found until then")
		return exitInterrupted, nil
	}
	return code, err
}

// finishReport compares with the baseline, prints the verdict, writes every requested report and decides the
// exit code: the end of an audit and of `launchready report` alike.
func finishReport(report *audit.Report, o *outputOptions, stdout, stderr io.Writer) (int, error) {
	if o.accepts != nil {
		report.Accept(o.accepts, time.Now())
	}
	if o.base != nil {
		report.CompareWith(o.base, o.baseline)
	}
	if o.quiet {
		printQuiet(stdout, report)
	} else {
		printSummary(stdout, report)
	}
	paths, writeErr := writeOutputs(report, o)
	if writeErr != nil {
		fmt.Fprintln(stderr, "launchready:", writeErr)
	}
	if !o.quiet {
		for _, p := range paths {
			fmt.Fprintf(stdout, "Report written to %s\n", p)
		}
	}
	failing := report.FailsAtOrAbove(o.failSev)
	rule := fmt.Sprintf("--fail-on %s", o.failSev)
	if o.failNew {
		failing = report.NewFailsAtOrAbove(o.failSev)
		rule += " --fail-on-new"
	}
	switch {
	case writeErr != nil:
		return exitFindings, fmt.Errorf("a report could not be written")
	case o.failSev != audit.SeverityNone && failing:
		if !o.quiet {
			fmt.Fprintf(stdout, "Exit 1: a fail of severity %s or above (%s)\n", o.failSev, rule)
		}
		return exitFindings, nil
	}
	return exitOK, nil
}

func printSummary(w io.Writer, r *audit.Report) {
	fmt.Fprintf(w, "\n%s\n\n", lipgloss.NewStyle().Bold(true).Render(r.Verdict()))
	for _, a := range r.Areas {
		c := a.Counts
		fmt.Fprintf(w, "  %-22s %s  pass %d  fail %d  warn %d\n", a.Title, statusStyle[a.Status].Width(13).Render(string(a.Status)), c[audit.Pass], c[audit.Fail], c[audit.Warn])
	}
	fmt.Fprintf(w, "\n%d HTTP requests, %d browser requests, %d DNS queries, in %s\n", r.Requests, r.BrowserRequests, r.Queries, r.Duration.Round(10*time.Millisecond))
	if len(r.Phases) > 0 {
		var phases []string
		for _, p := range r.Phases {
			phases = append(phases, fmt.Sprintf("%s %s", p.Name(), p.Duration.Round(100*time.Millisecond)))
		}
		fmt.Fprintf(w, "Time by phase: %s\n", strings.Join(phases, ", "))
	}
}

// printQuiet prints the verdict and one line per failing check, for CI logs: "fail high ratelimit.login [new]".
func printQuiet(w io.Writer, r *audit.Report) {
	fmt.Fprintln(w, r.Verdict())
	for _, res := range reports.FixPlan(r.Results) {
		if res.Status != audit.Fail {
			continue
		}
		line := fmt.Sprintf("fail %-8s %s", res.Severity, res.ID)
		if res.Change != "" {
			line += " [" + string(res.Change) + "]"
		}
		fmt.Fprintln(w, line)
	}
}
