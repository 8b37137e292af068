package email

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/miekg/dns"
	"golang.org/x/net/publicsuffix"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/audit/dnsq"
)

// dmarcRecord is a parsed DMARC policy (RFC 7489 6.3).
type dmarcRecord struct {
	Raw    string
	Tags   tagList
	Errors []string // per tag
	Policy string
	Sub    string
	Pct    int
	RUA    []string // mailto addresses
	RUF    []string
}

var validTagValues = map[string][]string{
	"p": {"none", "quarantine", "reject"}, "sp": {"none", "quarantine", "reject"},
	"adkim": {"r", "s"}, "aspf": {"r", "s"},
}

var knownDMARCTags = map[string]bool{"v": true, "p": true, "sp": true, "pct": true, "rua": true, "ruf": true,
	"adkim": true, "aspf": true, "fo": true, "rf": true, "ri": true, "np": true, "psd": true, "t": true}

func parseDMARC(raw string) dmarcRecord {
	d := dmarcRecord{Raw: raw, Tags: parseTags(raw), Pct: 100}
	d.Errors = append(d.Errors, d.Tags.Errors...)
	if len(d.Tags.Order) == 0 || d.Tags.Order[0] != "v" || d.Tags.Tags["v"] != "DMARC1" {
		d.Errors = append(d.Errors, "v=DMARC1 must be the first tag")
	}
	for _, k := range d.Tags.Order {
		v := d.Tags.Tags[k]
		if !knownDMARCTags[k] {
			d.Errors = append(d.Errors, fmt.Sprintf("unknown tag %s (receivers ignore it)", k))
		}
		if allowed, ok := validTagValues[k]; ok && !contains(allowed, strings.ToLower(v)) {
			d.Errors = append(d.Errors, fmt.Sprintf("%s=%s is not one of %s", k, v, strings.Join(allowed, ", ")))
		}
	}
	d.Policy = strings.ToLower(d.Tags.Tags["p"])
	d.Sub = strings.ToLower(d.Tags.Tags["sp"])
	if v, ok := d.Tags.Tags["pct"]; ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 100 {
			d.Errors = append(d.Errors, fmt.Sprintf("pct=%s is not a number from 0 to 100", v))
		} else {
			d.Pct = n
		}
	}
	var errs []string
	d.RUA, errs = mailtos("rua", d.Tags.Tags["rua"])
	d.Errors = append(d.Errors, errs...)
	d.RUF, errs = mailtos("ruf", d.Tags.Tags["ruf"])
	d.Errors = append(d.Errors, errs...)
	return d
}

// mailtos reads a DMARC URI list: "mailto:a@b.com,mailto:c@d.com!10m".
func mailtos(tag, v string) ([]string, []string) {
	var out, errs []string
	for _, u := range strings.Split(v, ",") {
		u = strings.TrimSpace(u)
		if u == "" {
			continue
		}
		u, _, _ = strings.Cut(u, "!") // size limit
		parsed, err := url.Parse(u)
		if err != nil || !strings.EqualFold(parsed.Scheme, "mailto") || !strings.Contains(parsed.Opaque, "@") {
			errs = append(errs, fmt.Sprintf("%s=%s is not a mailto: address", tag, u))
			continue
		}
		out = append(out, parsed.Opaque)
	}
	return out, errs
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// DMARC finds the policy at _dmarc.<domain> (or the organizational domain) and judges it for launch.
func DMARC(ctx context.Context, t *audit.Target) audit.Result {
	domain, r, res := setup(t)
	if r == nil {
		return res
	}
	found, at, ans, undecided := findDMARC(ctx, r, domain)
	if undecided != nil {
		return *undecided
	}
	ev := dnsEvidence(ans)
	switch len(found) {
	case 0:
		return audit.Failed(audit.High, "no DMARC record at _dmarc."+domain+" (nor at the organizational domain): receivers have no policy for mail that fails SPF and DKIM; publish v=DMARC1; p=none; rua=mailto:… to start", ev)
	case 1:
	default:
		return audit.Failed(audit.High, fmt.Sprintf("%d DMARC records at %s: receivers ignore them all; keep one", len(found), at), ev)
	}
	d := parseDMARC(found[0])
	policy := d.Policy
	inherited := ""
	if at != "_dmarc."+domain {
		inherited = " (inherited from " + at + ")"
		if d.Sub != "" {
			policy = d.Sub
		}
	}
	var parts []audit.Result
	if len(d.Errors) > 0 {
		parts = append(parts, audit.Warned(audit.Low, "DMARC record problems: "+strings.Join(d.Errors, "; "), ev))
	}
	switch policy {
	case "quarantine", "reject":
		if d.Pct < 100 {
			parts = append(parts, audit.Warned(audit.Low, fmt.Sprintf("p=%s applies to only %d%% of failing mail (pct=%d)%s", policy, d.Pct, d.Pct, inherited), ev))
		} else {
			parts = append(parts, audit.Passed(fmt.Sprintf("DMARC p=%s%s, alignment adkim=%s aspf=%s, %d report address(es)", policy, inherited, orDefault(d.Tags.Tags["adkim"], "r"), orDefault(d.Tags.Tags["aspf"], "r"), len(d.RUA)), ev))
		}
	case "none":
		if len(d.RUA) == 0 {
			parts = append(parts, audit.Failed(audit.Medium, "DMARC p=none without rua"+inherited+": no policy and no reports, so you learn nothing about who sends as you; add rua=mailto:…", ev))
		} else {
			parts = append(parts, audit.Warned(audit.Medium, "DMARC p=none with reports"+inherited+": right for launch week; move to p=quarantine after 2–4 weeks of clean reports", ev))
		}
	default:
		parts = append(parts, audit.Failed(audit.High, fmt.Sprintf("the DMARC record has no valid p= (%q): receivers ignore it", d.Tags.Tags["p"]), ev))
	}
	parts = append(parts, authorizeReports(ctx, r, domain, d)...)
	return audit.Combine(parts...)
}

// findDMARC reads _dmarc.<domain>, then the organizational domain's record (RFC 7489 6.6.3).
func findDMARC(ctx context.Context, r *dnsq.Resolver, domain string) ([]string, string, *dnsq.Answer, *audit.Result) {
	names := []string{"_dmarc." + domain}
	if org, err := publicsuffix.EffectiveTLDPlusOne(domain); err == nil && org != domain {
		names = append(names, "_dmarc."+org)
	}
	var last *dnsq.Answer
	for _, name := range names {
		ans := r.Lookup(ctx, name, dns.TypeTXT)
		last = ans
		if ans.Failed() {
			res := audit.Undecided("could not read " + name + ": " + ans.Err.Error())
			return nil, "", ans, &res
		}
		var found []string
		for _, txt := range ans.TXT() {
			if strings.HasPrefix(strings.TrimSpace(txt), "v=DMARC1") {
				found = append(found, txt)
			}
		}
		if len(found) > 0 {
			return found, name, ans, nil
		}
	}
	return nil, names[0], last, nil
}

// authorizeReports checks that every external report destination agreed to receive reports (RFC 7489 7.1).
func authorizeReports(ctx context.Context, r *dnsq.Resolver, domain string, d dmarcRecord) []audit.Result {
	org, _ := publicsuffix.EffectiveTLDPlusOne(domain)
	var out []audit.Result
	seen := map[string]bool{}
	for _, addr := range append(append([]string{}, d.RUA...), d.RUF...) {
		_, dest, _ := strings.Cut(addr, "@")
		dest = strings.ToLower(dest)
		destOrg, _ := publicsuffix.EffectiveTLDPlusOne(dest)
		if dest == "" || destOrg == org || seen[dest] {
			continue
		}
		seen[dest] = true
		name := domain + "._report._dmarc." + dest
		ans := r.Lookup(ctx, name, dns.TypeTXT)
		ok := false
		for _, txt := range ans.TXT() {
			ok = ok || strings.HasPrefix(txt, "v=DMARC1")
		}
		switch {
		case ans.Failed():
			out = append(out, audit.Undecided("could not check that "+dest+" accepts your reports: "+ans.Err.Error()))
		case !ok:
			out = append(out, audit.Warned(audit.Low, fmt.Sprintf("reports go to %s, which has not authorized them (no TXT v=DMARC1 at %s): receivers will not send them", dest, name), dnsEvidence(ans)))
		}
	}
	return out
}

func orDefault(v, d string) string {
	if v == "" {
		return d
	}
	return v
}
