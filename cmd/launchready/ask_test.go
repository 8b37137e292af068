package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/launchready/launchready/audit/inbox"
)

// Without the TUI the paste inbox asks on stderr and reads the link from stdin, one question at a time.
func TestLineAskerFeedsThePasteInbox(t *testing.T) {
	var out bytes.Buffer
	p, err := inbox.NewPaste("me@example.com", lineAsker(strings.NewReader("https://app.example/reset?token=abc\n\n"), &out))
	if err != nil {
		t.Fatal(err)
	}
	to, _ := p.Address("reset")
	m, err := p.Wait(t.Context(), to, time.Now())
	if err != nil || len(m.Links) != 1 || m.Links[0] != "https://app.example/reset?token=abc" {
		t.Fatalf("got %+v, %v", m, err)
	}
	if !strings.Contains(out.String(), to) {
		t.Errorf("the prompt does not name the address: %q", out.String())
	}
	if _, err := p.Wait(t.Context(), to, time.Now()); err == nil {
		t.Error("an empty line was taken as a link")
	}
}
