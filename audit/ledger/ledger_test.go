package ledger

import (
	"context"
	"testing"
)

func TestCount(t *testing.T) {
	l := New()
	ctx := With(context.Background(), l)
	tests := []struct {
		ctx  context.Context
		kind Kind
		n    int
	}{
		{Tag(ctx, "authz.idor-read"), HTTP, 3},
		{Tag(ctx, "authz.idor-read"), Browser, 2},
		{Tag(ctx, "sign-up flow"), Browser, 5},
		{ctx, HTTP, 1},                                    // no tag: counted under ""
		{Tag(context.Background(), "no ledger"), HTTP, 7}, // no ledger: not counted anywhere
	}
	for _, tt := range tests {
		for range tt.n {
			Count(tt.ctx, tt.kind)
		}
	}
	by := l.By()
	want := map[string]Counts{"authz.idor-read": {HTTP: 3, Browser: 2}, "sign-up flow": {Browser: 5}, "": {HTTP: 1}}
	if len(by) != len(want) {
		t.Errorf("by tag %v, want %v", by, want)
	}
	for tag, c := range want {
		if by[tag] != c {
			t.Errorf("%q: %+v, want %+v", tag, by[tag], c)
		}
	}
	if got := l.Total(); got != (Counts{HTTP: 4, Browser: 7}) {
		t.Errorf("total %+v", got)
	}
	// A tag set later wins: shared work started by a check is counted as the shared work.
	if got := TagOf(Tag(Tag(ctx, "input.malformed"), "find the login form")); got != "find the login form" {
		t.Errorf("TagOf = %q", got)
	}
}
