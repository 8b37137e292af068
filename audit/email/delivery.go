package email

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/emersion/go-msgauth/authres"
	"github.com/emersion/go-msgauth/dkim"
	"github.com/miekg/dns"
	"golang.org/x/net/publicsuffix"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/audit/dnsq"
	"github.com/launchready/launchready/audit/inbox"
)

// Delivery judges a real mail the app sent during the flows: its DKIM signature verified against the signing
// domain's DNS, the alignment of that domain with the From domain (what DMARC needs), and the receiving server's
// Authentication-Results when the mail came through a real mailbox. It runs after the flows.
func Delivery(ctx context.Context, t *audit.Target) audit.Result {
	msgs := bySubject(t.ReceivedMail())
	if len(msgs) == 0 {
		switch {
		case t.Plan.Inbox.Kind == "":
			return audit.NotRun(audit.ErrNoInbox.Error())
		case !t.Plan.Active:
			return audit.NotRun(audit.NeedsActive + "; this check reads the mail they make the app send")
		case t.Plan.Inbox.Kind == "paste":
			return audit.NotRun("a pasted link has no headers to verify: use an smtp or imap inbox for this check")
		}
		return audit.Undecided("no mail from the app arrived during the sign-up, reset and invite flows (see auth.signup-flow)")
	}
	r, err := t.DNS()
	if err != nil {
		return audit.Undecided(err.Error())
	}
	var ev []audit.Evidence
	var worst *audit.Result
	for _, m := range msgs {
		res := judgeMail(ctx, r, m)
		ev = append(ev, res.Evidence...)
		if worst == nil || (worst.Status == audit.Pass && res.Status != audit.Pass) {
			worst = &res
		}
	}
	worst.Evidence = ev
	if worst.Status == audit.Pass && len(msgs) > 1 {
		worst.Summary = fmt.Sprintf("all %d kinds of mail the flows received verify: %s", len(msgs), worst.Summary)
	}
	return *worst
}

// bySubject keeps one signed message per subject (at most 4), in subject order: the report does not depend on
// which flow's mail came first.
func bySubject(all []*inbox.Message) []*inbox.Message {
	seen := map[string]*inbox.Message{}
	for _, m := range all {
		if len(m.Raw) > 0 && seen[m.Subject] == nil {
			seen[m.Subject] = m
		}
	}
	var out []*inbox.Message
	for _, m := range seen {
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Subject < out[j].Subject })
	return out[:min(len(out), 4)]
}

// judgeMail verifies one message's DKIM signatures and their alignment with its From domain.
func judgeMail(ctx context.Context, r *dnsq.Resolver, m *inbox.Message) audit.Result {
	from := strings.ToLower(domainPart(m.From))
	ev := []audit.Evidence{audit.Note("the mail", fmt.Sprintf("%q from %s", m.Subject, m.From))}
	verifs, err := dkim.VerifyWithOptions(bytes.NewReader(m.Raw), &dkim.VerifyOptions{LookupTXT: lookupTXT(ctx, r), MaxVerifications: 5})
	if err != nil {
		return audit.Undecided("reading the mail's signatures: "+err.Error(), ev...)
	}
	ev = append(ev, receivedResults(m)...)
	if len(verifs) == 0 {
		return audit.Failed(0, fmt.Sprintf("the app's mail (%q) carries no DKIM signature: receivers cannot tell it from a forgery, and DMARC fails unless SPF aligns", m.Subject), ev...)
	}
	var good, aligned, problems []string
	for _, v := range verifs {
		line := "d=" + v.Domain + ": "
		switch {
		case v.Err != nil:
			line += "does not verify: " + v.Err.Error()
			problems = append(problems, "the signature for "+v.Domain+" does not verify ("+v.Err.Error()+")")
		case alignedWith(v.Domain, from):
			line += "verifies and aligns with the From domain " + from
			good, aligned = append(good, v.Domain), append(aligned, v.Domain)
		default:
			line += "verifies, but does not align with the From domain " + from
			good = append(good, v.Domain)
		}
		ev = append(ev, audit.Note("DKIM signature", line))
	}
	if dmarc := dmarcFailed(m); dmarc != "" {
		return audit.Failed(0, "the receiving server says DMARC failed for the app's mail: "+dmarc, ev...)
	}
	switch {
	case len(aligned) > 0:
		return audit.Passed(fmt.Sprintf("the app's mail is DKIM-signed by %s, which verifies and aligns with From (%s)", aligned[0], from), ev...)
	case len(good) > 0:
		return audit.Failed(0, fmt.Sprintf("the mail is signed by %s, not by %s: DKIM passes but does not align, so DMARC needs SPF to align; sign with your own domain", good[0], from), ev...)
	}
	return audit.Failed(0, "the app's mail has a DKIM signature that does not verify: "+problems[0], ev...)
}

func domainPart(addr string) string {
	if i := strings.LastIndex(addr, "@"); i >= 0 {
		return addr[i+1:]
	}
	return addr
}

// alignedWith is DMARC's relaxed alignment: the same organizational domain.
func alignedWith(signer, from string) bool {
	if strings.EqualFold(signer, from) {
		return true
	}
	a, err1 := publicsuffix.EffectiveTLDPlusOne(strings.ToLower(signer))
	b, err2 := publicsuffix.EffectiveTLDPlusOne(from)
	return err1 == nil && err2 == nil && a == b
}

// lookupTXT asks the audit's resolver, so the DKIM key comes from the same DNS the other email checks read.
func lookupTXT(ctx context.Context, r *dnsq.Resolver) func(string) ([]string, error) {
	return func(name string) ([]string, error) {
		a := r.Lookup(ctx, name, dns.TypeTXT)
		if txt := a.TXT(); len(txt) > 0 {
			return txt, nil
		}
		return nil, errors.New(a.Describe())
	}
}

// receivedResults shows what the receiving server concluded, when the mail passed through one.
func receivedResults(m *inbox.Message) []audit.Evidence {
	var ev []audit.Evidence
	for _, v := range m.Header["Authentication-Results"] {
		ev = append(ev, audit.Note("Authentication-Results", v))
	}
	return ev
}

func dmarcFailed(m *inbox.Message) string {
	for _, v := range m.Header["Authentication-Results"] {
		_, results, err := authres.Parse(v)
		if err != nil {
			continue
		}
		for _, r := range results {
			if d, ok := r.(*authres.DMARCResult); ok && d.Value == authres.ResultFail {
				return "dmarc=fail for " + d.From
			}
		}
	}
	return ""
}
