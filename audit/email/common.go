package email

import (
	"fmt"
	"strings"

	"github.com/miekg/dns"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/audit/dnsq"
)

// setup returns the sending domain and the resolver, or the result to report when there is none.
func setup(t *audit.Target) (string, *dnsq.Resolver, audit.Result) {
	domain := strings.ToLower(strings.Trim(t.Plan.Email.Domain, "."))
	if domain == "" {
		return "", nil, audit.NotRun("no sending domain: set email.domain in the plan (the domain your app's mail comes from)")
	}
	r, err := t.DNS()
	if err != nil {
		return "", nil, audit.Undecided(err.Error())
	}
	return domain, r, audit.Result{}
}

// dnsEvidence shows what a lookup returned.
func dnsEvidence(a *dnsq.Answer) audit.Evidence {
	var lines []string
	for _, rr := range a.Records {
		lines = append(lines, rr.String())
	}
	if len(lines) == 0 {
		lines = append(lines, a.Describe())
	}
	return audit.Note(fmt.Sprintf("%s %s", dns.TypeToString[a.Type], a.Name), strings.Join(lines, "\n"))
}
