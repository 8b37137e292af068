package secrets

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/audit/probe"
)

// maxMaps bounds how many scripts have their source map looked for.
const maxMaps = 12

var mappingURL = regexp.MustCompile(`//[#@]\s*sourceMappingURL=(\S+)\s*$`)

// sourceMap is the part of a source map (revision 3) that matters here.
type sourceMap struct {
	Version        int       `json:"version"`
	Sources        []string  `json:"sources"`
	SourcesContent []*string `json:"sourcesContent"`
	Mappings       *string   `json:"mappings"`
}

// SourceMaps requests the source map of every script the app serves: a public map publishes the original source
// (warn), and a secret in its sourcesContent is as public as one in the bundle (fail).
func SourceMaps(ctx context.Context, t *audit.Target) audit.Result {
	assets, why := downloaded(ctx, t)
	var scripts []asset
	for _, a := range assets {
		if a.Kind == "Script" && len(scripts) < maxMaps {
			scripts = append(scripts, a)
		}
	}
	if len(scripts) == 0 {
		if len(why) > 0 {
			return audit.Undecided("no script could be loaded: " + strings.Join(why, "; "))
		}
		return audit.Passed("the app serves no script of its own, so there is no source map to publish")
	}
	var parts []audit.Result
	checked := 0
	for _, s := range scripts {
		mapURL := mapLocation(s)
		if mapURL == "" {
			continue
		}
		resp, err := t.Probe.Do(ctx, &probe.Request{URL: mapURL})
		if err != nil {
			parts = append(parts, audit.Undecided(err.Error()))
			continue
		}
		if probe.NoVerdict(resp.Status) {
			parts = append(parts, audit.Undecided(fmt.Sprintf("%s answered %d (a limit or a failing server), so whether it is public is not known", short(mapURL), resp.Status)))
			continue
		}
		checked++
		sm, ok := parseMap(resp.Body)
		if resp.Status == 200 && !ok && resp.Truncated && looksLikeMap(resp.Body) {
			ev := audit.Exchange("source map of "+short(s.URL), resp, "Content-Type")
			parts = append(parts, audit.Warned(audit.Low, fmt.Sprintf("%s is public: it publishes the original source of %s (too large to read whole, so its sourcesContent was not scanned for secrets)", short(mapURL), short(s.URL)), ev))
			continue
		}
		if resp.Status != 200 || !ok {
			continue
		}
		ev := audit.Exchange("source map of "+short(s.URL), resp, "Content-Type")
		ev.Excerpt = fmt.Sprintf("%d original files: %s", len(sm.Sources), strings.Join(first(sm.Sources, 6), ", "))
		parts = append(parts, audit.Warned(audit.Low, fmt.Sprintf("%s is public: it publishes the original source of %s", short(mapURL), short(s.URL)), ev))
		// The app's own sources and the libraries' (node_modules, the bundler's runtime) are scanned apart: generic
		// matches count in the app's code only.
		var own, libs bytes.Buffer
		for i, c := range sm.SourcesContent {
			if c == nil {
				continue
			}
			src := at(sm.Sources, i)
			w := &own
			if Library(src, []byte(*c)) != "" || strings.Contains(src, "webpack/") || strings.Contains(src, "(webpack)") {
				w = &libs
			}
			fmt.Fprintf(w, "// %s\n%s\n", src, *c)
		}
		var findings []Finding
		for _, part := range []struct {
			content []byte
			library string
		}{{own.Bytes(), ""}, {libs.Bytes(), "library sources"}} {
			fs, err := scanAs(mapURL, part.content, t.Probe.Redactor().Known, part.library)
			if err != nil {
				return audit.Result{Status: audit.Error, Summary: "the secret scanner failed to start: " + err.Error()}
			}
			findings = append(findings, fs...)
		}
		for _, f := range findings {
			if f.Public {
				continue
			}
			e := f.evidence()
			if f.Generic {
				parts = append(parts, audit.Warned(f.Severity, fmt.Sprintf("%s in the sourcesContent of %s (%s): looks like a credential, verify and rotate it if real", f.What, short(mapURL), f.Redacted), e))
				continue
			}
			parts = append(parts, audit.Failed(audit.Critical, fmt.Sprintf("%s in the sourcesContent of %s (%s)", f.What, short(mapURL), f.Redacted), e))
		}
	}
	if len(parts) > 0 {
		return audit.Combine(parts...)
	}
	if checked == 0 {
		return audit.Undecided("no source map location could be requested")
	}
	return audit.Passed(fmt.Sprintf("no public source map for the %d scripts the app serves", len(scripts)),
		audit.Note("scripts", scriptList(scripts)))
}

// mapLocation is where a script's source map would be: its sourceMappingURL comment, or the script's URL + ".map".
func mapLocation(s asset) string {
	base, err := url.Parse(s.URL)
	if err != nil {
		return ""
	}
	tail := s.Body[max(0, len(s.Body)-512):]
	if m := mappingURL.FindSubmatch(bytes.TrimSpace(tail)); m != nil && !bytes.HasPrefix(m[1], []byte("data:")) {
		if u, err := base.Parse(string(m[1])); err == nil {
			return u.String()
		}
	}
	u := *base
	u.RawQuery = ""
	u.Path += ".map"
	return u.String()
}

func parseMap(body []byte) (*sourceMap, bool) {
	var sm sourceMap
	if json.Unmarshal(body, &sm) != nil || sm.Version != 3 || sm.Mappings == nil {
		return nil, false
	}
	return &sm, true
}

func at(s []string, i int) string {
	if i < len(s) {
		return s[i]
	}
	return fmt.Sprint("source ", i)
}

func first(s []string, n int) []string { return s[:min(n, len(s))] }

func scriptList(scripts []asset) string {
	var out []string
	for _, s := range scripts {
		out = append(out, s.URL)
	}
	return strings.Join(out, "\n")
}

// looksLikeMap reports the start of a source map (JSON with version 3 and its sources or mappings), for a body cut
// at the read cap that no longer parses.
func looksLikeMap(b []byte) bool {
	head := b[:min(len(b), 4096)]
	return bytes.HasPrefix(bytes.TrimSpace(head), []byte("{")) && bytes.Contains(head, []byte(`"version"`)) &&
		(bytes.Contains(head, []byte(`"sources"`)) || bytes.Contains(head, []byte(`"mappings"`)))
}
