package email

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/audit/dnsq/dnsserve"
	"github.com/launchready/launchready/demo"
	"github.com/launchready/launchready/demo/demotest"
)

// fixtures serves the zones of testdata/ from a real DNS server on 127.0.0.1.
func fixtures(t testing.TB) string {
	t.Helper()
	var zones []dnsserve.Zone
	files, _ := filepath.Glob("testdata/*.zone")
	for _, f := range files {
		z, err := dnsserve.File(f, strings.TrimSuffix(filepath.Base(f), ".zone"))
		if err != nil {
			t.Fatal(err)
		}
		zones = append(zones, z)
	}
	srv, err := dnsserve.Start(zones...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv.Addr
}

func target(t testing.TB, resolver, domain string, selectors ...string) *audit.Target {
	t.Helper()
	plan := &audit.Plan{App: "https://" + domain + "/", Resolver: resolver,
		Email: audit.Email{Domain: domain, DKIMSelectors: selectors}, Limits: audit.Limits{DNSTimeout: audit.Duration(300 * time.Millisecond)}}
	tg, err := audit.NewTarget(plan, nil)
	if err != nil {
		t.Fatal(err)
	}
	return tg
}

type checkFunc = func(context.Context, *audit.Target) audit.Result

func TestHardCases(t *testing.T) {
	addr := fixtures(t)
	tests := []struct {
		name      string
		check     checkFunc
		domain    string
		selectors []string
		want      audit.Status
		says      string
	}{
		{"good spf", SPF, "good.fx.test", nil, audit.Pass, "1 of 10"},
		{"multi-string TXT is joined without spaces", SPF, "multistring.fx.test", nil, audit.Pass, "ends in -all"},
		{"two spf records", SPF, "twospf.fx.test", nil, audit.Fail, "2 SPF records"},
		{"include loop", SPF, "loop.fx.test", nil, audit.Fail, "loop"},
		{"void lookups", SPF, "void.fx.test", nil, audit.Fail, "3 void lookups"},
		{"over ten lookups", SPF, "many.fx.test", nil, audit.Fail, "11 DNS lookups"},
		{"redirect carries the all", SPF, "redirect.fx.test", nil, audit.Pass, "-all"},
		{"redirect next to all is ignored", SPF, "redirectall.fx.test", nil, audit.Warn, "ignore the redirect"},
		{"+all", SPF, "plusall.fx.test", nil, audit.Fail, "+all"},
		{"?all", SPF, "neutral.fx.test", nil, audit.Fail, "?all"},
		{"no all", SPF, "noall.fx.test", nil, audit.Fail, "no all"},
		{"ptr", SPF, "ptr.fx.test", nil, audit.Warn, "ptr"},
		{"syntax error names the term", SPF, "typo.fx.test", nil, audit.Fail, `"inlcude:_spf.good.fx.test"`},
		{"no spf record", SPF, "nospf.fx.test", nil, audit.Fail, "no SPF record"},
		{"nxdomain", SPF, "nothere.fx.test", nil, audit.Fail, "does not exist"},
		{"truncated answer retried over TCP", SPF, "big.fx.test", nil, audit.Pass, "ends in -all"},
		{"servfail is undecided", SPF, "servfail.fx.test", nil, audit.Inconclusive, "SERVFAIL"},

		{"2048-bit key", DKIM, "good.fx.test", []string{"s1"}, audit.Pass, "RSA 2048"},
		{"1024-bit key", DKIM, "dkim.fx.test", []string{"k1024"}, audit.Warn, "1024"},
		{"test mode", DKIM, "dkim.fx.test", []string{"testmode"}, audit.Warn, "t=y"},
		{"revoked only", DKIM, "dkim.fx.test", []string{"revoked"}, audit.Fail, "no usable DKIM key"},
		{"ed25519", DKIM, "dkim.fx.test", []string{"ed"}, audit.Pass, "ed25519"},
		{"cname-delegated selector", DKIM, "dkim.fx.test", []string{"cname"}, audit.Pass, "RSA 2048"},
		{"configured selector missing", DKIM, "good.fx.test", []string{"nope"}, audit.Fail, "nope"},
		{"well-known selector found without config", DKIM, "wellknown.fx.test", nil, audit.Pass, "google"},
		{"nothing found, nothing configured", DKIM, "nospf.fx.test", nil, audit.Inconclusive, "name your provider's selector"},
		{"a configured selector not answered, another found", DKIM, "good.fx.test", []string{"s1", "servfail"}, audit.Inconclusive, "servfail"},

		{"reject", DMARC, "good.fx.test", nil, audit.Pass, "p=reject"},
		{"none with rua is launch state", DMARC, "none-rua.fx.test", nil, audit.Warn, "move to p=quarantine"},
		{"none without rua", DMARC, "none-norua.fx.test", nil, audit.Fail, "without rua"},
		{"pct under 100", DMARC, "pct.fx.test", nil, audit.Warn, "50%"},
		{"two records", DMARC, "twodmarc.fx.test", nil, audit.Fail, "2 DMARC records"},
		{"invalid policy", DMARC, "badp.fx.test", nil, audit.Fail, "no valid p="},
		{"org domain only, sp applies", DMARC, "mail.orgdmarc.test", nil, audit.Warn, "inherited from _dmarc.orgdmarc.test"},
		{"external rua authorized", DMARC, "extauth.fx.test", nil, audit.Pass, "p=reject"},
		{"external rua not authorized", DMARC, "extnoauth.fx.test", nil, audit.Warn, "has not authorized"},
		{"external rua authorization not known (SERVFAIL)", DMARC, "servfail.fx.test", nil, audit.Inconclusive, "reports.test"},
		{"no dmarc", DMARC, "nospf.fx.test", nil, audit.Fail, "no DMARC record"},

		{"mx", MX, "good.fx.test", nil, audit.Pass, "mx.good.fx.test"},
		{"null mx", MX, "nullmx.fx.test", nil, audit.Pass, "null MX"},
		{"no mx", MX, "nomx.fx.test", nil, audit.Fail, "no MX"},
		{"mta-sts absent is info", MTASTS, "good.fx.test", nil, audit.Info, "neither"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.check(t.Context(), target(t, addr, tt.domain, tt.selectors...))
			if got.Status != tt.want || !strings.Contains(got.Summary, tt.says) {
				t.Errorf("got %s %q, want %s saying %q", got.Status, got.Summary, tt.want, tt.says)
			}
		})
	}
}

// A resolver that never answers: every check says so, in bounded time, and none claims "no record".
func TestSilentResolver(t *testing.T) {
	silent, err := dnsserve.Silent()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(silent.Close)
	tg := target(t, silent.Addr, "good.fx.test", "s1")
	start := time.Now()
	for _, check := range []checkFunc{SPF, DKIM, DMARC, MX, MTASTS} {
		if got := check(t.Context(), tg); got.Status != audit.Inconclusive || !strings.Contains(got.Summary, "no answer") && !strings.Contains(got.Summary, "stopped answering") {
			t.Errorf("got %s %q, want inconclusive saying the resolver did not answer", got.Status, got.Summary)
		}
	}
	// 300 ms per attempt, one retry, then the resolver is taken as down: well under the check timeout.
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("took %s", took)
	}
}

func TestEmailOnDemo(t *testing.T) {
	tests := []struct {
		check checkFunc
		flaw  demo.Flaw
		want  audit.Status
	}{
		{SPF, demo.FlawSPFTooMany, audit.Fail},
		{DKIM, demo.FlawWeakDKIM, audit.Fail},
		{DMARC, demo.FlawDMARCNone, audit.Fail},
	}
	hardened := demotest.Target(t, demo.Hardened())
	for _, tt := range tests {
		t.Run(string(tt.flaw), func(t *testing.T) {
			if got := tt.check(t.Context(), demotest.Target(t, demotest.Only(tt.flaw))); got.Status != tt.want {
				t.Errorf("flawed: %s %q, want %s", got.Status, got.Summary, tt.want)
			}
			if got := tt.check(t.Context(), hardened); got.Status != audit.Pass {
				t.Errorf("hardened: %s %q, want pass", got.Status, got.Summary)
			}
		})
	}
}

func TestNoDomainIsSkipped(t *testing.T) {
	tg, _ := audit.NewTarget(&audit.Plan{App: "https://127.0.0.1/"}, nil)
	if got := SPF(t.Context(), tg); got.Status != audit.Skipped || !strings.Contains(got.Summary, "email.domain") {
		t.Errorf("got %s %q", got.Status, got.Summary)
	}
}

// BenchmarkEmailArea runs the whole email area for one domain against a local DNS server with a cold cache.
func BenchmarkEmailArea(b *testing.B) {
	addr := fixtures(b)
	for b.Loop() {
		tg := target(b, addr, "good.fx.test", "s1")
		for _, check := range []checkFunc{SPF, DKIM, DMARC, MX, MTASTS} {
			check(b.Context(), tg)
		}
	}
}
