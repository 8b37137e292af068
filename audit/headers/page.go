package headers

import (
	"context"
	"fmt"
	"net/url"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/audit/probe"
)

// mainDocument returns the app's page as the anonymous visitor gets it, or the inconclusive result to report.
func mainDocument(ctx context.Context, t *audit.Target) (*probe.Response, *audit.Result) {
	s := t.Surface(ctx)
	if s.Err != nil {
		r := audit.Undecided("could not load the app page: " + s.Err.Error())
		return nil, &r
	}
	if who := probe.BotCheck(s.Page); who != "" {
		r := audit.Undecided(fmt.Sprintf("%s answered the app page (%d) instead of the app, so its headers are the check's: let the audit's address through (an allow rule for its IP or user agent) to judge the app's own", who, s.Page.Status),
			audit.Exchange("app page", s.Page))
		return nil, &r
	}
	if s.Page.Status == 429 {
		r := audit.Undecided("the app page answered 429 (a limit): its headers may be the limiter's, not the app's",
			audit.Exchange("app page", s.Page))
		return nil, &r
	}
	if s.Page.Status >= 500 {
		r := audit.Undecided("the app page answered with an error, so its headers say little",
			audit.Exchange("app page", s.Page))
		return nil, &r
	}
	return s.Page, nil
}

func isHTTPS(resp *probe.Response) bool {
	u, err := url.Parse(resp.URL)
	return err == nil && u.Scheme == "https"
}
