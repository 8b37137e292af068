package reports

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/launchready/launchready/audit"
)

// Markdown writes the report a consultant hands over: the verdict, the scorecard by area, the findings with
// evidence and fix, the passes, what was not checked, and how the audit was run.
type Markdown struct{}

var badge = map[audit.Status]string{
	audit.Pass: "✅ pass", audit.Fail: "❌ fail", audit.Warn: "⚠️ warn", audit.Info: "ℹ️ info",
	audit.Inconclusive: "❔ inconclusive", audit.Skipped: "⏭️ skipped", audit.Error: "💥 error",
}

func (Markdown) Write(w io.Writer, r *audit.Report) error {
	b := &strings.Builder{}
	title := r.Name
	if title == "" {
		title = r.Target
	}
	fmt.Fprintf(b, "# Launch readiness: %s\n\n", inline(title))
	fmt.Fprintf(b, "**%s**\n\n", inline(r.Verdict()))
	fmt.Fprintf(b, "Target %s · audited %s · %s · %d requests · %s %s\n\n",
		inline(r.Target), r.Started.UTC().Format("2006-01-02 15:04 MST"), r.Duration.Round(100*time.Millisecond), r.Requests, r.Tool, r.Version)

	b.WriteString("## Scorecard\n\n| Area | Status | Pass | Fail | Warn | Not decided |\n|---|---|---:|---:|---:|---:|\n")
	for _, a := range r.Areas {
		c := a.Counts
		fmt.Fprintf(b, "| %s | %s | %d | %d | %d | %d |\n", a.Title, badge[a.Status], c[audit.Pass], c[audit.Fail], c[audit.Warn],
			c[audit.Inconclusive]+c[audit.Skipped]+c[audit.Error])
	}

	findings := pick(r.Results, audit.Fail, audit.Warn)
	sort.SliceStable(findings, func(i, j int) bool {
		if findings[i].Status != findings[j].Status {
			return findings[i].Status == audit.Fail
		}
		return findings[i].Severity > findings[j].Severity
	})
	fmt.Fprintf(b, "\n## Findings (%d)\n\n", len(findings))
	if len(findings) == 0 {
		b.WriteString("Nothing failed or warned.\n")
	}
	for _, res := range findings {
		fmt.Fprintf(b, "### %s · %s · `%s`: %s\n\n%s\n\n", badge[res.Status], res.Severity, res.ID, inline(res.Title), inline(res.Summary))
		writeEvidence(b, res.Evidence)
		if res.Fix != "" {
			fmt.Fprintf(b, "**Fix:** %s\n\n", inline(res.Fix))
		}
		if len(res.Refs) > 0 {
			fmt.Fprintf(b, "**References:** %s\n\n", inline(strings.Join(res.Refs, "; ")))
		}
	}

	if infos := pick(r.Results, audit.Info); len(infos) > 0 {
		b.WriteString("## Worth knowing\n\n")
		for _, res := range infos {
			fmt.Fprintf(b, "- `%s` %s: %s\n", res.ID, inline(res.Title), inline(res.Summary))
		}
		b.WriteString("\n")
	}

	passes := pick(r.Results, audit.Pass)
	fmt.Fprintf(b, "## Passed (%d)\n\n", len(passes))
	for _, res := range passes {
		fmt.Fprintf(b, "<details><summary><code>%s</code> %s: %s</summary>\n\n", res.ID, inline(res.Title), inline(res.Summary))
		writeEvidence(b, res.Evidence)
		b.WriteString("</details>\n\n")
	}

	rest := pick(r.Results, audit.Inconclusive, audit.Error, audit.Skipped)
	fmt.Fprintf(b, "## Not checked (%d)\n\n", len(rest))
	if len(rest) > 0 {
		b.WriteString("| Check | Status | Why, and what would enable it |\n|---|---|---|\n")
		for _, res := range rest {
			fmt.Fprintf(b, "| `%s` | %s | %s |\n", res.ID, badge[res.Status], cell(res.Summary))
		}
	}

	if len(r.ThirdPartyBlocked)+len(r.ThirdPartyAllowed) > 0 {
		b.WriteString("\n## Third-party requests\n\nWhat the app's pages load from other hosts: review each (who runs it, what it can read).\n\n")
		for _, u := range r.ThirdPartyBlocked {
			fmt.Fprintf(b, "- blocked (outside the audit's scope): `%s`\n", strings.ReplaceAll(u, "`", "'"))
		}
		for _, u := range r.ThirdPartyAllowed {
			fmt.Fprintf(b, "- loaded (allowed by the plan): `%s`\n", strings.ReplaceAll(u, "`", "'"))
		}
	}

	b.WriteString("\n## Method\n\n")
	if r.Plan != nil {
		fmt.Fprintf(b, "- Scope: %s (no request left these hosts)\n", inline(strings.Join(r.Plan.Hosts(), ", ")))
		fmt.Fprintf(b, "- Active tests (writes to the app): %s\n", yesNo(r.Plan.Active))
	}
	fmt.Fprintf(b, "- HTTP requests sent: %d; DNS queries: %d; duration %s\n", r.Requests, r.Queries, r.Duration.Round(100*time.Millisecond))
	if len(r.Refused) > 0 {
		fmt.Fprintf(b, "- Refused as out of scope: %s\n", inline(strings.Join(r.Refused, ", ")))
	}
	b.WriteString("- Secrets of the audit (passwords, session cookies, tokens) are redacted from this report.\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func pick(results []audit.Result, statuses ...audit.Status) []audit.Result {
	var out []audit.Result
	for _, r := range results {
		for _, s := range statuses {
			if r.Status == s {
				out = append(out, r)
			}
		}
	}
	return out
}

func writeEvidence(b *strings.Builder, evs []audit.Evidence) {
	for _, ev := range evs {
		line := "- "
		if ev.Label != "" {
			line += inline(ev.Label)
		}
		if ev.Request != "" {
			line += ": `" + strings.ReplaceAll(ev.Request, "`", "'") + "`"
		}
		if ev.Status != 0 {
			line += fmt.Sprintf(" → %d", ev.Status)
		}
		b.WriteString(line + "\n")
		if body := strings.TrimRight(strings.Join(append(append([]string{}, ev.Headers...), nonEmpty(ev.Excerpt)...), "\n"), "\n"); body != "" {
			fence := fenceFor(body)
			fmt.Fprintf(b, "\n  %s\n%s\n  %s\n", fence, indent(body, "  "), fence)
		}
	}
	if len(evs) > 0 {
		b.WriteString("\n")
	}
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

// fenceFor returns a code fence longer than any run of backticks in s, so evidence cannot break out of it.
func fenceFor(s string) string {
	longest, run := 0, 0
	for _, c := range s {
		if c == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return strings.Repeat("`", max(3, longest+1))
}

func indent(s, pre string) string {
	return pre + strings.ReplaceAll(s, "\n", "\n"+pre)
}

// inline makes text from the target safe inside markdown prose: no raw HTML, no line breaks.
func inline(s string) string {
	return strings.NewReplacer("<", "&lt;", ">", "&gt;", "\n", " ", "\r", "").Replace(s)
}

func cell(s string) string { return strings.ReplaceAll(inline(s), "|", "\\|") }

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no (passive audit)"
}
