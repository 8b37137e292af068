package transport

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"syscall"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/audit/probe"
)

// HTTPSRedirect checks that http:// answers with a permanent redirect to https:// on the same host, in one hop.
func HTTPSRedirect(ctx context.Context, t *audit.Target) audit.Result {
	if t.HTTP == nil {
		return audit.NotRun(fmt.Sprintf("the app is on port %s, so its plain-HTTP address cannot be guessed: set http_url in the plan", t.App.Port()))
	}
	resp, err := t.Probe.Do(ctx, &probe.Request{URL: t.HTTP.String(), Shared: true})
	if err != nil {
		if errors.Is(err, syscall.ECONNREFUSED) && t.App.Scheme == "https" {
			return audit.Warned(audit.Low, "nothing answers on "+t.HTTP.String()+": visitors who type the bare domain get an error instead of the app; answer port 80 with a 301 to https://",
				audit.Note("plain HTTP", err.Error()))
		}
		return audit.Undecided("could not reach the plain-HTTP address: " + err.Error())
	}
	loc := resp.Header.Get("Location")
	ev := audit.Exchange("plain-HTTP request", resp, "Location")
	var to *url.URL
	var perr error
	if loc != "" {
		to, perr = t.HTTP.Parse(loc)
	}
	switch {
	case resp.Status < 300 || resp.Status >= 400:
		return audit.Failed(0, fmt.Sprintf("http:// answers %d instead of redirecting to https://: passwords and session cookies can travel unencrypted", resp.Status), ev)
	case loc == "" || perr != nil:
		return audit.Failed(0, fmt.Sprintf("http:// answers %d without a usable Location", resp.Status), ev)
	case to.Scheme != "https":
		return audit.Failed(0, "http:// redirects to "+to.String()+", not to https://", ev)
	case !strings.EqualFold(to.Hostname(), t.HTTP.Hostname()):
		return audit.Warned(audit.Low, fmt.Sprintf("http:// redirects to another host (%s): redirect to https:// on the same host first, so HSTS applies to it", to.Hostname()), ev)
	case resp.Status == 302 || resp.Status == 303 || resp.Status == 307:
		return audit.Warned(audit.Low, fmt.Sprintf("http:// redirects to https:// with a temporary %d: use 301 or 308 so browsers remember it", resp.Status), ev)
	}
	return audit.Passed(fmt.Sprintf("http:// answers %d → %s", resp.Status, to.String()), ev)
}
