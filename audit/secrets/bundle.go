package secrets

import (
	"context"
	"crypto/sha256"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"sync"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/browser"
)

// asset is something the browser downloads: a page, a script, a JSON document.
type asset struct {
	URL  string
	Kind string
	Body []byte
}

// downloaded gathers what the app sends to browsers — the first page and its scripts, what the browser loaded
// anonymously and for account A — deduplicated by content. why says what could not be looked at.
func downloaded(ctx context.Context, t *audit.Target) (assets []asset, why []string) {
	seen := map[[32]byte]bool{}
	add := func(u, kind string, body []byte) {
		if len(body) == 0 {
			return
		}
		h := sha256.Sum256(body)
		if seen[h] {
			return
		}
		seen[h] = true
		assets = append(assets, asset{URL: u, Kind: kind, Body: body})
	}
	s := t.Surface(ctx)
	if s.Err != nil {
		why = append(why, "the app page: "+s.Err.Error())
	} else {
		add(s.Page.URL, "Document", s.Page.Body)
		for _, js := range s.Scripts {
			add(js.URL, "Script", js.Body)
		}
	}
	addTraffic := func(xs []browser.Exchange) {
		for _, x := range xs {
			u, err := url.Parse(x.URL)
			if err != nil || !t.Probe.InScope(u) {
				continue
			}
			switch x.Type {
			case "Document", "Script":
				add(x.URL, x.Type, x.Body)
			case "XHR", "Fetch":
				if strings.Contains(x.MIME, "json") || strings.Contains(x.MIME, "javascript") {
					add(x.URL, "JSON", x.Body)
				}
			}
		}
	}
	if anon, err := t.AnonymousVisit(ctx); err == nil {
		addTraffic(anon)
	} else {
		why = append(why, "the browser's view: "+err.Error())
	}
	if bs, err := t.BrowserSession(ctx, "a"); err == nil {
		addTraffic(bs.Traffic)
	} else {
		why = append(why, "the logged-in pages: "+err.Error())
	}
	return assets, why
}

// scanAll scans assets concurrently (four at a time).
func scanAll(assets []asset, known func(string) bool) ([]Finding, error) {
	var mu sync.Mutex
	var all []Finding
	var firstErr error
	sem := make(chan struct{}, 4)
	var wg sync.WaitGroup
	for _, a := range assets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			fs, err := Scan(a.URL, a.Body, known)
			mu.Lock()
			defer mu.Unlock()
			if err != nil && firstErr == nil {
				firstErr = err
			}
			all = append(all, fs...)
		}()
	}
	wg.Wait()
	sort.SliceStable(all, func(i, j int) bool { return all[i].Where < all[j].Where })
	return all, firstErr
}

// ClientBundle scans every page, script and JSON document the browser downloads for secrets; keys that are public
// by design are listed as info with what must protect the data instead.
func ClientBundle(ctx context.Context, t *audit.Target) audit.Result {
	assets, why := downloaded(ctx, t)
	if len(assets) == 0 {
		return audit.Undecided("nothing the browser downloads could be loaded: " + strings.Join(why, "; "))
	}
	findings, err := scanAll(assets, t.Probe.Redactor().Known)
	if err != nil {
		return audit.Result{Status: audit.Error, Summary: "the secret scanner failed to start: " + err.Error()}
	}
	// An API answer to the logged-in account carries that account's own session tokens: not a leak. A JWT there
	// counts only when its role claim makes it a key (a Supabase service_role key handed to the browser).
	kinds := map[string]string{}
	for _, a := range assets {
		kinds[a.URL] = a.Kind
	}
	kept := findings[:0]
	for _, f := range findings {
		if kinds[f.Where] == "JSON" && f.Rule == "jwt" {
			continue
		}
		kept = append(kept, f)
	}
	findings = kept
	res := judgeFindings(findings, fmt.Sprintf("%d pages, scripts and JSON documents (%s)", len(assets), kB(assets)), why, "rotate it, it is public")
	if libs := libraries(assets); libs != "" {
		res.Evidence = append(res.Evidence, audit.Note("recognised as open-source libraries (scanned with the providers' rules; generic matches not counted)", libs))
	}
	return res
}

// judgeFindings turns findings into a result: any secret fails, public keys alone are info.
func judgeFindings(findings []Finding, scanned string, why []string, advice string) audit.Result {
	var secrets, public []Finding
	for _, f := range findings {
		if f.Public {
			public = append(public, f)
		} else {
			secrets = append(secrets, f)
		}
	}
	var evs []audit.Evidence
	for _, f := range append(append([]Finding{}, secrets...), public...) {
		evs = append(evs, f.evidence())
	}
	scannedEv := audit.Note("scanned", scanned)
	switch {
	case len(secrets) > 0:
		var parts []audit.Result
		for _, f := range secrets {
			parts = append(parts, f.result(advice))
		}
		res := audit.Combine(parts...)
		res.Evidence = append(evs, scannedEv)
		return res
	case len(why) > 0:
		return audit.Undecided("no secret in what could be scanned, but not everything could: "+strings.Join(why, "; "), append(evs, scannedEv)...)
	case len(public) > 0:
		var names []string
		for _, f := range public {
			names = append(names, f.What)
		}
		return audit.Passed(fmt.Sprintf("no secret in %s; public-by-design keys (info): %s, each with what must protect the data instead", scanned, strings.Join(uniq(names), ", ")), append(evs, scannedEv)...)
	}
	return audit.Passed("no secret in "+scanned, scannedEv)
}

// result is one secret's verdict: a provider's key fails; a generic match is a warning to verify.
func (f Finding) result(advice string) audit.Result {
	if f.Generic {
		return audit.Warned(f.Severity, fmt.Sprintf("%s in %s (%s): looks like a credential, verify and rotate it if real", f.What, short(f.Where), f.Redacted))
	}
	return audit.Failed(f.Severity, fmt.Sprintf("%s in %s (%s): %s", f.What, short(f.Where), f.Redacted, advice))
}

func (f Finding) evidence() audit.Evidence {
	label := fmt.Sprintf("%s (%s)", f.What, f.Rule)
	excerpt := f.Excerpt
	if f.Generic {
		excerpt += fmt.Sprintf("\nfound by a generic rule: a quoted value of %d characters, %.1f bits of entropy per character (the threshold is %.1f), assigned to a key-like name", len(f.Secret), entropy(f.Secret), minGenericBits)
	}
	if f.Public {
		excerpt += "\npublic by design: " + f.Protect
	}
	return audit.Evidence{Label: label, Request: fmt.Sprintf("%s line %d", f.Where, f.Line), Excerpt: excerpt}
}

// libraries lists the assets recognised as library bundles, each with why, at most 8.
func libraries(assets []asset) string {
	var lines []string
	for _, a := range assets {
		if why := Library(a.URL, a.Body); why != "" {
			if len(lines) == 8 {
				lines = append(lines, "…")
				break
			}
			lines = append(lines, short(a.URL)+": "+why)
		}
	}
	return strings.Join(lines, "\n")
}

func short(u string) string {
	if p, err := url.Parse(u); err == nil && p.Path != "" {
		return p.Path
	}
	return u
}

func uniq(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, v := range s {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

func kB(assets []asset) string {
	n := 0
	for _, a := range assets {
		n += len(a.Body)
	}
	return fmt.Sprintf("%d KiB", (n+1023)/1024)
}
