package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/term"
	"go.yaml.in/yaml/v3"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/audit/checks"
	"github.com/launchready/launchready/reports"
	"github.com/launchready/launchready/tui"
)

// defaultReportDir is where the interactive view writes its reports when no output flag names a place.
const defaultReportDir = "launchready-reports"

// interactive reports whether the TUI can run: stdin and stdout are terminals, and the user did not ask for plain
// output. Anything else (a pipe, CI, --no-tui, --quiet) gets the line printer.
func interactive(o *outputOptions, stdout io.Writer) bool {
	if o.noTUI || o.quiet {
		return false
	}
	f, ok := stdout.(*os.File)
	return ok && term.IsTerminal(f.Fd()) && term.IsTerminal(os.Stdin.Fd())
}

// runTUI runs the audit in the live scorecard. The runner streams its events into the view; quitting cancels
// the audit, waits for the runner to close the browser, and writes the report of what finished.
func runTUI(ctx context.Context, plan *audit.Plan, list []audit.Check, getenv func(string) string, o *outputOptions, stdout, stderr io.Writer) (int, error) {
	target, err := audit.NewTarget(plan, getenv)
	if err != nil {
		return exitUsage, usageError{fmt.Errorf("plan: %w", err)}
	}
	if len(o.outputs(&audit.Report{})) == 0 {
		o.outputDir = defaultReportDir
	}
	auditCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var entries []audit.Entry
	for _, c := range list {
		entries = append(entries, c.Entry)
	}
	var p *tea.Program
	target.Ask = tuiAsker(&p)
	target.SignInByHand, target.WindowHeadless, target.SaveSession = tuiSignIn(&p), windowHeadless(), o.saveSession
	if o.accepts == nil {
		// a in a check's view writes here: next to the plan when it names none, else launchready-accept.yaml
		path := plan.AcceptPath()
		if path == "" && plan.Dir != "" {
			path = filepath.Join(plan.Dir, defaultAcceptFile)
		} else if path == "" {
			path = defaultAcceptFile
		}
		f, err := audit.ReadAcceptFile(path)
		if err != nil {
			return exitUsage, usageError{fmt.Errorf("accept file: %w", err)}
		}
		o.accepts = f
	}
	model := tui.NewAuditModel(tui.Options{
		Accepts: o.accepts,
		Target:  target.App.String(), Checks: entries, Budget: target.Probe.Remaining(), Plan: plan,
		Cancel: cancel, Exports: true,
		Export: func(r *audit.Report) ([]string, error) { return writeOutputs(r, o) },
		Rerun: func(ids []string, p2 *audit.Plan) {
			go rerun(p, ids, p2, list, getenv)
		},
	})
	p = tea.NewProgram(model, tea.WithContext(context.WithoutCancel(ctx)))
	runnerDone := make(chan *audit.Report, 1)
	go func() {
		events := make(chan audit.Event, 16)
		forwarded := make(chan struct{})
		go func() {
			defer close(forwarded)
			for ev := range events {
				p.Send(tui.EventMsg(ev))
			}
		}()
		report := (&audit.Runner{Checks: list, Version: version}).Run(auditCtx, target, events)
		<-forwarded
		runnerDone <- report
		p.Send(tui.DoneMsg{Report: report})
	}()
	go func() { // SIGTERM or Ctrl-C outside raw mode: quit as q does
		<-ctx.Done()
		p.Send(tea.KeyPressMsg{Code: 'q', Text: "q"})
	}()
	if _, err := p.Run(); err != nil && !errors.Is(err, tea.ErrProgramKilled) {
		cancel()
		fmt.Fprintln(stderr, "launchready: the interactive view failed:", err)
	}
	cancel()
	report := model.Report()
	if report == nil { // the view ended before the runner: wait for it, so the browser is closed and nothing is lost
		report = <-runnerDone
	}
	interrupted := !model.Finished()
	code, err := finishReport(report, o, stdout, stderr)
	if interrupted {
		fmt.Fprintln(stderr, "launchready: stopped before the end; the report marks the checks that did not finish")
		return exitInterrupted, nil
	}
	return code, err
}

// rerun runs some checks again against a fresh target (new logins, a new browser: nothing left over from the
// sessions the audit ended), and hands the results to the view.
func rerun(p *tea.Program, ids []string, plan *audit.Plan, list []audit.Check, getenv func(string) string) {
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	var subset []audit.Check
	for _, c := range list {
		if want[c.ID] {
			subset = append(subset, c)
		}
	}
	t, err := audit.NewTarget(plan, getenv)
	if err != nil {
		p.Send(tui.RerunDoneMsg{})
		return
	}
	t.Ask = tuiAsker(&p)
	t.SignInByHand, t.WindowHeadless = tuiSignIn(&p), windowHeadless()
	events := make(chan audit.Event, 16)
	go func() {
		for ev := range events {
			p.Send(tui.EventMsg(ev))
		}
	}()
	r := (&audit.Runner{Checks: subset, Version: version}).Run(context.Background(), t, events)
	p.Send(tui.RerunDoneMsg{Results: r.Results, Sent: r.Requests})
}

// writeOutputs writes every report the output flags ask for (creating --output-dir) and returns the paths it
// wrote. A file that fails does not stop the others; the errors come back joined.
func writeOutputs(r *audit.Report, o *outputOptions) ([]string, error) {
	var paths []string
	var errs []error
	if o.outputDir != "" {
		if err := os.MkdirAll(o.outputDir, 0o700); err != nil {
			return nil, err
		}
	}
	for _, out := range o.outputs(r) {
		if err := reports.WriteFile(out.path, out.rep, r); err != nil {
			errs = append(errs, err)
			continue
		}
		paths = append(paths, out.path)
	}
	return paths, errors.Join(errs...)
}

// defaultAcceptFile is where the TUI writes accepted risks when neither --accept nor the plan names a file.
const defaultAcceptFile = "launchready-accept.yaml"

// wizardCmd is `launchready` with no command: the wizard builds a plan (from --plan when given), saves it, and
// the audit runs in the live scorecard.
func wizardCmd(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	fs := flag.NewFlagSet("launchready", flag.ContinueOnError)
	var o outputOptions
	o.register(fs)
	planPath := fs.String("plan", "", "pre-fill the wizard from a saved plan `FILE`")
	if err := parse(fs, args, stderr); err != nil {
		return exitUsage, err
	}
	if err := o.validate(); err != nil {
		return exitUsage, err
	}
	if !interactive(&o, stdout) {
		fmt.Fprint(stderr, usage)
		return exitUsage, usageError{errors.New("the wizard needs a terminal: run `launchready run --plan FILE` in scripts and CI")}
	}
	var prefill *audit.Plan
	if *planPath != "" {
		p, err := audit.LoadPlan(*planPath)
		if err != nil {
			return exitUsage, usageError{err}
		}
		prefill = p
	}
	w := tui.NewWizard(prefill, reachable)
	if _, err := tea.NewProgram(w, tea.WithContext(ctx)).Run(); err != nil {
		return exitInterrupted, nil
	}
	res := w.Result()
	if res == nil {
		fmt.Fprintln(stdout, "Left the wizard; nothing was audited.")
		return exitOK, nil
	}
	plan, err := audit.ParsePlanValue(res.Plan)
	if err != nil {
		return exitUsage, usageError{err}
	}
	if res.SaveTo != "" {
		data, _ := yaml.Marshal(plan) // holds password_env names, never a password
		if err := os.WriteFile(res.SaveTo, data, 0o600); err != nil {
			return exitFindings, fmt.Errorf("saving the plan: %w", err)
		}
		fmt.Fprintf(stdout, "Plan saved to %s (no passwords in it). Next time: launchready run --plan %s\n", res.SaveTo, res.SaveTo)
	}
	if !res.Start {
		return exitOK, nil
	}
	for who, path := range res.SaveSession {
		fmt.Fprintf(stdout, "The session %s signs in to by hand will be saved to %s (mode 0600): it is a live credential, keep it out of git. Next time: storage_state: %s for account %s instead of login: manual.\n",
			strings.ToUpper(who), path, path, who)
	}
	o.saveSession = res.SaveSession
	getenv := func(k string) string {
		if v, ok := res.Passwords[k]; ok {
			return v
		}
		return os.Getenv(k)
	}
	list := checks.All()
	return runTUI(ctx, plan, list, getenv, &o, stdout, stderr)
}

// reachable is the wizard's check that a URL answers at all (any HTTP status will do).
func reachable(raw string) error {
	c := &http.Client{Timeout: 5 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Head(raw)
	var certErr *tls.CertificateVerificationError
	if errors.As(err, &certErr) {
		return nil // it answers; transport.tls-cert will say what is wrong with its certificate
	}
	if err != nil {
		return err
	}
	resp.Body.Close()
	return nil
}
