package inbox

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Asker shows a prompt to the person running the audit and returns what they typed; the CLI reads stdin, the TUI
// opens a field.
type Asker func(ctx context.Context, prompt string) (string, error)

// Paste is an inbox the person reads: for each mail, they are asked to paste the link it holds. Addresses are
// plus-addresses of their own (inbox.address).
type Paste struct {
	base string
	ask  Asker
}

// NewPaste prepares the paste inbox; base is the person's own address.
func NewPaste(base string, ask Asker) (*Paste, error) {
	if _, err := fresh(base, "x"); err != nil {
		return nil, fmt.Errorf("inbox.address: %w (the paste inbox needs your own address to send the app's mail to)", err)
	}
	if ask == nil {
		return nil, fmt.Errorf("the paste inbox needs a terminal to ask for the links: run in a terminal, or use inbox kind smtp or imap")
	}
	return &Paste{base: base, ask: ask}, nil
}

func (p *Paste) Address(tag string) (string, error) { return fresh(p.base, tag) }

func (p *Paste) Describe() string { return "links pasted by hand" }

func (p *Paste) Close() error { return nil }

// Wait asks for the link of the mail sent to `to`. The message has the link and nothing else: no headers, so
// nothing to verify DKIM on.
func (p *Paste) Wait(ctx context.Context, to string, since time.Time) (*Message, error) {
	answer, err := p.ask(ctx, fmt.Sprintf("Open the mail the app just sent to %s and paste the link it holds (empty to give up):", to))
	if err != nil {
		return nil, err
	}
	links := textLinks(strings.TrimSpace(answer))
	if len(links) == 0 {
		return nil, fmt.Errorf("%w for %s: %v", ErrNoMail, to, errPasteEmpty)
	}
	return &Message{To: []string{to}, Received: time.Now(), Text: answer, Links: links}, nil
}
