package inbox

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// IMAP reads a real test mailbox. Each flow gets a plus-address of the mailbox (test+lr-reset-x7k2@…), so mail of
// earlier audits is never mistaken for this one's.
type IMAP struct {
	server   string // host:port
	tls      bool   // implicit TLS (imaps://); otherwise STARTTLS, or plain on loopback only
	user     string
	password string
	base     string
	timeout  time.Duration
	// Poll is how often the mailbox is searched while waiting.
	Poll time.Duration
}

// NewIMAP prepares an IMAP inbox. server is imaps://host:993 (TLS), imap://host:143 (STARTTLS; plain text only to a
// loopback address), or host[:port] for TLS. Nothing is dialled until Wait.
func NewIMAP(server, user, password, base string, timeout time.Duration) (*IMAP, error) {
	in := &IMAP{user: user, password: password, base: base, timeout: timeout, Poll: 2 * time.Second, tls: true}
	if user == "" || password == "" {
		return nil, fmt.Errorf("inbox: IMAP needs inbox.user and a password in the variable inbox.password_env names")
	}
	if _, err := fresh(base, "x"); err != nil {
		return nil, fmt.Errorf("inbox.address: %w", err)
	}
	host := server
	if u, err := url.Parse(server); err == nil && (u.Scheme == "imap" || u.Scheme == "imaps") {
		in.tls, host = u.Scheme == "imaps", u.Host
	}
	if host == "" {
		return nil, fmt.Errorf("inbox.server: give the IMAP server, such as imaps://imap.example.com:993")
	}
	if _, _, err := net.SplitHostPort(host); err != nil {
		if in.tls {
			host = net.JoinHostPort(host, "993")
		} else {
			host = net.JoinHostPort(host, "143")
		}
	}
	in.server = host
	return in, nil
}

func (in *IMAP) Address(tag string) (string, error) { return fresh(in.base, tag) }

func (in *IMAP) Describe() string { return "the IMAP mailbox " + in.user + " at " + in.server }

func (in *IMAP) Close() error { return nil }

// Wait searches the inbox for mail to `to` until it arrives or the timeout passes.
func (in *IMAP) Wait(ctx context.Context, to string, since time.Time) (*Message, error) {
	wctx, cancel := waitTimeout(ctx, in.timeout)
	defer cancel()
	c, err := in.dial(wctx)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	stop := context.AfterFunc(wctx, func() { c.Close() }) // a hung server must not outlive the wait
	defer stop()
	for {
		m, err := in.find(c, to, since)
		if err != nil {
			if wctx.Err() != nil {
				return nil, noMail(ctx, to, in.timeout, in.Describe())
			}
			return nil, err
		}
		if m != nil {
			return m, nil
		}
		select {
		case <-time.After(in.Poll):
		case <-wctx.Done():
			return nil, noMail(ctx, to, in.timeout, in.Describe())
		}
	}
}

func (in *IMAP) dial(ctx context.Context) (*imapclient.Client, error) {
	host, _, _ := net.SplitHostPort(in.server)
	conn, err := (&net.Dialer{Timeout: 15 * time.Second}).DialContext(ctx, "tcp", in.server)
	if err != nil {
		return nil, fmt.Errorf("connecting to the IMAP server %s: %w (check inbox.server)", in.server, err)
	}
	tlsConf := &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
	var c *imapclient.Client
	switch {
	case in.tls:
		c = imapclient.New(tls.Client(conn, tlsConf), &imapclient.Options{TLSConfig: tlsConf})
	case isLoopback(host):
		c = imapclient.New(conn, nil)
	default:
		if c, err = imapclient.NewStartTLS(conn, &imapclient.Options{TLSConfig: tlsConf}); err != nil {
			conn.Close()
			return nil, fmt.Errorf("IMAP STARTTLS with %s: %w (the password is never sent in clear text: use imaps://)", in.server, err)
		}
	}
	if err := c.Login(in.user, in.password).Wait(); err != nil {
		c.Close()
		return nil, fmt.Errorf("IMAP login as %s at %s refused: %w (check inbox.user and the password; Gmail needs an app password)", in.user, in.server, err)
	}
	return c, nil
}

// find selects the inbox afresh (to see new mail) and returns the newest message to `to`, if any.
func (in *IMAP) find(c *imapclient.Client, to string, since time.Time) (*Message, error) {
	if _, err := c.Select("INBOX", &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		return nil, fmt.Errorf("IMAP: opening INBOX: %w", err)
	}
	criteria := &imap.SearchCriteria{
		Header: []imap.SearchCriteriaHeaderField{{Key: "To", Value: to}},
		Since:  since.Add(-24 * time.Hour), // SINCE compares dates only, in the server's time zone
	}
	data, err := c.UIDSearch(criteria, nil).Wait()
	if err != nil {
		return nil, fmt.Errorf("IMAP: searching INBOX: %w", err)
	}
	uids := data.AllUIDs()
	if len(uids) == 0 {
		return nil, nil
	}
	section := &imap.FetchItemBodySection{Peek: true}
	msgs, err := c.Fetch(imap.UIDSetNum(uids[len(uids)-1]), &imap.FetchOptions{BodySection: []*imap.FetchItemBodySection{section}, InternalDate: true}).Collect()
	if err != nil || len(msgs) == 0 {
		return nil, fmt.Errorf("IMAP: fetching the message: %v", err)
	}
	m, err := Parse(msgs[0].FindBodySection(section))
	if err != nil {
		return nil, err
	}
	m.Received = msgs[0].InternalDate
	if !m.addressedTo(to) {
		m.To = append(m.To, to) // the server matched a To header we could not parse; trust its search
	}
	return m, nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
