package inbox

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"regexp"
	"strings"
	"time"

	_ "github.com/emersion/go-message/charset" // decode ISO-8859-x, Windows-125x and the other charsets apps send
	"github.com/emersion/go-message/mail"
	"golang.org/x/net/html"
)

// MaxMessage is the largest message kept; a bigger one is cut there (its DKIM body hash will then not verify).
const MaxMessage = 4 << 20

// Message is one mail from the app, parsed. Its links carry the audit's tokens: redact before showing.
type Message struct {
	From     string // the From address
	To       []string
	Subject  string
	Date     time.Time
	Received time.Time
	Text     string   // the text parts, decoded; the HTML's text when there is no text part
	HTML     string   // the HTML part, decoded
	Links    []string // every http(s) link of the message, in order, once each
	Header   map[string][]string
	Raw      []byte // as received, for the DKIM verification
}

// Parse reads a message as received: MIME multipart, quoted-printable and base64, any common charset.
func Parse(raw []byte) (*Message, error) {
	if len(raw) > MaxMessage {
		raw = raw[:MaxMessage]
	}
	mr, err := mail.CreateReader(bytes.NewReader(raw))
	if err != nil && mr == nil {
		return nil, fmt.Errorf("reading the message: %w", err)
	}
	defer mr.Close()
	m := &Message{Raw: raw, Header: map[string][]string(mr.Header.Header.Map())}
	if from, err := mr.Header.AddressList("From"); err == nil && len(from) > 0 {
		m.From = from[0].Address
	}
	for _, key := range []string{"To", "Cc"} {
		if to, err := mr.Header.AddressList(key); err == nil {
			for _, a := range to {
				m.To = append(m.To, a.Address)
			}
		}
	}
	m.Subject, _ = mr.Header.Subject()
	m.Date, _ = mr.Header.Date()
	var text, htmlText strings.Builder
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			if text.Len() == 0 && htmlText.Len() == 0 {
				return nil, fmt.Errorf("reading the message body: %w", err)
			}
			break // keep what was read before the damage
		}
		h, ok := p.Header.(*mail.InlineHeader)
		if !ok {
			continue
		}
		ct, _, _ := mime.ParseMediaType(h.Get("Content-Type"))
		body, _ := io.ReadAll(io.LimitReader(p.Body, MaxMessage))
		switch ct {
		case "text/html":
			htmlText.Write(body)
		case "", "text/plain":
			text.Write(body)
			text.WriteString("\n")
		}
	}
	m.HTML = htmlText.String()
	m.Text = strings.TrimSpace(text.String())
	var hrefs []string
	if m.HTML != "" {
		var visible string
		hrefs, visible = readHTML(m.HTML)
		if m.Text == "" {
			m.Text = visible
		}
	}
	m.Links = uniq(append(hrefs, textLinks(m.Text)...))
	return m, nil
}

var urlInText = regexp.MustCompile(`https?://[^\s<>"'()\[\]]+`)

func textLinks(s string) []string {
	var out []string
	for _, u := range urlInText.FindAllString(s, -1) {
		out = append(out, strings.TrimRight(u, ".,;:!?"))
	}
	return out
}

// readHTML returns the http(s) hrefs of an HTML body and its visible text.
func readHTML(s string) (hrefs []string, visible string) {
	doc, err := html.Parse(strings.NewReader(s))
	if err != nil {
		return nil, ""
	}
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		switch {
		case n.Type == html.ElementNode && (n.Data == "script" || n.Data == "style"):
			return
		case n.Type == html.ElementNode && n.Data == "a":
			for _, a := range n.Attr {
				if strings.EqualFold(a.Key, "href") && (strings.HasPrefix(a.Val, "http://") || strings.HasPrefix(a.Val, "https://")) {
					hrefs = append(hrefs, strings.TrimSpace(a.Val))
				}
			}
		case n.Type == html.TextNode:
			b.WriteString(n.Data)
			b.WriteString(" ")
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return hrefs, strings.Join(strings.Fields(b.String()), " ")
}

func uniq(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// addressedTo reports whether the message is for addr (To or Cc).
func (m *Message) addressedTo(addr string) bool {
	for _, to := range m.To {
		if sameAddress(to, addr) {
			return true
		}
	}
	return false
}
