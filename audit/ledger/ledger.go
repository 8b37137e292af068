// Package ledger counts what an audit sends to the app, by the check, or the piece of work several checks share,
// that sent it: users ask "what did the audit send to my app?", and the answer is kept as the requests go out.
package ledger

import (
	"context"
	"maps"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Counts are the requests one check or piece of work sent: over HTTP by the audit itself, and by the browser it
// drives (pages, scripts, the app's own API calls), to the hosts in the scope only.
type Counts struct {
	HTTP    int `json:"http"`
	Browser int `json:"browser"`
}

// Total is every request counted.
func (c Counts) Total() int { return c.HTTP + c.Browser }

func (c Counts) plus(kind Kind) Counts {
	switch kind {
	case HTTP:
		c.HTTP++
	case Browser:
		c.Browser++
	}
	return c
}

// Kind says who sent a request.
type Kind int

const (
	HTTP Kind = iota
	Browser
)

// Ledger holds the counts of one audit, and when each of its writes (every request but GET, HEAD and OPTIONS)
// went to which endpoint: a burst tells what the audit itself had sent to its endpoint before, which a limit on
// the app counts as well.
type Ledger struct {
	mu     sync.Mutex
	by     map[string]Counts
	phases map[string]Counts
	writes map[string][]time.Time
}

// New returns an empty ledger.
func New() *Ledger {
	return &Ledger{by: map[string]Counts{}, phases: map[string]Counts{}, writes: map[string][]time.Time{}}
}

type ledgerKey struct{}
type tagKey struct{}
type phaseKey struct{}

// InPhase returns ctx with requests sent under it counted for phase as well (the audit's phase whose check sent
// them, or started the shared work that did).
func InPhase(ctx context.Context, phase string) context.Context {
	return context.WithValue(ctx, phaseKey{}, phase)
}

// PhaseOf is the phase ctx counts for ("" when none).
func PhaseOf(ctx context.Context) string {
	phase, _ := ctx.Value(phaseKey{}).(string)
	return phase
}

// With returns ctx carrying l: every request sent under it is counted there.
func With(ctx context.Context, l *Ledger) context.Context {
	return context.WithValue(ctx, ledgerKey{}, l)
}

// Tag returns ctx with requests sent under it counted for tag (a check's ID, or shared work's name).
func Tag(ctx context.Context, tag string) context.Context {
	return context.WithValue(ctx, tagKey{}, tag)
}

// TagOf is the tag ctx counts for ("" when none).
func TagOf(ctx context.Context) string {
	tag, _ := ctx.Value(tagKey{}).(string)
	return tag
}

// Count counts one request of kind sent under ctx, method to u; without a ledger in ctx it does nothing.
func Count(ctx context.Context, kind Kind, method string, u *url.URL) {
	l, _ := ctx.Value(ledgerKey{}).(*Ledger)
	if l == nil {
		return
	}
	tag, phase := TagOf(ctx), PhaseOf(ctx)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.by[tag] = l.by[tag].plus(kind)
	l.phases[phase] = l.phases[phase].plus(kind)
	if key, ok := endpoint(method, u); ok {
		l.writes[key] = append(l.writes[key], time.Now())
	}
}

// endpoint names the endpoint a write went to (method, origin and path; not the query), false for a read.
func endpoint(method string, u *url.URL) (string, bool) {
	method = strings.ToUpper(method)
	if u == nil || method == "" || method == "GET" || method == "HEAD" || method == "OPTIONS" {
		return "", false
	}
	return method + " " + strings.ToLower(u.Scheme+"://"+u.Host) + u.EscapedPath(), true
}

// Writes are the times of the writes sent so far with method to u's endpoint (its origin and path), oldest first.
func (l *Ledger) Writes(method string, u *url.URL) []time.Time {
	key, ok := endpoint(method, u)
	if !ok {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]time.Time(nil), l.writes[key]...)
}

// By returns the counts by tag; requests sent under no tag are under "".
func (l *Ledger) By() map[string]Counts {
	l.mu.Lock()
	defer l.mu.Unlock()
	return maps.Clone(l.by)
}

// Total is every request the ledger counted.
func (l *Ledger) Total() Counts {
	l.mu.Lock()
	defer l.mu.Unlock()
	var t Counts
	for _, c := range l.by {
		t.HTTP += c.HTTP
		t.Browser += c.Browser
	}
	return t
}

// InPhases returns the counts by phase; requests sent under no phase are under "".
func (l *Ledger) InPhases() map[string]Counts {
	l.mu.Lock()
	defer l.mu.Unlock()
	return maps.Clone(l.phases)
}
