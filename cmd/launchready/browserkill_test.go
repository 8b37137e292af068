package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/audit/checks"
	"github.com/launchready/launchready/browser/browsertest"
	"github.com/launchready/launchready/demo"
	"github.com/launchready/launchready/demo/demotest"
)

// processesWith lists the PIDs whose command line mentions s.
func processesWith(s string) []string {
	var out []string
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		cmd, err := os.ReadFile(filepath.Join(d, "cmdline"))
		if err == nil && strings.Contains(string(cmd), s) {
			out = append(out, filepath.Base(d))
		}
	}
	return out
}

// The browser dies mid-audit: the audit still finishes with a whole report, the checks that needed the browser
// say why they could not decide, and no process of that browser is left.
func TestBrowserKilledMidAudit(t *testing.T) {
	browsertest.Bin(t)
	if _, err := os.Stat("/proc/self/cmdline"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("CI is set and /proc is missing: this test cannot look for stray browser processes")
		}
		t.Skip("needs /proc to look for stray processes")
	}
	target := demotest.Target(t, demo.Flawed())
	engine, err := target.Browser()
	if err != nil {
		t.Fatal(err)
	}
	profile := engine.UserDataDir()
	if len(processesWith(profile)) == 0 {
		t.Fatal("cannot see the browser's processes, so this test would prove nothing")
	}
	go func() {
		time.Sleep(300 * time.Millisecond) // mid-audit: logins and the walk are under way
		syscall.Kill(-engine.PID(), syscall.SIGKILL)
	}()
	events := make(chan audit.Event, 128)
	go func() {
		for range events {
		}
	}()
	report := (&audit.Runner{Checks: checks.All()}).Run(t.Context(), target, events)

	if len(report.Results) != len(audit.Catalog) {
		t.Fatalf("%d results, want the whole catalog", len(report.Results))
	}
	for _, r := range report.Results {
		switch r.ID {
		case "session.token-storage", "session.logout-invalidates", "perf.lcp-mobile":
			if r.Status != audit.Inconclusive || r.Summary == "" {
				t.Errorf("%s: %s %q, want inconclusive with the reason", r.ID, r.Status, r.Summary)
			}
		}
		if (r.ID == "session.token-strength" || r.ID == "session.expiry") && r.Status == audit.Pass {
			t.Errorf("%s passed without looking at the browser's storage: %q", r.ID, r.Summary)
		}
		if r.Status == audit.Error {
			t.Errorf("%s crashed: %s", r.ID, r.Summary)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(processesWith(profile)) > 0 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if left := processesWith(profile); len(left) > 0 {
		t.Errorf("browser processes left behind: %v", left)
	}
	if _, err := os.Stat(profile); !os.IsNotExist(err) {
		t.Errorf("the browser profile %s was not removed", profile)
	}
}
