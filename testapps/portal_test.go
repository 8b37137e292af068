package testapps

import (
	"encoding/json"
	"io"
	"log"
	"net"
	"net/http"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

var (
	// portalCSRF is the Portal app's hidden CSRF field.
	portalCSRF = regexp.MustCompile(`<input type="hidden" name="_csrf" value="([0-9a-f]+)">`)
	// portalMain is the content of a Portal page's <main>: its flash and the page.
	portalMain = regexp.MustCompile(`(?s)<main>(.*)</main>`)
	// portalLinkRe is the link of a Portal app's mail.
	portalLinkRe = regexp.MustCompile(`https://127\.0\.0\.1:\d+/\S+`)
)

// portalPage returns the <main> of a Portal page (the whole body when it has none).
func portalPage(body string) string {
	if m := portalMain.FindStringSubmatch(body); m != nil {
		return m[1]
	}
	return body
}

// portalFlow drives one of the two Portal apps the way its pages do, over HTTP.
type portalFlow struct {
	new func(testing.TB, Mode) *App
	// signup registers name, email and password with every other field valid. answer is the page's <main> (Portal)
	// or the JSON body (PortalSPA).
	signup func(c *client, name, email, password string) (st int, answer string, resp *http.Response)
	// confirm opens the path of the confirmation mail's link and reports whether the app took it.
	confirm func(c *client, path string) bool
	// login signs in with a login and a password, keeping the session or token in c.
	login func(c *client, login, password string) (ok bool, answer string)
	// signedIn reports whether c's session or token works.
	signedIn func(c *client) bool
	// forgot asks for a reset link for email.
	forgot func(c *client, email string) (st int, answer string, resp *http.Response)
	// reset opens the path of the reset mail's link and sets password there; false when the link is refused.
	reset func(c *client, path, password string) bool

	good, bad     string   // a username the server-side rule takes, one it refuses
	badStatus     int      // the answer's status to bad
	badAnswer     []string // what the answer to bad contains (every one)
	okStatus      int      // a sign-up's success status
	okAnswer      string   // what a sign-up's success answer contains, with ADDRESS for the address
	takenAnswer   string   // what Flawed answers to a registered address
	inactive      string   // what Fixed answers to an unconfirmed account's right password
	forgotAnswer  string   // what the answer to a reset request for a registered address contains, ADDRESS for it
	tooMany       string   // what a 429 says
	confirmSubj   string   // the confirmation mail's subject
	resetSubj     string   // the reset mail's subject
	limitedStatus [2]int   // the statuses of a refused sign-up and of an unknown address's reset request (Flawed)
}

// portalFlash is the Portal app's flash of kind "error" or "success".
func portalFlash(kind, msg string) string {
	class := map[string]string{"error": "negative", "success": "positive"}[kind]
	return `<div class="ui ` + class + ` message flash-` + kind + `"><p>` + msg + `</p></div>`
}

// portalPost loads page, then posts v with its _csrf token to action.
func portalPost(c *client, page, action string, v url.Values) (int, string, *http.Response) {
	c.page(page, portalCSRF)
	v.Set("_csrf", c.csrf)
	return c.do("POST", action, "application/x-www-form-urlencoded", []byte(v.Encode()))
}

// spaPost posts v as JSON, with the client's bearer token when it has one.
func spaPost(c *client, path string, v any) (int, string, *http.Response) {
	body, _ := json.Marshal(v)
	var hdr []string
	if c.token != "" {
		hdr = []string{"Authorization", "Bearer " + c.token}
	}
	return c.do("POST", path, "application/json", body, hdr...)
}

var portalFlows = map[string]portalFlow{
	"portal": {
		new: Portal,
		signup: func(c *client, name, email, password string) (int, string, *http.Response) {
			st, body, resp := portalPost(c, "/user/sign_up", "/user/sign_up", url.Values{"user_name": {name}, "email": {email},
				"password": {password}, "retype": {password}, "visibility": {"private"}, "agree": {"on"}})
			return st, portalPage(body), resp
		},
		confirm: func(c *client, path string) bool {
			st, body, _ := c.do("GET", path, "", nil)
			if st != 200 {
				c.t.Fatalf("GET %s: %d %s", path, st, body)
			}
			if strings.Contains(body, portalFlash("error", portalMsgBadCode)) {
				return false
			}
			if !strings.Contains(body, portalFlash("success", portalMsgActivated)) || !strings.Contains(body, `<a href="/user/login">`) {
				c.t.Fatalf("GET %s: %s", path, body)
			}
			return true
		},
		login: func(c *client, login, password string) (bool, string) {
			st, body, resp := portalPost(c, "/user/login", "/user/login", url.Values{"user_name": {login}, "password": {password}})
			if st == 303 && resp.Header.Get("Location") == "/" {
				return true, ""
			}
			if st != 200 {
				c.t.Fatalf("login: %d %s", st, body)
			}
			return false, portalPage(body)
		},
		signedIn: func(c *client) bool {
			st, _, _ := c.do("GET", "/user/settings", "", nil)
			return st == 200
		},
		forgot: func(c *client, email string) (int, string, *http.Response) {
			st, body, resp := portalPost(c, "/user/forgot_password", "/user/forgot_password", url.Values{"email": {email}})
			return st, portalPage(body), resp
		},
		reset: func(c *client, path, password string) bool {
			st, body, _ := c.do("GET", path, "", nil)
			if st == 200 && strings.Contains(body, portalFlash("error", portalMsgBadRecov)) && !strings.Contains(body, "<form class") {
				return false
			}
			code := regexp.MustCompile(`name="code" value="([0-9a-f]+)"`).FindStringSubmatch(body)
			csrf := portalCSRF.FindStringSubmatch(body)
			if st != 200 || code == nil || csrf == nil || !strings.Contains(body, `<button class="ui primary button">Update Password</button>`) {
				c.t.Fatalf("GET %s: %d %s", path, st, body)
			}
			st, body, resp := c.do("POST", "/user/recover_account", "application/x-www-form-urlencoded", []byte(url.Values{
				"_csrf": {csrf[1]}, "code": {code[1]}, "password": {password}, "retype": {password}}.Encode()))
			if st != 303 || resp.Header.Get("Location") != "/user/login" {
				c.t.Fatalf("the new password: %d %s", st, body)
			}
			if st, body, _ := c.do("GET", "/user/login", "", nil); st != 200 || !strings.Contains(body, portalFlash("success", portalMsgUpdated)) {
				c.t.Fatalf("the login page after the reset: %d %s", st, body)
			}
			return true
		},
		good:      "cleo.dev",
		bad:       "Launch Ready Audit",
		badStatus: 200,
		badAnswer: []string{portalFlash("error", portalMsgName),
			`<div class="required field error"><label for="user_name">Username</label><input id="user_name" name="user_name" required maxlength="40" autocomplete="username" value="Launch Ready Audit"></div>`},
		okStatus:      200,
		okAnswer:      portalFlash("success", "A new confirmation email has been sent to ADDRESS. Please check your inbox within the next 3 hours to complete the registration process.") + "\n<h1>Activate your account</h1>",
		takenAnswer:   portalFlash("error", portalMsgEmailUsed),
		inactive:      portalFlash("error", portalMsgInactive),
		forgotAnswer:  `<div class="ui positive message flash-success"><p>A confirmation email has been sent to ADDRESS. Please check your inbox within the next `, // 3 hours, or 1 hour fixed
		tooMany:       portalFlash("error", portalMsgTooMany),
		confirmSubj:   portalSubjActivate,
		resetSubj:     portalSubjRecover,
		limitedStatus: [2]int{200, 200},
	},
	"portal-spa": {
		new: PortalSPA,
		signup: func(c *client, name, email, password string) (int, string, *http.Response) {
			return spaPost(c, "/api/signup", map[string]any{"handle": name, "email": email, "password": password,
				"password2": password, "plan": "team", "terms": true})
		},
		confirm: func(c *client, path string) bool {
			st, body, resp := c.do("GET", path, "", nil)
			switch {
			case st == 303 && resp.Header.Get("Location") == "/login?confirmed=1":
				return true
			case st == 400 && body == `{"error":"`+spaMsgBadLink+`"}`+"\n":
				return false
			}
			c.t.Fatalf("GET %s: %d %s", path, st, body)
			return false
		},
		login: func(c *client, login, password string) (bool, string) {
			st, body, _ := spaPost(c, "/api/login", map[string]string{"email": login, "password": password})
			var tok struct{ Token string }
			if st == 200 && json.Unmarshal([]byte(body), &tok) == nil && tok.Token != "" {
				c.token = tok.Token
				return true, ""
			}
			return false, body
		},
		signedIn: func(c *client) bool {
			st, body, _ := c.do("GET", "/api/me", "", nil, "Authorization", "Bearer "+c.token)
			return st == 200 && strings.Contains(body, `"handle":`)
		},
		forgot: func(c *client, email string) (int, string, *http.Response) {
			return spaPost(c, "/api/forgot", map[string]string{"email": email})
		},
		reset: func(c *client, path, password string) bool {
			get(c.t, c, path) // the shell; its script reads the token from the address
			u, err := url.Parse(path)
			if err != nil || !strings.HasPrefix(path, "/reset?token=") {
				c.t.Fatalf("reset link %q", path)
			}
			st, body, _ := spaPost(c, "/api/reset", map[string]string{"token": u.Query().Get("token"), "password": password, "password2": password})
			switch {
			case st == 200 && body == `{"message":"`+spaMsgUpdated+`"}`+"\n":
				return true
			case st == 400 && body == `{"error":"`+spaMsgBadLink+`"}`+"\n":
				return false
			}
			c.t.Fatalf("the new password: %d %s", st, body)
			return false
		},
		good:          "cleo42",
		bad:           "lr-audit-3f9a",
		badStatus:     422,
		badAnswer:     []string{`{"errors":{"handle":"` + spaMsgHandle + `"}}` + "\n"},
		okStatus:      201,
		okAnswer:      `{"message":"` + spaMsgCreated + `"}`,
		takenAnswer:   `{"errors":{"email":"` + spaMsgEmailUsed + `"}}`,
		inactive:      `{"error":"` + spaMsgConfirm + `"}`,
		forgotAnswer:  `{"message":"` + spaMsgForgot + `"}`,
		tooMany:       `{"error":"` + spaMsgTooMany + `"}`,
		confirmSubj:   spaSubjConfirm,
		resetSubj:     spaSubjReset,
		limitedStatus: [2]int{422, 404},
	},
}

// TestPortal runs the sign-up, confirmation, enumeration, rate-limit and reset checks of both Portal apps in both
// modes, over HTTP, with the mail read from an SMTP sink.
func TestPortal(t *testing.T) {
	for _, name := range []string{"portal", "portal-spa"} {
		for _, mode := range []Mode{Flawed, Fixed} {
			t.Run(name+"/"+mode.String(), func(t *testing.T) {
				t.Parallel()
				testPortal(t, portalFlows[name], name, mode)
			})
		}
	}
}

func testPortal(t *testing.T, f portalFlow, name string, mode Mode) {
	app := f.new(t, mode)
	if app.Name != name || !strings.HasPrefix(app.URL, "https://127.0.0.1:") || app.DeliverTo == nil {
		t.Fatalf("app %q at %q", app.Name, app.URL)
	}
	sink := startPortalSink(t)
	app.DeliverTo(sink.addr)
	const password = "Fresh-portal-Pass-9090"
	fixed := mode == Fixed
	anon := func(answer, address string) string { return strings.ReplaceAll(answer, address, "ADDRESS") }

	// (1) A valid username: the confirmation mail's link confirms the account (once in Fixed mode), which can then
	// sign in; before that only Flawed lets it in.
	email := "cleo@portal.test"
	st, answer, _ := f.signup(ownClient(t, app), f.good, email, password)
	if st != f.okStatus || !strings.Contains(answer, strings.ReplaceAll(f.okAnswer, "ADDRESS", email)) {
		t.Fatalf("sign-up of %s: %d %s", f.good, st, answer)
	}
	link := sink.link(t, app, email, f.confirmSubj)
	ok, answer := f.login(ownClient(t, app), email, password)
	if ok == fixed || fixed && !strings.Contains(answer, f.inactive) {
		t.Errorf("login before the confirmation: %v %s", ok, answer)
	}
	c := ownClient(t, app)
	if !f.confirm(c, link) {
		t.Fatalf("the confirmation link %s was refused", link)
	}
	if again := f.confirm(c, link); again == fixed {
		t.Errorf("the confirmation link taken a second time: %v", again)
	}
	c = ownClient(t, app)
	if ok, answer := f.login(c, strings.ToUpper(email), password); !ok || !f.signedIn(c) {
		t.Fatalf("login after the confirmation: %v %s", ok, answer)
	}

	// (2) The username the rule refuses: the exact message (and, on Portal, the marked field with the typed value).
	st, answer, _ = f.signup(ownClient(t, app), f.bad, "dana@portal.test", password)
	for _, want := range f.badAnswer {
		if st != f.badStatus || !strings.Contains(answer, want) {
			t.Errorf("sign-up of %q: %d, no %s in:\n%s", f.bad, st, want, answer)
		}
	}

	// (3) A registered address: its own answer in Flawed mode, the answer of a new address in Fixed mode (its owner
	// is mailed instead).
	stKnown, known, _ := f.signup(ownClient(t, app), f.good+"a", app.A.Email, password)
	stFresh, fresh, _ := f.signup(ownClient(t, app), f.good+"b", "eli@portal.test", password)
	same := stKnown == stFresh && anon(known, app.A.Email) == anon(fresh, "eli@portal.test")
	switch {
	case fixed && !same:
		t.Errorf("Fixed: a registered address gets %d %s\na new one %d %s", stKnown, known, stFresh, fresh)
	case !fixed && (same || !strings.Contains(known, f.takenAnswer)):
		t.Errorf("Flawed: a registered address gets %d %s", stKnown, known)
	}
	if fixed {
		sink.link(t, app, app.A.Email, portalSubjTried)
	}
	sink.link(t, app, "eli@portal.test", f.confirmSubj)

	// (5) B's password reset by mail: the new password works and the old one not; Fixed spends the link and ends B's
	// other sessions, Flawed keeps both. An unknown address gets the same answer in Fixed mode only.
	old := ownClient(t, app)
	if ok, answer := f.login(old, app.B.Email, app.B.Password); !ok {
		t.Fatalf("B's login: %s", answer)
	}
	c = ownClient(t, app)
	stKnown, known, _ = f.forgot(c, app.B.Email)
	if stKnown != 200 || !strings.Contains(known, strings.ReplaceAll(f.forgotAnswer, "ADDRESS", app.B.Email)) {
		t.Fatalf("reset request for B: %d %s", stKnown, known)
	}
	stUnknown, unknown, _ := f.forgot(c, "nobody@portal.test")
	if same := stUnknown == stKnown && anon(unknown, "nobody@portal.test") == anon(known, app.B.Email); same != fixed {
		t.Errorf("%s: reset request for an unknown address %d %s\nfor B %d %s", mode, stUnknown, unknown, stKnown, known)
	}
	link = sink.link(t, app, app.B.Email, f.resetSubj)
	const newPassword = "Renewed-portal-Pass-5772"
	if !f.reset(c, link, newPassword) {
		t.Fatalf("the reset link %s was refused", link)
	}
	if ok, _ := f.login(ownClient(t, app), app.B.Email, app.B.Password); ok {
		t.Errorf("B's old password still works")
	}
	if ok, answer := f.login(ownClient(t, app), app.B.Email, newPassword); !ok {
		t.Errorf("B's new password: %s", answer)
	}
	if alive := f.signedIn(old); alive == fixed {
		t.Errorf("B's session from before the reset works: %v", alive)
	}
	if again := f.reset(ownClient(t, app), link, newPassword); again == fixed {
		t.Errorf("the reset link taken a second time: %v", again)
	}
	if m := sink.to("nobody@portal.test"); len(m) != 0 {
		t.Errorf("mail to an unknown address: %v", m)
	}

	// (4) On a fresh app: 429 with Retry-After on the 6th sign-up and the 6th reset request in a minute in Fixed mode,
	// never in Flawed mode.
	app = f.new(t, mode)
	for i, send := range []func(c *client) (int, string, *http.Response){
		func(c *client) (int, string, *http.Response) { return f.signup(c, f.bad, "finn@portal.test", password) },
		func(c *client) (int, string, *http.Response) { return f.forgot(c, "nobody@portal.test") },
	} {
		for n := 1; n <= 7; n++ {
			st, answer, resp := send(ownClient(t, app))
			want := f.limitedStatus[i]
			if fixed && i == 1 {
				want = 200 // any address's reset request gets the answer of a registered one
			}
			switch {
			case fixed && n == 6:
				if st != 429 || resp.Header.Get("Retry-After") != "60" || !strings.Contains(answer, f.tooMany) {
					t.Errorf("Fixed, request %d of kind %d: %d Retry-After %q %s", n, i, st, resp.Header.Get("Retry-After"), answer)
				}
			case st != want:
				t.Errorf("%s, request %d of kind %d: %d %s", mode, n, i, st, answer)
			}
			if fixed && n == 6 {
				break
			}
		}
	}
}

// portalMessage is a mail the sink received.
type portalMessage struct {
	to      string // the envelope recipient
	subject string
	header  mail.Header
	body    string
}

// portalSink is an SMTP server on 127.0.0.1 that keeps what the Portal apps send.
type portalSink struct {
	addr    string
	mu      sync.Mutex
	mail    []portalMessage
	arrived chan struct{} // closed and replaced on every delivery
}

func startPortalSink(t *testing.T) *portalSink {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &portalSink{addr: ln.Addr().String(), arrived: make(chan struct{})}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &portalSinkSession{sink: s}, nil }))
	srv.Domain = "sink.test"
	srv.ErrorLog = log.New(io.Discard, "", 0)
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return s
}

// to returns the messages received for addr.
func (s *portalSink) to(addr string) []portalMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []portalMessage
	for _, m := range s.mail {
		if strings.EqualFold(m.to, addr) {
			out = append(out, m)
		}
	}
	return out
}

// link waits (10 s at most) for a plain-text mail to addr with this subject and returns the path of its link,
// which must be on the app.
func (s *portalSink) link(t *testing.T, app *App, addr, subject string) string {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		s.mu.Lock()
		arrived := s.arrived
		var got *portalMessage
		for i, m := range s.mail {
			if strings.EqualFold(m.to, addr) && m.subject == subject {
				got = &s.mail[i]
				break
			}
		}
		s.mu.Unlock()
		if got != nil {
			h := got.header
			if h.Get("From") != "Portal <"+portalFrom+">" || h.Get("Content-Type") != "text/plain; charset=utf-8" ||
				h.Get("Message-ID") == "" || h.Get("Date") == "" || !strings.EqualFold(h.Get("To"), "<"+addr+">") {
				t.Errorf("mail %q to %s: headers %v", subject, addr, h)
			}
			link := portalLinkRe.FindString(got.body)
			base := strings.TrimSuffix(app.URL, "/")
			if !strings.HasPrefix(link, base+"/") {
				t.Fatalf("mail %q to %s: no link to %s in:\n%s", subject, addr, base, got.body)
			}
			return strings.TrimPrefix(link, base)
		}
		select {
		case <-arrived:
		case <-deadline:
			t.Fatalf("no mail %q to %s within 10 s", subject, addr)
		}
	}
}

type portalSinkSession struct {
	sink *portalSink
	rcpt []string
}

func (ss *portalSinkSession) Mail(string, *smtp.MailOptions) error { return nil }

func (ss *portalSinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.rcpt = append(ss.rcpt, to)
	return nil
}

func (ss *portalSinkSession) Data(r io.Reader) error {
	msg, err := mail.ReadMessage(r)
	if err != nil {
		return err
	}
	body, err := io.ReadAll(msg.Body)
	if err != nil {
		return err
	}
	s := ss.sink
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, to := range ss.rcpt {
		s.mail = append(s.mail, portalMessage{to: to, subject: msg.Header.Get("Subject"), header: msg.Header, body: string(body)})
	}
	close(s.arrived)
	s.arrived = make(chan struct{})
	return nil
}

func (ss *portalSinkSession) Reset()        { ss.rcpt = nil }
func (ss *portalSinkSession) Logout() error { return nil }
