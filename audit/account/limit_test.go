package account

import (
	"testing"

	"github.com/launchready/launchready/browser"
)

func TestLimitSaid(t *testing.T) {
	tests := []struct {
		name string
		r    browser.FormResult
		want string
	}{
		{"a 429", browser.FormResult{Status: 429}, "answer 429"},
		{"an alert", browser.FormResult{Status: 200, Alert: "Too many attempts, try again later"}, "answer 200 Too many attempts, try again later"},
		{"a plain paragraph (Gitea)", browser.FormResult{Status: 200, Text: "Explore Help Sign In Forgot password You have already requested an activation email recently. Please wait 3 minutes and try again. Powered by Gitea"},
			"Explore Help Sign In Forgot password You have already requested an activation email recently. Please wait 3 minutes and try again."},
		{"after another sentence", browser.FormResult{Status: 200, Text: "Reset. Too many requests from you. Back"}, "Too many requests from you. Back"},
		{"a reCAPTCHA notice is no limit", browser.FormResult{Status: 200, Text: "Check your inbox. This site is protected by reCAPTCHA."}, ""},
		{"an API product's rate limits are no limit", browser.FormResult{Status: 200, Text: "Rate limits: 100 requests a minute on the free plan."}, ""},
		{"nothing", browser.FormResult{Status: 200, Text: "Check your inbox."}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := LimitSaid(&tt.r); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
