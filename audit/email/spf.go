package email

import (
	"context"
	"fmt"
	"strings"

	"github.com/miekg/dns"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/audit/dnsq"
)

// RFC 7208 4.6.4 limits.
const (
	maxLookups = 10
	maxVoid    = 2
	maxNodes   = 60 // a bound on the walk itself, far above what a valid record can reach
)

// spfNode is one record in the include/redirect tree.
type spfNode struct {
	Via      string // "include:x", "redirect=x", or "" for the domain itself
	Domain   string
	Record   string
	Terms    []spfTerm
	Problem  string // why this record is broken, if it is
	Children []*spfNode
}

// spfWalk evaluates an SPF tree the way a receiver would count it.
type spfWalk struct {
	r        *dnsq.Resolver
	lookups  int
	void     int
	nodes    int
	undone   []string // lookups that timed out or failed: the count may be incomplete
	problems []string
	ptr      bool
}

// SPF checks the sending domain's SPF record and everything it includes.
func SPF(ctx context.Context, t *audit.Target) audit.Result {
	domain, r, res := setup(t)
	if r == nil {
		return res
	}
	w := &spfWalk{r: r}
	ans := r.Lookup(ctx, domain, dns.TypeTXT)
	if ans.Failed() {
		return audit.Undecided("could not read the TXT records of " + domain + ": " + ans.Err.Error())
	}
	if ans.Kind == dnsq.NXDomain {
		return audit.Failed(0, domain+" does not exist in DNS (NXDOMAIN): mail from it is rejected or spam-foldered", dnsEvidence(ans))
	}
	var records []string
	for _, txt := range ans.TXT() {
		if isSPF(txt) {
			records = append(records, txt)
		}
	}
	switch len(records) {
	case 0:
		return audit.Failed(0, "no SPF record on "+domain+": receivers cannot tell your servers from a forger's", dnsEvidence(ans))
	case 1:
	default:
		return audit.Failed(0, fmt.Sprintf("%d SPF records on %s: receivers treat that as a permanent error and SPF fails for all your mail; merge them into one", len(records), domain),
			audit.Note("TXT "+domain, strings.Join(records, "\n")))
	}
	root := w.node(ctx, "", domain, records[0], map[string]bool{domain: true})
	ev := audit.Note("SPF tree of "+domain, render(root, 0)+fmt.Sprintf("\ntotal: %d DNS lookups (limit %d), %d void lookups (limit %d)", w.lookups, maxLookups, w.void, maxVoid))
	return w.verdict(root, ev)
}

func (w *spfWalk) verdict(root *spfNode, ev audit.Evidence) audit.Result {
	if root.Problem != "" && len(root.Terms) == 0 {
		return audit.Failed(0, "the SPF record does not parse: "+root.Problem, ev)
	}
	var parts []audit.Result
	for _, p := range w.problems {
		parts = append(parts, audit.Failed(0, p, ev))
	}
	if w.lookups > maxLookups {
		parts = append(parts, audit.Failed(audit.High, fmt.Sprintf("SPF needs %d DNS lookups, over the limit of %d: receivers return a permanent error and SPF fails for all your mail; flatten includes or drop unused senders", w.lookups, maxLookups), ev))
	}
	if w.void > maxVoid {
		parts = append(parts, audit.Failed(0, fmt.Sprintf("SPF makes %d void lookups (names with no records), over the limit of %d: receivers may return a permanent error", w.void, maxVoid), ev))
	}
	all, where := finalAll(root)
	switch {
	case all == nil:
		parts = append(parts, audit.Failed(audit.Medium, "the SPF record has no all at the end: servers you did not list get a neutral result; end it with ~all (or -all)", ev))
	case all.Qualifier == '+':
		parts = append(parts, audit.Failed(audit.Critical, "SPF ends in +all"+where+": every server on the internet may send as you", ev))
	case all.Qualifier == '?':
		parts = append(parts, audit.Failed(audit.High, "SPF ends in ?all"+where+": unlisted servers are neutral, so SPF protects nothing", ev))
	}
	if hasAll(root.Terms) && modifier(root.Terms, "redirect") != "" {
		parts = append(parts, audit.Warned(audit.Low, "the record has both all and redirect=: receivers ignore the redirect; remove one", ev))
	}
	if w.ptr {
		parts = append(parts, audit.Warned(audit.Low, "SPF uses ptr, which RFC 7208 says not to use (slow, unreliable, some receivers skip it)", ev))
	}
	if len(parts) > 0 {
		return audit.Combine(parts...)
	}
	if len(w.undone) > 0 {
		return audit.Undecided("some lookups of the SPF tree got no answer, so the count is not complete: "+strings.Join(w.undone, "; "), ev)
	}
	return audit.Passed(fmt.Sprintf("one SPF record, ends in %call, %d of %d DNS lookups, %d void", all.Qualifier, w.lookups, maxLookups, w.void), ev)
}

// node reads one record's terms and follows its includes and redirect; path holds the domains above it (loops).
func (w *spfWalk) node(ctx context.Context, via, domain, record string, path map[string]bool) *spfNode {
	n := &spfNode{Via: via, Domain: domain, Record: record}
	w.nodes++
	terms, err := parseSPF(record)
	n.Terms = terms
	if err != nil {
		n.Problem = err.Error()
		w.problems = append(w.problems, fmt.Sprintf("syntax error in the SPF record of %s: %v", domain, err))
	}
	for _, t := range terms {
		if t.Name == "ptr" && !t.Modifier {
			w.ptr = true
		}
		if !t.queries() || (t.Name == "redirect" && hasAll(terms)) {
			continue
		}
		w.lookups++
		target := t.targetDomain(domain)
		if hasMacro(target) {
			continue // depends on the message; counted, not followed
		}
		switch t.Name {
		case "include", "redirect":
			if child := w.follow(ctx, t, target, path); child != nil {
				n.Children = append(n.Children, child)
			}
		case "a":
			w.countVoid(ctx, target, dns.TypeA)
		case "mx":
			w.countVoid(ctx, target, dns.TypeMX)
		case "exists":
			w.countVoid(ctx, target, dns.TypeA)
		}
	}
	return n
}

func (w *spfWalk) follow(ctx context.Context, t spfTerm, target string, path map[string]bool) *spfNode {
	via := t.Name + ":" + target
	if t.Modifier {
		via = t.Name + "=" + target
	}
	if path[strings.ToLower(target)] {
		w.problems = append(w.problems, "SPF include loop: "+via+" leads back to a record above it")
		return &spfNode{Via: via, Domain: target, Problem: "loop"}
	}
	if w.nodes >= maxNodes {
		return nil
	}
	ans := w.r.Lookup(ctx, target, dns.TypeTXT)
	if ans.Failed() {
		w.undone = append(w.undone, via+": "+ans.Err.Error())
		return &spfNode{Via: via, Domain: target, Problem: ans.Describe()}
	}
	var recs []string
	for _, txt := range ans.TXT() {
		if isSPF(txt) {
			recs = append(recs, txt)
		}
	}
	if len(recs) != 1 {
		if ans.Void() {
			w.void++
		}
		why := fmt.Sprintf("%s has %d SPF records", target, len(recs))
		w.problems = append(w.problems, fmt.Sprintf("%s points at %s, which has %d SPF records: receivers return a permanent error", via, target, len(recs)))
		return &spfNode{Via: via, Domain: target, Problem: why}
	}
	sub := map[string]bool{strings.ToLower(target): true}
	for k := range path {
		sub[k] = true
	}
	return w.node(ctx, via, target, recs[0], sub)
}

func (w *spfWalk) countVoid(ctx context.Context, name string, qtype uint16) {
	ans := w.r.Lookup(ctx, name, qtype)
	switch {
	case ans.Failed():
		w.undone = append(w.undone, dns.TypeToString[qtype]+" "+name+": "+ans.Err.Error())
	case ans.Void():
		w.void++
	}
}

// finalAll is the all that decides for unlisted servers: the record's own, or (without one) its redirect target's.
func finalAll(n *spfNode) (*spfTerm, string) {
	for i, t := range n.Terms {
		if t.Name == "all" && !t.Modifier {
			return &n.Terms[i], ""
		}
	}
	for _, c := range n.Children {
		if strings.HasPrefix(c.Via, "redirect=") {
			all, _ := finalAll(c)
			return all, " (through redirect=" + c.Domain + ")"
		}
	}
	return nil, ""
}

func hasAll(terms []spfTerm) bool {
	for _, t := range terms {
		if t.Name == "all" && !t.Modifier {
			return true
		}
	}
	return false
}

func modifier(terms []spfTerm, name string) string {
	for _, t := range terms {
		if t.Modifier && t.Name == name {
			return t.Value
		}
	}
	return ""
}

// render draws the tree, one record a line, with each record's own lookup count.
func render(n *spfNode, depth int) string {
	label := n.Domain
	if n.Via != "" {
		label = n.Via
	}
	own := 0
	for _, t := range n.Terms {
		if t.queries() {
			own++
		}
	}
	line := fmt.Sprintf("%s%s: %s", strings.Repeat("  ", depth), label, n.Record)
	if n.Problem != "" {
		line += "  [" + n.Problem + "]"
	}
	if n.Record != "" {
		line += fmt.Sprintf("  (%d lookups)", own)
	}
	for _, c := range n.Children {
		line += "\n" + render(c, depth+1)
	}
	return line
}
