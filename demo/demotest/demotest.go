// Package demotest starts the demo app for tests and hands back a Target audited the way the CLI audits it.
package demotest

import (
	"testing"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/demo"
)

// Start serves the demo with flaws on 127.0.0.1 until the test ends.
func Start(t testing.TB, flaws demo.Flaws) *demo.Server {
	t.Helper()
	srv, err := demo.Start(flaws)
	if err != nil {
		t.Fatalf("starting the demo: %v", err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

// Target starts the demo with flaws and returns a fresh Target for its plan.
func Target(t testing.TB, flaws demo.Flaws) *audit.Target {
	t.Helper()
	srv := Start(t, flaws)
	plan, err := srv.Plan("test")
	if err != nil {
		t.Fatal(err)
	}
	target, err := audit.NewTarget(plan, srv.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(target.Close) // the browser, if a check started one
	return target
}

// ActiveTarget is Target with active: true: the audit may write canaries to the demo.
func ActiveTarget(t testing.TB, flaws demo.Flaws) *audit.Target {
	t.Helper()
	_, target := Active(t, flaws)
	return target
}

// Active starts the demo with flaws and returns it with a Target that has active: true (its inbox is the SMTP
// sink the demo mails), for tests that also look at the demo's side (what it mailed, what it stored).
func Active(t testing.TB, flaws demo.Flaws) (*demo.Server, *audit.Target) {
	t.Helper()
	srv := Start(t, flaws)
	plan, err := srv.Plan("test (active)")
	if err != nil {
		t.Fatal(err)
	}
	plan.Active = true
	target, err := audit.NewTarget(plan, srv.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(target.Close)
	return srv, target
}

// Only returns the hardened demo with just the given flaws switched on.
func Only(flaws ...demo.Flaw) demo.Flaws {
	fs := demo.Hardened()
	for _, f := range flaws {
		fs[f] = true
	}
	return fs
}
