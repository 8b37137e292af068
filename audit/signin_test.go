package audit

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// login: manual where nobody can sign in: without a display the error says so and points at storage_state; with
// nobody at the terminal it says to run interactively. Neither opens a browser, and every check that needs the
// account gets the reason.
func TestSignInByHandNeedsAScreenAndAPerson(t *testing.T) {
	tests := []struct {
		name    string
		display bool
		person  SignInByHand
		want    []string
	}{
		{"no display", false, func(context.Context, SignInWindow) error { return nil }, []string{"no display", "DISPLAY", "storage_state"}},
		{"nobody at the terminal", true, nil, []string{"needs someone at the terminal", "storage_state"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			had := HasDisplay
			HasDisplay = func() bool { return tt.display }
			t.Cleanup(func() { HasDisplay = had })
			plan := &Plan{App: "https://127.0.0.1:1/", Accounts: Accounts{A: &Account{Email: "a@app.test", Login: LoginManual}}}
			tg, err := NewTarget(plan, func(string) string { return "" })
			if err != nil {
				t.Fatal(err)
			}
			defer tg.Close()
			tg.SignInByHand = tt.person
			_, err = tg.Login(t.Context(), "a")
			for _, w := range tt.want {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("error %v, want it to say %q", err, w)
				}
			}
			if res := LoginOutcome(err); res.Status != Inconclusive {
				t.Errorf("the checks that need A report %s, want inconclusive", res.Status)
			}
			if tg.browser.engine != nil {
				t.Error("a browser was started")
			}
			if _, _, err := tg.credentials("a"); !errors.Is(err, ErrNoPassword) {
				t.Errorf("credentials of a manual account: %v, want ErrNoPassword", err)
			}
		})
	}
}

// What the person at the window is told: whom to sign in as, why again, and what the window could not load.
func TestSignInPrompt(t *testing.T) {
	tests := []struct {
		w    SignInWindow
		want string
	}{
		{SignInWindow{Account: "a", Email: "ann@app.test"}, "Sign in as A (ann@app.test) in the browser window, then press enter"},
		{SignInWindow{Account: "b", Email: "bo@app.test", Again: errors.New("it shows the login form at https://app.test/login")},
			"Not signed in yet (it shows the login form at https://app.test/login). Sign in as B (bo@app.test) in the browser window, then press enter"},
		{SignInWindow{Account: "a", Email: "ann@app.test", Blocked: []string{"ssl.gstatic.com", "www.gstatic.com"}},
			"Sign in as A (ann@app.test) in the browser window, then press enter (the window was kept from loading ssl.gstatic.com, www.gstatic.com: if the sign-in page looks broken, add them to auth_hosts)"},
	}
	for _, tt := range tests {
		if got := tt.w.Prompt(); got != tt.want {
			t.Errorf("prompt\n got %q\nwant %q", got, tt.want)
		}
	}
}

func TestMailCode(t *testing.T) {
	tests := []struct{ text, want string }{
		{"Your sign-in code is 482913\n\nIt expires in 10 minutes.", "482913"},
		{"Order 20261202 shipped. Your verification code: 55012345", "55012345"},
		{"Use 731904 to sign in.", "731904"},
		{"Invoice 20261202 and ticket 99887766", ""}, // two numbers, no word for a code: none is guessed
		{"Click the link to sign in.", ""},
	}
	for _, tt := range tests {
		if got := mailCode(tt.text); got != tt.want {
			t.Errorf("mailCode(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}

// A mail's links: the token in a sign-in or reset link is a secret; the app's home page in the footer is not (its
// address would otherwise be blanked out of every piece of evidence).
func TestLinkSecrets(t *testing.T) {
	tests := []struct {
		link string
		want []string
	}{
		{"https://app.test/", nil},
		{"https://app.test/settings?utm_source=mail", nil},
		{"https://app.test/auth/magic?token=9f8e7d6c5b4a39281706f5e4d3c2b1a0", []string{"9f8e7d6c5b4a39281706f5e4d3c2b1a0", "https://app.test/auth/magic?token=9f8e7d6c5b4a39281706f5e4d3c2b1a0"}},
		{"https://app.test/reset/Zx81kQpLm2", []string{"Zx81kQpLm2", "https://app.test/reset/Zx81kQpLm2"}},
		{"https://app.test/verify?code=482913", []string{"482913", "https://app.test/verify?code=482913"}},
		{"https://app.test/#/confirm/access_token=eyJhbGciOiJIUzI1NiJ9.e30.abc", []string{"eyJhbGciOiJIUzI1NiJ9.e30.abc", "https://app.test/#/confirm/access_token=eyJhbGciOiJIUzI1NiJ9.e30.abc"}},
	}
	for _, tt := range tests {
		if got := linkSecrets(tt.link); strings.Join(got, " ") != strings.Join(tt.want, " ") {
			t.Errorf("linkSecrets(%q) = %q, want %q", tt.link, got, tt.want)
		}
	}
}
