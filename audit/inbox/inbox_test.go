package inbox

import (
	"context"
	"errors"
	"net/smtp"
	"strings"
	"testing"
	"time"

	"github.com/launchready/launchready/audit/inbox/inboxtest"
)

const (
	plainMail = "From: Acme <no-reply@acme.test>\r\nTo: audit+lr-reset-abc@example.com\r\nSubject: Reset your password\r\n" +
		"Date: Mon, 23 Nov 2026 10:00:00 +0000\r\n\r\nReset it here: https://app.acme.test/reset?token=abc123.\r\nThanks\r\n"
	qpHTMLMail = "From: no-reply@acme.test\r\nTo: <new@example.com>\r\nSubject: =?utf-8?q?Confirm_your_email?=\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=b1\r\n\r\n--b1\r\n" +
		"Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
		"<p>Welcome!</p><a href=3D\"https://app.acme.test/verify?t=3Dxyz&amp;u=3D1\">Confirm</a>=\r\n<style>p{}</style>\r\n--b1--\r\n"
	latin1Mail = "From: info@acme.test\r\nTo: a@example.com\r\nSubject: Bienvenue\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		"Q2xpcXVleiBpY2kgKOkpOiBodHRwczovL2FwcC5hY21lLnRlc3QvaW52aXRlL1E5\r\n"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name, raw, subject, from string
		links                    []string
		text                     string
	}{
		{"plain text with a link ending a sentence", plainMail, "Reset your password", "no-reply@acme.test",
			[]string{"https://app.acme.test/reset?token=abc123"}, "Reset it here"},
		{"quoted-printable HTML only", qpHTMLMail, "Confirm your email", "no-reply@acme.test",
			[]string{"https://app.acme.test/verify?t=xyz&u=1"}, "Welcome! Confirm"},
		{"base64 latin-1 text", latin1Mail, "Bienvenue", "info@acme.test",
			[]string{"https://app.acme.test/invite/Q9"}, "Cliquez ici (é)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Parse([]byte(tt.raw))
			if err != nil {
				t.Fatal(err)
			}
			if m.Subject != tt.subject || m.From != tt.from {
				t.Errorf("subject %q from %q", m.Subject, m.From)
			}
			if strings.Join(m.Links, " ") != strings.Join(tt.links, " ") {
				t.Errorf("links %q, want %q", m.Links, tt.links)
			}
			if !strings.Contains(m.Text, tt.text) {
				t.Errorf("text %q lacks %q", m.Text, tt.text)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{plainMail, qpHTMLMail, latin1Mail, "", "From: x\r\n\r\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, err := Parse(raw)
		if err == nil && m == nil {
			t.Fatal("nil message without error")
		}
	})
}

func TestSinkReceivesOverSMTP(t *testing.T) {
	sink, err := StartSink("127.0.0.1:0", "audit@example.com", 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	to, err := sink.Address("reset")
	if err != nil || !strings.HasPrefix(to, "audit+lr-reset-") || !strings.HasSuffix(to, "@example.com") {
		t.Fatalf("address %q, %v", to, err)
	}
	since := time.Now()
	go func() {
		time.Sleep(100 * time.Millisecond) // the mail arrives while Wait waits
		body := strings.Replace(plainMail, "audit+lr-reset-abc@example.com", to, 1)
		if err := smtp.SendMail(sink.Addr, nil, "no-reply@acme.test", []string{to}, []byte(body)); err != nil {
			t.Error(err)
		}
	}()
	m, err := sink.Wait(t.Context(), to, since)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Links) != 1 || m.Subject != "Reset your password" || len(m.Raw) == 0 {
		t.Errorf("got %+v", m)
	}
	short, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	if _, err := sink.Wait(short, to, time.Now().Add(time.Second)); err == nil {
		t.Error("a message older than since was returned again")
	}
}

func TestSinkTimesOutAndRefusesOutsideLoopback(t *testing.T) {
	sink, err := StartSink("127.0.0.1:0", "audit@example.com", 200*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	_, err = sink.Wait(t.Context(), "nobody@example.com", time.Now())
	if !errors.Is(err, ErrNoMail) || !strings.Contains(err.Error(), "nobody@example.com") {
		t.Errorf("err = %v, want ErrNoMail naming the address", err)
	}
	if _, err := StartSink("0.0.0.0:0", "audit@example.com", time.Second); err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Errorf("listening on every interface: err = %v", err)
	}
}

func deliverIMAP(t *testing.T, mb *inboxtest.Mailbox, raw string) {
	t.Helper()
	if err := mb.Deliver([]byte(raw)); err != nil {
		t.Error(err)
	}
}

func TestIMAPFindsMailToPlusAddress(t *testing.T) {
	provider := inboxtest.StartMailbox(t, "audit@example.com", "mailbox-password")
	addr := provider.Addr
	in, err := NewIMAP("imap://"+addr, "audit@example.com", "mailbox-password", "audit@example.com", 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	in.Poll = 50 * time.Millisecond
	to, _ := in.Address("signup")
	other, _ := in.Address("signup")
	deliverIMAP(t, provider, strings.Replace(qpHTMLMail, "<new@example.com>", other, 1)) // an earlier audit's mail
	since := time.Now()
	go func() {
		time.Sleep(150 * time.Millisecond)
		deliverIMAP(t, provider, strings.Replace(qpHTMLMail, "<new@example.com>", to, 1))
	}()
	m, err := in.Wait(t.Context(), to, since)
	if err != nil {
		t.Fatal(err)
	}
	if !m.addressedTo(to) || len(m.Links) != 1 || !strings.Contains(m.Links[0], "/verify?") {
		t.Errorf("got to=%q links=%q", m.To, m.Links)
	}

	in.timeout = 300 * time.Millisecond
	if _, err := in.Wait(t.Context(), "audit+lr-never@example.com", time.Now()); !errors.Is(err, ErrNoMail) {
		t.Errorf("empty mailbox: err = %v, want ErrNoMail", err)
	}
	bad, _ := NewIMAP("imap://"+addr, "audit@example.com", "wrong", "audit@example.com", time.Second)
	if _, err := bad.Wait(t.Context(), to, since); err == nil || !strings.Contains(err.Error(), "login") {
		t.Errorf("wrong password: err = %v", err)
	}
}

func TestPasteAsksForTheLink(t *testing.T) {
	var prompt string
	p, err := NewPaste("me@example.com", func(_ context.Context, q string) (string, error) {
		prompt = q
		return "  https://app.acme.test/reset?token=zz9  ", nil
	})
	if err != nil {
		t.Fatal(err)
	}
	to, _ := p.Address("reset")
	m, err := p.Wait(t.Context(), to, time.Now())
	if err != nil || len(m.Links) != 1 || m.Links[0] != "https://app.acme.test/reset?token=zz9" || !strings.Contains(prompt, to) {
		t.Errorf("m=%+v err=%v prompt=%q", m, err, prompt)
	}
	empty, _ := NewPaste("me@example.com", func(context.Context, string) (string, error) { return "", nil })
	if _, err := empty.Wait(t.Context(), to, time.Now()); !errors.Is(err, ErrNoMail) {
		t.Errorf("nothing pasted: err = %v", err)
	}
	if _, err := NewPaste("me@example.com", nil); err == nil {
		t.Error("a paste inbox without a way to ask was accepted")
	}
}

// A plan that names no inbox timeout waits the default, and says so: not "within 0s".
func TestNoMailSaysTheWaitItMade(t *testing.T) {
	err := noMail(t.Context(), "audit+lr-x@example.com", 0, "the SMTP sink on 127.0.0.1:2525")
	if !errors.Is(err, ErrNoMail) || !strings.Contains(err.Error(), "within "+DefaultTimeout.String()) {
		t.Errorf("err = %v, want ErrNoMail within %s", err, DefaultTimeout)
	}
}
