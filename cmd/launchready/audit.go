package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/audit/checks"
	"github.com/launchready/launchready/reports"
)

// audit runs the plan, streams results as plain lines, writes the reports, and returns the exit code.
func runAudit(ctx context.Context, plan *audit.Plan, getenv func(string) string, o *outputOptions, stdout, stderr io.Writer) (int, error) {
	target, err := audit.NewTarget(plan, getenv)
	if err != nil {
		return exitUsage, usageError{fmt.Errorf("plan: %w", err)}
	}
	fmt.Fprintf(stdout, "Auditing %s (%d checks, scope: %v)\n", target.App, len(audit.Catalog), plan.Hosts())
	runner := &audit.Runner{Checks: checks.All(), Version: version}
	events := make(chan audit.Event, 16)
	printed := make(chan struct{})
	go func() {
		defer close(printed)
		for ev := range events {
			if ev.Kind == audit.CheckFinished {
				printResult(stdout, ev.Result)
			}
		}
	}()
	report := runner.Run(ctx, target, events)
	<-printed

	printSummary(stdout, report)
	var writeErr error
	for _, out := range []struct {
		path string
		rep  reports.Reporter
	}{{o.json, reports.JSON{}}, {o.md, reports.Markdown{}}} {
		if out.path == "" {
			continue
		}
		if err := reports.WriteFile(out.path, out.rep, report); err != nil {
			fmt.Fprintln(stderr, "launchready:", err)
			writeErr = err
			continue
		}
		fmt.Fprintf(stdout, "Report written to %s\n", out.path)
	}
	switch {
	case ctx.Err() != nil:
		fmt.Fprintln(stderr, "launchready: interrupted; the report holds what was found until then")
		return exitInterrupted, nil
	case writeErr != nil:
		return exitFindings, fmt.Errorf("a report could not be written")
	case o.failSev != audit.SeverityNone && report.FailsAtOrAbove(o.failSev):
		fmt.Fprintf(stdout, "Exit 1: a fail of severity %s or above (--fail-on %s)\n", o.failSev, o.failSev)
		return exitFindings, nil
	}
	return exitOK, nil
}

var label = map[audit.Status]string{
	audit.Pass: "PASS", audit.Fail: "FAIL", audit.Warn: "WARN", audit.Info: "INFO",
	audit.Inconclusive: "????", audit.Skipped: "SKIP", audit.Error: "ERR!",
}

// printResult prints one line per finished check; the summary is already redacted by the runner.
func printResult(w io.Writer, r audit.Result) {
	sev := ""
	if r.Status == audit.Fail || r.Status == audit.Warn {
		sev = " [" + r.Severity.String() + "]"
	}
	fmt.Fprintf(w, "%s  %-27s %s%s\n", label[r.Status], r.ID, r.Summary, sev)
}

func printSummary(w io.Writer, r *audit.Report) {
	fmt.Fprintf(w, "\n%s\n\n", r.Verdict())
	for _, a := range r.Areas {
		c := a.Counts
		fmt.Fprintf(w, "  %-22s %-13s pass %d  fail %d  warn %d\n", a.Title, a.Status, c[audit.Pass], c[audit.Fail], c[audit.Warn])
	}
	fmt.Fprintf(w, "\n%d requests in %s\n", r.Requests, r.Duration.Round(10*time.Millisecond))
}
