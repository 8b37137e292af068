package auth_test

import (
	"io"
	"net"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/audit/auth"
	"github.com/launchready/launchready/audit/email"
	"github.com/launchready/launchready/audit/inbox/inboxtest"
	"github.com/launchready/launchready/browser/browsertest"
	"github.com/launchready/launchready/demo"
	"github.com/launchready/launchready/demo/demotest"
)

// mailProvider stands where a real provider would: it takes the demo's mail over SMTP and files it in the INBOX
// of go-imap's IMAP server, which the audit then reads over IMAP like any test mailbox.
func mailProvider(t *testing.T) (smtpAddr, imapAddr string) {
	t.Helper()
	mb := inboxtest.StartMailbox(t, "qa@example.com", "mailbox-password")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &filing{mb: mb}, nil }))
	srv.Domain = "provider.test"
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String(), mb.Addr
}

type filing struct{ mb *inboxtest.Mailbox }

func (f *filing) Mail(string, *smtp.MailOptions) error { return nil }
func (f *filing) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (f *filing) Reset()                               {}
func (f *filing) Logout() error                        { return nil }
func (f *filing) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	return f.mb.Deliver(raw)
}

// The flows read the app's real mail from an IMAP mailbox, through plus-addresses, end to end.
func TestFlowsReadMailOverIMAP(t *testing.T) {
	browsertest.Bin(t)
	srv := demotest.Start(t, demo.Hardened())
	plan, err := srv.Plan("imap")
	if err != nil {
		t.Fatal(err)
	}
	smtpAddr, imapAddr := mailProvider(t)
	srv.DeliverTo(smtpAddr)
	plan.Active = true
	plan.Inbox = audit.Inbox{Kind: "imap", Server: "imap://" + imapAddr, Address: "qa@example.com", User: "qa@example.com",
		PasswordEnv: "LR_INBOX_PASSWORD", Timeout: audit.Duration(20 * time.Second)}
	getenv := func(k string) string {
		if k == "LR_INBOX_PASSWORD" {
			return "mailbox-password"
		}
		return srv.Getenv(k)
	}
	target, err := audit.NewTarget(plan, getenv)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(target.Close)
	for _, c := range []struct {
		id  string
		run checkFunc
	}{{"auth.signup-flow", auth.SignupFlow}, {"auth.reset-flow", auth.ResetFlow}, {"email.delivery", email.Delivery}} {
		if got := c.run(t.Context(), target); got.Status != audit.Pass {
			t.Errorf("%s over IMAP: %s %q", c.id, got.Status, got.Summary)
			for _, ev := range got.Evidence {
				t.Logf("    %s: %s", ev.Label, ev.Excerpt)
			}
		}
	}
}
