package email

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/miekg/dns"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/audit/dnsq"
)

// MX checks the sending domain receives mail (replies, bounces) or says explicitly that it never does (RFC 7505).
func MX(ctx context.Context, t *audit.Target) audit.Result {
	domain, r, res := setup(t)
	if r == nil {
		return res
	}
	ans := r.Lookup(ctx, domain, dns.TypeMX)
	ev := dnsEvidence(ans)
	switch ans.Kind {
	case dnsq.Timeout, dnsq.ServFail:
		return audit.Undecided("could not read the MX records of " + domain + ": " + ans.Err.Error())
	case dnsq.NXDomain:
		return audit.Failed(audit.High, domain+" does not exist in DNS (NXDOMAIN)", ev)
	case dnsq.NoData:
		return audit.Failed(0, "no MX record on "+domain+": replies and bounces go to the A record or nowhere; publish MX records, or a null MX (MX 0 .) if it never receives mail", ev)
	}
	var hosts []string
	null := false
	for _, rr := range ans.Records {
		if mx, ok := rr.(*dns.MX); ok {
			if mx.Mx == "." {
				null = true
				continue
			}
			hosts = append(hosts, fmt.Sprintf("%d %s", mx.Preference, strings.TrimSuffix(mx.Mx, ".")))
		}
	}
	sort.Strings(hosts)
	switch {
	case null && len(hosts) > 0:
		return audit.Failed(audit.Low, "a null MX (MX 0 .) next to other MX records: RFC 7505 says the null MX must stand alone", ev)
	case null:
		return audit.Passed(domain+" publishes a null MX: it sends but explicitly never receives mail", ev)
	}
	return audit.Passed(fmt.Sprintf("%d MX record(s): %s", len(hosts), strings.Join(hosts, ", ")), ev)
}

// MTASTS reports whether MTA-STS and TLS-RPT are published (info either way).
func MTASTS(ctx context.Context, t *audit.Target) audit.Result {
	domain, r, res := setup(t)
	if r == nil {
		return res
	}
	sts := r.Lookup(ctx, "_mta-sts."+domain, dns.TypeTXT)
	rpt := r.Lookup(ctx, "_smtp._tls."+domain, dns.TypeTXT)
	if sts.Failed() || rpt.Failed() {
		return audit.Undecided("could not read the MTA-STS/TLS-RPT records: " + firstErr(sts, rpt))
	}
	hasSTS := prefixed(sts.TXT(), "v=STSv1")
	hasRPT := prefixed(rpt.TXT(), "v=TLSRPTv1")
	evs := []audit.Evidence{dnsEvidence(sts), dnsEvidence(rpt)}
	switch {
	case hasSTS && hasRPT:
		return audit.Informed("MTA-STS and TLS-RPT are published (the policy file at https://mta-sts."+domain+"/.well-known/mta-sts.txt is outside the audit's scope and was not fetched)", evs...)
	case hasSTS:
		return audit.Informed("MTA-STS is published, TLS-RPT is not: add _smtp._tls TXT \"v=TLSRPTv1; rua=mailto:…\" to hear about delivery failures", evs...)
	case hasRPT:
		return audit.Informed("TLS-RPT is published, MTA-STS is not", evs...)
	}
	return audit.Informed("neither MTA-STS nor TLS-RPT is published: inbound mail to "+domain+" can be downgraded to plaintext by an attacker in the path; worth adding after launch", evs...)
}

func prefixed(txts []string, prefix string) bool {
	for _, t := range txts {
		if strings.HasPrefix(t, prefix) {
			return true
		}
	}
	return false
}

func firstErr(as ...*dnsq.Answer) string {
	for _, a := range as {
		if a.Err != nil {
			return a.Err.Error()
		}
	}
	return ""
}
