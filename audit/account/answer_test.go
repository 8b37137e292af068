package account

import (
	"errors"
	"fmt"
	"testing"

	"github.com/launchready/launchready/browser"
)

// A login a limit refused is told by what the app answered and showed, never by the words of the error around it:
// a screenshot path or the tool's own reason that happens to hold "429" or "too many" is not a limit.
func TestLimitedLogin(t *testing.T) {
	shot := "/tmp/launchready-4291/login-a.png"
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"the app answered 429", &browser.LoginError{Reason: "the app answered 429 to the login", Status: 429}, true},
		{"the account is locked (423)", &browser.LoginError{Reason: "the login form is still there", Status: 423}, true},
		{"the page says so", &browser.LoginError{Reason: "the login form is still there", Said: "Too many attempts. Try again in a minute."}, true},
		{"wrapped", fmt.Errorf("account a: %w", &browser.LoginError{Status: 429}), true},
		{"a wrong password, 429 in the screenshot path", &browser.LoginError{Reason: "the login form is still there", Said: "Wrong email or password", Screenshot: shot}, false},
		{"the tool's own words", &browser.LoginError{Reason: "too many redirects before the login form"}, false},
		{"not a browser login at all", errors.New("account a: login over HTTP did not take (POST /login answered 429)"), false},
		{"no error", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := LimitedLogin(tt.err); got != tt.want {
				t.Errorf("LimitedLogin(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}
