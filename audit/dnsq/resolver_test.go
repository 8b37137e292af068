package dnsq_test

import (
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/launchready/launchready/audit/dnsq"
	"github.com/launchready/launchready/audit/dnsq/dnsserve"
)

const zone = `$ORIGIN q.test.
@        300 IN SOA ns.q.test. h.q.test. 1 3600 600 86400 300
@        300 IN TXT "hello" " world"
@        300 IN A   192.0.2.1
alias    300 IN CNAME q.test.
a.b      300 IN A   192.0.2.2
`

func TestKindsAndCache(t *testing.T) {
	srv, err := dnsserve.Start(dnsserve.Zone{Origin: "q.test", Text: zone})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	r, err := dnsq.New(dnsq.Options{Server: srv.Addr, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		qtype uint16
		want  dnsq.Kind
	}{
		{"q.test", dns.TypeTXT, dnsq.OK},
		{"q.test", dns.TypeMX, dnsq.NoData},
		{"b.q.test", dns.TypeA, dnsq.NoData}, // an empty non-terminal exists
		{"nope.q.test", dns.TypeA, dnsq.NXDomain},
		{"servfail.q.test", dns.TypeA, dnsq.ServFail},
		{"other.test", dns.TypeA, dnsq.ServFail}, // REFUSED
		{"alias.q.test", dns.TypeTXT, dnsq.OK},
	}
	for _, tt := range tests {
		if got := r.Lookup(t.Context(), tt.name, tt.qtype); got.Kind != tt.want {
			t.Errorf("%s %s: %s, want %s", tt.name, dns.TypeToString[tt.qtype], got.Kind, tt.want)
		}
	}
	if got := r.Lookup(t.Context(), "q.test", dns.TypeTXT).TXT(); len(got) != 1 || got[0] != "hello world" {
		t.Errorf("multi-string TXT joined as %q", got)
	}
	if got := r.Lookup(t.Context(), "alias.q.test", dns.TypeTXT); got.CNAME() != "q.test" || len(got.TXT()) != 1 {
		t.Errorf("CNAME not followed: %+v", got)
	}
	before := r.Queries()
	r.Lookup(t.Context(), "Q.TEST.", dns.TypeTXT)
	if r.Queries() != before {
		t.Error("the same name was asked twice")
	}
}

func TestTimeoutIsNotNoRecord(t *testing.T) {
	silent, err := dnsserve.Silent()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(silent.Close)
	r, _ := dnsq.New(dnsq.Options{Server: silent.Addr, Timeout: 100 * time.Millisecond})
	a := r.Lookup(t.Context(), "q.test", dns.TypeTXT)
	if a.Kind != dnsq.Timeout || a.Void() || !a.Failed() {
		t.Errorf("got %s", a.Kind)
	}
}
