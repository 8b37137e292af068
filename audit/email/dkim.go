package email

import (
	"context"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/miekg/dns"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/audit/dnsq"
)

// wellKnownSelectors are the DKIM selectors the common providers publish under.
var wellKnownSelectors = []string{
	"google",                 // Google Workspace
	"selector1", "selector2", // Microsoft 365
	"s1", "s2", "smtpapi", // SendGrid
	"mg", "mailo", "smtp", "krs", "pic", "mx", // Mailgun
	"pm", "pm-bounces", // Postmark
	"amazonses",                                  // Amazon SES (legacy; Easy DKIM uses per-domain tokens)
	"resend",                                     // Resend
	"k1", "k2", "k3", "mandrill", "mte1", "mte2", // Mailchimp / Mandrill
	"zoho", "zmail", // Zoho
	"fm1", "fm2", "fm3", // Fastmail
	"default", "dkim", "mail", "key1", "key2", "sig1",
}

// dkimConcurrency bounds the selector probes in flight.
const dkimConcurrency = 8

// dkimKey is a published key and what it says.
type dkimKey struct {
	Selector string
	Name     string // the queried name
	CNAME    string // where the selector is delegated, if it is
	Record   string
	Tags     tagList
	KeyType  string
	Bits     int
	Problem  string
}

// DKIM probes the plan's selectors and the providers' well-known ones, and judges every key it finds.
func DKIM(ctx context.Context, t *audit.Target) audit.Result {
	domain, r, res := setup(t)
	if r == nil {
		return res
	}
	configured := map[string]bool{}
	selectors := []string{}
	for _, s := range t.Plan.Email.DKIMSelectors {
		s = strings.ToLower(strings.TrimSpace(s))
		if s != "" && !configured[s] {
			configured[s] = true
			selectors = append(selectors, s)
		}
	}
	for _, s := range wellKnownSelectors {
		if !configured[s] {
			selectors = append(selectors, s)
		}
	}
	keys, failed := probeSelectors(ctx, r, domain, selectors)
	var parts []audit.Result
	var missing []string
	for s := range configured {
		found := false
		for _, k := range keys {
			found = found || k.Selector == s
		}
		if !found && failed[s] == "" {
			missing = append(missing, s)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		parts = append(parts, audit.Failed(audit.High, fmt.Sprintf("no DKIM key at the selector(s) the plan names (%s) on %s: mail signed with them fails DKIM", strings.Join(missing, ", "), domain)))
	}
	// A selector the plan names is the one the app's mail is signed with: a lookup of it that got no answer leaves
	// that key unknown, whatever other keys the domain has.
	var unknown []string
	for s := range configured {
		if why := failed[s]; why != "" {
			unknown = append(unknown, s+" ("+why+")")
		}
	}
	sort.Strings(unknown)
	if len(unknown) > 0 {
		parts = append(parts, audit.Undecided(fmt.Sprintf("the lookup of the DKIM selector(s) the plan names got no answer: %s, so the key the app signs with is not known", strings.Join(unknown, "; "))))
	}
	usable := 0
	for _, k := range keys {
		parts = append(parts, judgeKey(k))
		if k.Problem == "" {
			usable++
		}
	}
	if len(keys) > 0 && usable == 0 {
		parts = append(parts, audit.Failed(audit.High, "no usable DKIM key on "+domain+": every key found is revoked or broken"))
	}
	if len(keys) == 0 {
		switch {
		case len(failed) > 0:
			return audit.Undecided(fmt.Sprintf("%d selector lookups got no answer (%s), so absence is not proven", len(failed), firstValue(failed)))
		case len(configured) == 0:
			return audit.Undecided(fmt.Sprintf("no DKIM key at %d well-known selectors of %s: name your provider's selector in the plan (email.dkim_selectors)", len(selectors), domain))
		}
	}
	if len(parts) == 0 {
		return audit.Undecided("nothing to judge")
	}
	return audit.Combine(parts...)
}

func firstValue(m map[string]string) string {
	for _, v := range m {
		return v
	}
	return ""
}

// probeSelectors asks for every selector concurrently; failed maps selectors whose lookup could not decide.
func probeSelectors(ctx context.Context, r *dnsq.Resolver, domain string, selectors []string) ([]dkimKey, map[string]string) {
	var mu sync.Mutex
	var keys []dkimKey
	failed := map[string]string{}
	sem := make(chan struct{}, dkimConcurrency)
	var wg sync.WaitGroup
	for _, sel := range selectors {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			name := sel + "._domainkey." + domain
			ans := r.Lookup(ctx, name, dns.TypeTXT)
			mu.Lock()
			defer mu.Unlock()
			if ans.Failed() {
				failed[sel] = ans.Describe()
				return
			}
			for _, txt := range ans.TXT() {
				if k, ok := parseDKIM(sel, name, txt); ok {
					k.CNAME = ans.CNAME()
					keys = append(keys, k)
				}
			}
		}()
	}
	wg.Wait()
	sort.Slice(keys, func(i, j int) bool { return keys[i].Selector < keys[j].Selector })
	return keys, failed
}

// parseDKIM reads a DKIM key record (RFC 6376 3.6.1); ok is false when the TXT is not a DKIM record at all.
func parseDKIM(selector, name, txt string) (dkimKey, bool) {
	k := dkimKey{Selector: selector, Name: name, Record: txt, Tags: parseTags(txt)}
	if v, has := k.Tags.Tags["v"]; has && v != "DKIM1" {
		return k, false
	}
	p, hasP := k.Tags.Tags["p"]
	if !hasP {
		return k, false
	}
	k.KeyType = strings.ToLower(k.Tags.Tags["k"])
	if k.KeyType == "" {
		k.KeyType = "rsa"
	}
	p = strings.Join(strings.Fields(p), "")
	if p == "" {
		k.Problem = "revoked (empty p=)"
		return k, true
	}
	der, err := base64.StdEncoding.DecodeString(p)
	if err != nil {
		k.Problem = "p= is not valid base64"
		return k, true
	}
	switch k.KeyType {
	case "rsa":
		if pub, err := x509.ParsePKIXPublicKey(der); err == nil {
			if rk, ok := pub.(*rsa.PublicKey); ok {
				k.Bits = rk.N.BitLen()
				return k, true
			}
		}
		if rk, err := x509.ParsePKCS1PublicKey(der); err == nil {
			k.Bits = rk.N.BitLen()
			return k, true
		}
		k.Problem = "p= is not an RSA public key"
	case "ed25519":
		if len(der) != ed25519.PublicKeySize {
			k.Problem = fmt.Sprintf("an ed25519 key must be %d bytes, this one is %d", ed25519.PublicKeySize, len(der))
		}
	default:
		k.Problem = "unknown key type k=" + k.KeyType
	}
	return k, true
}

func judgeKey(k dkimKey) audit.Result {
	where := k.Name
	if k.CNAME != "" {
		where += " (delegated by CNAME to " + k.CNAME + ")"
	}
	desc := k.KeyType
	if k.Bits > 0 {
		desc = fmt.Sprintf("RSA %d bits", k.Bits)
	}
	ev := audit.Note("DKIM key "+where, fmt.Sprintf("%s\nkey: %s; tags: %s", k.Record, desc, strings.Join(k.Tags.Order, " ")))
	testMode := strings.Contains("|"+strings.ReplaceAll(k.Tags.Tags["t"], " ", "")+"|", "y")
	switch {
	case k.Problem != "" && strings.HasPrefix(k.Problem, "revoked"):
		return audit.Informed("selector "+k.Selector+" is revoked (empty p=): mail signed with it fails DKIM", ev)
	case k.Problem != "":
		return audit.Failed(0, "the DKIM key at "+k.Selector+" is broken: "+k.Problem, ev)
	case len(k.Tags.Errors) > 0:
		return audit.Failed(audit.Medium, "the DKIM record at "+k.Selector+" is malformed: "+strings.Join(k.Tags.Errors, "; "), ev)
	case k.KeyType == "rsa" && k.Bits < 1024:
		return audit.Failed(audit.High, fmt.Sprintf("the DKIM key at %s is RSA %d bits: receivers ignore keys under 1024 bits (RFC 8301) and it can be factored; publish a 2048-bit key", k.Selector, k.Bits), ev)
	case testMode:
		return audit.Warned(audit.Medium, "the DKIM key at "+k.Selector+" is in test mode (t=y): receivers may treat signed mail as unsigned; remove t=y", ev)
	case k.KeyType == "rsa" && k.Bits < 2048:
		return audit.Warned(audit.Low, fmt.Sprintf("the DKIM key at %s is RSA %d bits: rotate to 2048", k.Selector, k.Bits), ev)
	}
	return audit.Passed(fmt.Sprintf("DKIM key at %s: %s", k.Selector, desc), ev)
}
