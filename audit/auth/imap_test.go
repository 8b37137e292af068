package auth_test

import (
	"bytes"
	"io"
	"net"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
	"github.com/emersion/go-smtp"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/audit/auth"
	"github.com/launchready/launchready/audit/email"
	"github.com/launchready/launchready/browser/browsertest"
	"github.com/launchready/launchready/demo"
	"github.com/launchready/launchready/demo/demotest"
)

// mailProvider stands where a real provider would: it takes the demo's mail over SMTP on addr and files it in a
// mailbox of go-imap's IMAP server, which the audit then reads over IMAP like any test mailbox.
func mailProvider(t *testing.T) (smtpAddr, imapAddr string) {
	t.Helper()
	mem := imapmemserver.New()
	user := imapmemserver.NewUser("qa@example.com", "mailbox-password")
	user.Create("INBOX", nil)
	mem.AddUser(user)
	imapSrv := imapserver.New(&imapserver.Options{
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
	go imapSrv.Serve(ln)
	t.Cleanup(func() { imapSrv.Close() })

	file := make(chan []byte, 64)
	go func() { // one IMAP connection files every message
		c, err := imapclient.DialInsecure(ln.Addr().String(), nil)
		if err != nil {
			return
		}
		defer c.Close()
		if c.Login("qa@example.com", "mailbox-password").Wait() != nil {
			return
		}
		for raw := range file {
			cmd := c.Append("INBOX", int64(len(raw)), nil)
			cmd.Write(raw)
			cmd.Close()
			cmd.Wait()
		}
	}()
	smtpLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	smtpSrv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &filing{file: file}, nil }))
	smtpSrv.Domain = "provider.test"
	go smtpSrv.Serve(smtpLn)
	t.Cleanup(func() { smtpSrv.Close(); close(file) })
	return smtpLn.Addr().String(), ln.Addr().String()
}

type quiet struct{}

func (quiet) Printf(string, ...any) {}

type filing struct{ file chan<- []byte }

func (f *filing) Mail(string, *smtp.MailOptions) error { return nil }
func (f *filing) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (f *filing) Reset()                               {}
func (f *filing) Logout() error                        { return nil }
func (f *filing) Data(r io.Reader) error {
	var b bytes.Buffer
	if _, err := io.Copy(&b, r); err != nil {
		return err
	}
	f.file <- b.Bytes()
	return nil
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
