package session

import "github.com/launchready/launchready/browser"

// landingCSP returns the Content-Security-Policy the browser received with the landing document.
func landingCSP(landing string, traffic []browser.Exchange) string {
	for i := len(traffic) - 1; i >= 0; i-- {
		x := traffic[i]
		if x.Type == "Document" && x.URL == landing {
			return x.ResponseHeader["content-security-policy"]
		}
	}
	for _, x := range traffic {
		if x.Type == "Document" {
			return x.ResponseHeader["content-security-policy"]
		}
	}
	return ""
}
