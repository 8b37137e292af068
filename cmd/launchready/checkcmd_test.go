package main

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/launchready/launchready/audit/dnsq/dnsserve"
	"github.com/launchready/launchready/demo"
	"github.com/launchready/launchready/demo/demotest"
)

func TestCheckEmailCommand(t *testing.T) {
	silent, err := dnsserve.Silent()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(silent.Close)
	tests := []struct {
		name     string
		resolver string
		args     []string
		code     int
		want     map[string]string
	}{
		{"flawed demo zone", demotest.Start(t, demo.Flawed()).DNSAddr, []string{"--fail-on", "high"}, exitFindings,
			map[string]string{"email.spf": "fail", "email.dkim": "fail", "email.dmarc": "fail", "email.mx": "fail"}},
		{"hardened demo zone", demotest.Start(t, demo.Hardened()).DNSAddr, []string{"--fail-on", "high"}, exitOK,
			map[string]string{"email.spf": "pass", "email.dkim": "pass", "email.dmarc": "pass", "email.mx": "pass", "email.mta-sts": "info"}},
		{"resolver that never answers", silent.Addr, nil, exitOK,
			map[string]string{"email.spf": "inconclusive", "email.dkim": "inconclusive", "email.dmarc": "inconclusive"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "email.json")
			args := append([]string{"check", "email", demo.SendingDomain, "--resolver", tt.resolver, "--selector", demo.DKIMSelector, "--json", out}, tt.args...)
			var stdout, stderr bytes.Buffer
			if code := run(t.Context(), args, &stdout, &stderr); code != tt.code {
				t.Fatalf("exit %d, want %d\n%s%s", code, tt.code, stdout.String(), stderr.String())
			}
			rep := readReport(t, out)
			if len(rep.Results) != 6 {
				t.Errorf("%d results, want the 6 email checks", len(rep.Results))
			}
			for _, r := range rep.Results {
				if want, ok := tt.want[r.ID]; ok && r.Status != want {
					t.Errorf("%s: %s %q, want %s", r.ID, r.Status, r.Summary, want)
				}
			}
		})
	}
}
