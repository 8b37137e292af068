// Package ledger counts what an audit sends to the app, by the check, or the piece of work several checks share,
// that sent it: users ask "what did the audit send to my app?", and the answer is kept as the requests go out.
package ledger

import (
	"context"
	"maps"
	"sync"
)

// Counts are the requests one check or piece of work sent: over HTTP by the audit itself, and by the browser it
// drives (pages, scripts, the app's own API calls), to the hosts in the scope only.
type Counts struct {
	HTTP    int `json:"http"`
	Browser int `json:"browser"`
}

// Total is every request counted.
func (c Counts) Total() int { return c.HTTP + c.Browser }

// Kind says who sent a request.
type Kind int

const (
	HTTP Kind = iota
	Browser
)

// Ledger holds the counts of one audit.
type Ledger struct {
	mu sync.Mutex
	by map[string]Counts
}

// New returns an empty ledger.
func New() *Ledger { return &Ledger{by: map[string]Counts{}} }

type ledgerKey struct{}
type tagKey struct{}

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

// Count counts one request of kind sent under ctx; without a ledger in ctx it does nothing.
func Count(ctx context.Context, kind Kind) {
	l, _ := ctx.Value(ledgerKey{}).(*Ledger)
	if l == nil {
		return
	}
	tag := TagOf(ctx)
	l.mu.Lock()
	defer l.mu.Unlock()
	c := l.by[tag]
	switch kind {
	case HTTP:
		c.HTTP++
	case Browser:
		c.Browser++
	}
	l.by[tag] = c
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
