package transport

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/audit/probe"
)

// edgeSignature recognises a CDN/WAF or hosting edge by the headers it adds. Samples are response headers the
// provider really sends; the test runs each.
type edgeSignature struct {
	Name    string
	Match   func(h http.Header) bool
	Samples []http.Header
}

func header(name, pattern string) func(http.Header) bool {
	re := regexp.MustCompile(pattern)
	return func(h http.Header) bool {
		for _, v := range h.Values(name) {
			if re.MatchString(v) {
				return true
			}
		}
		return false
	}
}

func has(name string) func(http.Header) bool {
	return func(h http.Header) bool { return h.Get(name) != "" }
}

func any(fs ...func(http.Header) bool) func(http.Header) bool {
	return func(h http.Header) bool {
		for _, f := range fs {
			if f(h) {
				return true
			}
		}
		return false
	}
}

var edgeSignatures = []edgeSignature{
	{"Cloudflare", any(has("Cf-Ray"), header("Server", `(?i)^cloudflare`)), []http.Header{{"Server": {"cloudflare"}, "Cf-Ray": {"8a1b2c3d4e5f6a7b-AMS"}}}},
	{"Fastly", any(has("X-Fastly-Request-Id"), header("X-Served-By", `(?i)^cache-`), header("Via", `(?i)varnish`)), []http.Header{{"X-Served-By": {"cache-ams21045-AMS"}, "X-Cache": {"HIT"}, "Via": {"1.1 varnish"}}}},
	{"Akamai", any(header("Server", `(?i)AkamaiGHost|AkamaiNetStorage`), has("X-Akamai-Transformed"), has("Akamai-Grn")), []http.Header{{"Server": {"AkamaiGHost"}}}},
	{"Amazon CloudFront", any(has("X-Amz-Cf-Id"), has("X-Amz-Cf-Pop"), header("Via", `(?i)cloudfront`)), []http.Header{{"Via": {"1.1 0a1b2c3d.cloudfront.net (CloudFront)"}, "X-Amz-Cf-Pop": {"FRA56-P1"}}}},
	{"Vercel", any(has("X-Vercel-Id"), header("Server", `(?i)^Vercel`)), []http.Header{{"Server": {"Vercel"}, "X-Vercel-Id": {"fra1::iad1::abcde-1700000000000-0123456789ab"}}}},
	{"Netlify", any(has("X-Nf-Request-Id"), header("Server", `(?i)^Netlify`)), []http.Header{{"Server": {"Netlify"}, "X-Nf-Request-Id": {"01HABCDEFGHJKMNPQRSTVWXYZ0"}}}},
	{"Fly.io", any(has("Fly-Request-Id"), header("Server", `(?i)^Fly/`)), []http.Header{{"Server": {"Fly/6b0b8a0 (2026-10-01)"}, "Fly-Request-Id": {"01HABC-ams"}}}},
	{"Render", any(has("Rndr-Id"), has("X-Render-Origin-Server")), []http.Header{{"Rndr-Id": {"0a1b2c3d-4e5f-4a7b"}, "X-Render-Origin-Server": {"uvicorn"}}}},
	{"Azure Front Door", any(has("X-Azure-Ref"), has("X-Fd-Healthprobe")), []http.Header{{"X-Azure-Ref": {"20261123T091500Z-abcdef0123456789"}}}},
	{"Google Cloud", any(header("Via", `(?i)google`), header("Server", `(?i)Google Frontend|^gws$|^ESF$`)), []http.Header{{"Via": {"1.1 google"}, "Server": {"Google Frontend"}}}},
}

// Edge reports which CDN/WAF or hosting edge fronts each of the plan's origins (info either way).
func Edge(ctx context.Context, t *audit.Target) audit.Result {
	var lines, found []string
	var evs []audit.Evidence
	decided := 0
	for _, o := range t.Origins() {
		resp, err := t.Probe.Do(ctx, &probe.Request{URL: o.String(), Shared: true})
		if err != nil {
			lines = append(lines, o.Host+": "+err.Error())
			continue
		}
		decided++
		var names []string
		for _, sig := range edgeSignatures {
			if sig.Match(resp.Header) {
				names = append(names, sig.Name)
			}
		}
		if len(names) == 0 {
			lines = append(lines, o.Host+": none detected")
		} else {
			lines = append(lines, o.Host+": "+strings.Join(names, ", "))
			found = append(found, names...)
		}
		evs = append(evs, audit.Exchange("edge headers of "+o.Host, resp, "Server", "Via", "Cf-Ray", "X-Served-By", "X-Amz-Cf-Pop", "X-Vercel-Id", "X-Nf-Request-Id"))
	}
	if decided == 0 {
		return audit.Undecided("the app could not be reached: " + strings.Join(lines, "; "))
	}
	evs = append(evs, audit.Note("edge by host", strings.Join(lines, "\n")))
	if len(found) == 0 {
		return audit.Informed("no CDN/WAF detected in front of the app: the checklist advises putting Cloudflare or another edge in front (DDoS absorption, rate limiting and TLS at the edge)", evs...)
	}
	sort.Strings(found)
	return audit.Informed(fmt.Sprintf("fronted by %s", strings.Join(uniqueStrings(found), ", ")), evs...)
}

func uniqueStrings(s []string) []string {
	var out []string
	for i, v := range s {
		if i == 0 || s[i-1] != v {
			out = append(out, v)
		}
	}
	return out
}
