// Package inboxtest runs a real IMAP server for tests: go-imap's own server with an in-memory mailbox on
// 127.0.0.1, and a client that files mail in it the way a mail provider does. Tests only.
package inboxtest

import (
	"net"
	"sync"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
)

// Mailbox is an IMAP server with one user and its INBOX, until the test ends.
type Mailbox struct {
	Addr string // 127.0.0.1:port, plain IMAP

	mu    sync.Mutex
	filer *imapclient.Client
}

// StartMailbox starts the server with user and password, and logs the filing client in.
func StartMailbox(t testing.TB, user, password string) *Mailbox {
	t.Helper()
	mem := imapmemserver.New()
	u := imapmemserver.NewUser(user, password)
	if err := u.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	mem.AddUser(u)
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		},
		Caps:         imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}},
		InsecureAuth: true,
		Logger:       quiet{},
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	c, err := imapclient.DialInsecure(ln.Addr().String(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Login(user, password).Wait(); err != nil {
		t.Fatal(err)
	}
	return &Mailbox{Addr: ln.Addr().String(), filer: c}
}

// Deliver files a raw message in the INBOX, one at a time.
func (m *Mailbox) Deliver(raw []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	cmd := m.filer.Append("INBOX", int64(len(raw)), nil)
	if _, err := cmd.Write(raw); err != nil {
		return err
	}
	if err := cmd.Close(); err != nil {
		return err
	}
	_, err := cmd.Wait()
	return err
}

type quiet struct{}

func (quiet) Printf(string, ...any) {}
