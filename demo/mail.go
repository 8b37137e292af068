package demo

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"net/smtp"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-msgauth/dkim"
)

// Mail is a message the demo app sent.
type Mail struct {
	To, Subject, Body string
}

// dkimKey is the demo provider's signing key: made once per process (a 2048-bit key takes a moment), published in
// the demo zone unless the weak-dkim flaw publishes a 512-bit key that matches nothing.
var dkimKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return k
})

func dkimPublic() string {
	der, _ := x509.MarshalPKIXPublicKey(&dkimKey().PublicKey)
	return base64.StdEncoding.EncodeToString(der)
}

// send records the mail and, when the demo has an SMTP server to deliver to, delivers it in the background the
// way an app hands mail to its provider: signed with DKIM for demo.test, retried for a few seconds.
func (a *app) send(to, subject, text, linkURL string) {
	a.mu.Lock()
	a.outbox = append(a.outbox, Mail{To: to, Subject: subject, Body: linkURL})
	smtpAddr := a.smtpAddr
	a.mu.Unlock()
	if smtpAddr == "" {
		return
	}
	raw, err := compose(to, subject, text, linkURL)
	if err != nil {
		return
	}
	go func() {
		for try := 0; try < 50; try++ {
			if smtp.SendMail(smtpAddr, nil, "bounces@"+SendingDomain, []string{to}, raw) == nil {
				return
			}
			time.Sleep(200 * time.Millisecond)
		}
	}()
}

// compose writes a multipart/alternative message (text and quoted-printable HTML) and signs it.
func compose(to, subject, text, linkURL string) ([]byte, error) {
	var h mail.Header
	h.SetDate(time.Now())
	h.SetAddressList("From", []*mail.Address{{Name: "Community", Address: "no-reply@" + SendingDomain}})
	h.SetAddressList("To", []*mail.Address{{Address: to}})
	h.SetSubject(subject)
	h.GenerateMessageIDWithHostname(SendingDomain)
	var buf bytes.Buffer
	w, err := mail.CreateInlineWriter(&buf, h)
	if err != nil {
		return nil, err
	}
	part := func(ct, body string) error {
		var ph mail.InlineHeader
		ph.Set("Content-Type", ct+"; charset=utf-8")
		ph.Set("Content-Transfer-Encoding", "quoted-printable")
		pw, err := w.CreatePart(ph)
		if err != nil {
			return err
		}
		defer pw.Close()
		_, err = pw.Write([]byte(body))
		return err
	}
	if err := part("text/plain", text+"\n\n"+linkURL+"\n"); err != nil {
		return nil, err
	}
	htmlBody := fmt.Sprintf(`<!doctype html><html><body><p>%s</p><p><a href="%s" style="font-weight:bold">Open the link</a></p></body></html>`,
		strings.ReplaceAll(text, "\n", "<br>"), strings.ReplaceAll(linkURL, "&", "&amp;"))
	if err := part("text/html", htmlBody); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	var signed bytes.Buffer
	opts := &dkim.SignOptions{Domain: SendingDomain, Selector: DKIMSelector, Signer: dkimKey(),
		HeaderCanonicalization: dkim.CanonicalizationRelaxed, BodyCanonicalization: dkim.CanonicalizationRelaxed,
		HeaderKeys: []string{"From", "To", "Subject", "Date", "Message-Id", "Mime-Version", "Content-Type"}}
	if err := dkim.Sign(&signed, bytes.NewReader(crlf(buf.Bytes())), opts); err != nil {
		return nil, err
	}
	return signed.Bytes(), nil
}

// crlf makes line ends CRLF, as SMTP and the DKIM canonicalization expect.
func crlf(b []byte) []byte {
	b = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
	return bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n"))
}
