package audit

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/launchready/launchready/audit/inbox"
)

// ErrNoInbox means the plan names no inbox, so the flows that need the app's mail cannot run.
var ErrNoInbox = errors.New("no inbox in the plan: add inbox: {kind: smtp, listen: 127.0.0.1:2525} and point the app's SMTP there, or use kind imap (a test mailbox) or paste")

// NeedsActive is why the sign-up, reset and invite flows did not run: they create accounts and send mail.
const NeedsActive = "set active: true in the plan to run the sign-up, reset and invite flows (they create an account, send mail and change a password on the target)"

type mailState struct {
	once     sync.Once
	in       inbox.Inbox
	err      error
	mu       sync.Mutex
	received []*inbox.Message
}

// Inbox returns the plan's inbox, started on first use (the SMTP sink starts listening then).
func (t *Target) Inbox() (inbox.Inbox, error) {
	t.mail.once.Do(func() { t.mail.in, t.mail.err = t.openInbox() })
	return t.mail.in, t.mail.err
}

func (t *Target) openInbox() (inbox.Inbox, error) {
	p := t.Plan.Inbox
	timeout := time.Duration(p.Timeout)
	switch p.Kind {
	case "":
		return nil, ErrNoInbox
	case "smtp":
		listen, base := p.Listen, p.Address
		if listen == "" {
			listen = "127.0.0.1:2525"
		}
		if base == "" {
			base = "audit@example.com"
		}
		sink, err := inbox.StartSink(listen, base, timeout)
		if err != nil {
			return nil, err // not a nil *Sink in a non-nil Inbox
		}
		return sink, nil
	case "imap":
		password := t.getenv(p.PasswordEnv)
		if password == "" {
			return nil, fmt.Errorf("inbox: the environment variable %s is empty: export the test mailbox's password in it", p.PasswordEnv)
		}
		t.Probe.Redactor().Add(password)
		in, err := inbox.NewIMAP(p.Server, p.User, password, p.Address, timeout)
		if err != nil {
			return nil, err
		}
		return in, nil
	case "paste":
		in, err := inbox.NewPaste(p.Address, t.Ask)
		if err != nil {
			return nil, err
		}
		return in, nil
	}
	return nil, fmt.Errorf("inbox.kind %q is not one of smtp, imap, paste", p.Kind)
}

// WaitMail waits for the app's mail to `to` and keeps it for email.delivery. Every link of it is a secret of the
// audit from then on: the redactor learns them, so no report shows one.
func (t *Target) WaitMail(ctx context.Context, to string, since time.Time) (*inbox.Message, error) {
	in, err := t.Inbox()
	if err != nil {
		return nil, err
	}
	m, err := in.Wait(ctx, to, since)
	if err != nil {
		return nil, err
	}
	for _, l := range m.Links {
		for _, secret := range linkSecrets(l) {
			t.Probe.Redactor().Add(secret)
		}
	}
	t.mail.mu.Lock()
	t.mail.received = append(t.mail.received, m)
	t.mail.mu.Unlock()
	return m, nil
}

// linkSecrets are the parts of a mail's link that are secrets — token-like query values, fragments and path
// segments — and the link itself when it holds one. A plain link (the app's home page in a mail's footer) is no
// secret: redacting it would blank the app's own address out of every piece of evidence.
func linkSecrets(link string) []string {
	u, err := url.Parse(link)
	if err != nil {
		return []string{link}
	}
	var out []string
	for _, vs := range u.Query() {
		for _, v := range vs {
			if tokenLike(v) {
				out = append(out, v)
			}
		}
	}
	for _, part := range append(strings.Split(u.Path, "/"), strings.FieldsFunc(u.Fragment, func(r rune) bool { return r == '=' || r == '&' || r == '/' })...) {
		if tokenLike(part) {
			out = append(out, part)
		}
	}
	if len(out) > 0 {
		out = append(out, link)
	}
	return out
}

// tokenLike is a value that could be a one-time secret: long, a number of at least 6 digits, or letters and
// digits mixed.
func tokenLike(v string) bool {
	digits, letters := 0, 0
	for _, r := range v {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case unicode.IsLetter(r):
			letters++
		}
	}
	return len(v) >= 16 || (digits >= 6 && letters == 0) || (len(v) >= 8 && digits > 0 && letters > 0)
}

// ReceivedMail is every message the flows received, in order.
func (t *Target) ReceivedMail() []*inbox.Message {
	t.mail.mu.Lock()
	defer t.mail.mu.Unlock()
	return append([]*inbox.Message(nil), t.mail.received...)
}

func (t *Target) closeInbox() {
	if t.mail.in != nil {
		t.mail.in.Close()
	}
}
