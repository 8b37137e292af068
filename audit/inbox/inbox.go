package inbox

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Inbox is where the app's mail arrives.
type Inbox interface {
	// Address returns a fresh address that reaches this inbox, with tag (signup, reset, invite) in it, so each flow
	// of each audit has its own.
	Address(tag string) (string, error)
	// Wait returns the first message to the address received at or after since. It gives up with ErrNoMail when
	// the inbox's timeout passes, or with the context's error.
	Wait(ctx context.Context, to string, since time.Time) (*Message, error)
	// Describe says where the mail is read, for evidence ("SMTP sink on 127.0.0.1:2525").
	Describe() string
	Close() error
}

// ErrNoMail means nothing arrived for the address in time.
var ErrNoMail = errors.New("no mail arrived")

// DefaultTimeout is how long Wait waits when the plan says nothing: long enough for a real provider's queue.
const DefaultTimeout = 90 * time.Second

// fresh makes an address from base ("audit@example.com"): local+lr-tag-random@domain. Plus-addressing is
// understood by Gmail, Fastmail, Outlook and most servers; the SMTP sink accepts any address anyway.
func fresh(base, tag string) (string, error) {
	local, domain, ok := strings.Cut(base, "@")
	if !ok || local == "" || domain == "" {
		return "", fmt.Errorf("inbox address %q is not an email address", base)
	}
	local, _, _ = strings.Cut(local, "+")
	return fmt.Sprintf("%s+lr-%s-%s@%s", local, tag, randomTag(), domain), nil
}

var lowerBase32 = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

func randomTag() string {
	b := make([]byte, 5)
	rand.Read(b)
	return lowerBase32.EncodeToString(b)
}

// sameAddress compares two addresses the way mail does in practice: case-insensitively.
func sameAddress(a, b string) bool {
	return strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(b))
}

// waitTimeout bounds ctx by the inbox's timeout and turns its deadline into ErrNoMail.
func waitTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if d <= 0 {
		d = DefaultTimeout
	}
	return context.WithTimeout(ctx, d)
}

func noMail(parent context.Context, to string, d time.Duration, where string) error {
	if parent.Err() != nil {
		return parent.Err()
	}
	if d <= 0 { // the wait's own default (waitTimeout), not the 0 of a plan that names none
		d = DefaultTimeout
	}
	return fmt.Errorf("%w for %s within %s at %s", ErrNoMail, to, d, where)
}
