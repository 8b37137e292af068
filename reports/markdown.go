package reports

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/audit/ledger"
)

// Markdown writes the report a consultant hands over: the verdict, the scorecard by area, the findings with
// evidence and fix, the passes, what was not checked, and how the audit was run.
type Markdown struct{}

var badge = map[audit.Status]string{
	audit.Pass: "✅ pass", audit.Fail: "❌ fail", audit.Warn: "⚠️ warn", audit.Info: "ℹ️ info",
	audit.Inconclusive: "❔ inconclusive", audit.Skipped: "⏭️ skipped", audit.Error: "💥 error",
	audit.Accepted: "🔷 accepted", audit.Incomplete: "◐ incomplete",
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
	var notes []string
	for _, a := range r.Areas {
		if a.Status == audit.Incomplete || a.Status == audit.Accepted {
			note := fmt.Sprintf("- **%s** is %s", a.Title, a.Status)
			if a.Status == audit.Accepted {
				note += fmt.Sprintf(": %d accepted %s (see Accepted risks), not a pass", a.Counts[audit.Accepted], plural(a.Counts[audit.Accepted], "risk"))
			}
			if a.Undecided != "" {
				note += ": not decided: " + inline(a.Undecided)
			}
			notes = append(notes, note)
		}
	}
	if len(notes) > 0 {
		b.WriteString("\n" + strings.Join(notes, "\n") + "\n")
	}

	if r.Baseline != nil {
		writeBaseline(b, r)
	}

	plan := FixPlan(r.Results)
	fmt.Fprintf(b, "\n## Fix plan (%d)\n\n", len(plan))
	if len(plan) == 0 {
		b.WriteString("Nothing failed or warned.\n\n")
	} else {
		b.WriteString("In the order launch work is done: secrets first, then auth boundaries and sessions, email and DNS, " +
			"deployment hygiene, abuse protection, monitoring, and performance last.\n\n")
	}
	for i, res := range plan {
		fmt.Fprintf(b, "### %d. %s · %s · `%s`: %s%s\n\n%s\n\n", i+1, badge[res.Status], res.Severity, res.ID, inline(res.Title), changeTag(res.Change), inline(res.Summary))
		if len(res.Evidence) > 0 {
			b.WriteString("**Seen:**\n\n")
			writeEvidence(b, res.Evidence)
		}
		if res.Why != "" {
			fmt.Fprintf(b, "**Why it matters:** %s\n\n", inline(res.Why))
		}
		writeFix(b, res.Fix)
		if len(res.Refs) > 0 {
			fmt.Fprintf(b, "**References:** %s\n\n", inline(strings.Join(res.Refs, "; ")))
		}
	}

	writeAccepted(b, r)

	if infos := pickNot(pick(r.Results, audit.Info), "ops"); len(infos) > 0 {
		b.WriteString("## Worth knowing\n\n")
		for _, res := range infos {
			fmt.Fprintf(b, "- `%s` %s: %s\n", res.ID, inline(res.Title), inline(res.Summary))
		}
		b.WriteString("\n")
	}

	passes := pick(r.Results, audit.Pass)
	fmt.Fprintf(b, "## Passed (%d)\n\n", len(passes))
	for _, res := range passes {
		fmt.Fprintf(b, "<details><summary><code>%s</code> %s: %s%s</summary>\n\n", res.ID, inline(res.Title), inline(res.Summary), changeTag(res.Change))
		writeEvidence(b, res.Evidence)
		b.WriteString("</details>\n\n")
	}

	rest := pickNot(pick(r.Results, audit.Inconclusive, audit.Error, audit.Skipped), "ops")
	fmt.Fprintf(b, "## Not checked (%d)\n\n", len(rest))
	if len(rest) > 0 {
		b.WriteString("| Check | Status | Why, and what would enable it |\n|---|---|---|\n")
		for _, res := range rest {
			fmt.Fprintf(b, "| `%s`%s | %s | %s |\n", res.ID, changeTag(res.Change), badge[res.Status], cell(res.Summary))
		}
		b.WriteString("\n")
	}

	writeOps(b, r.Results)

	if len(r.ThirdPartyBlocked)+len(r.ThirdPartyAllowed) > 0 {
		b.WriteString("## Third-party requests\n\nWhat the app's pages load from other hosts: review each (who runs it, what it can read).\n\n")
		for _, u := range r.ThirdPartyBlocked {
			fmt.Fprintf(b, "- blocked (outside the audit's scope): `%s`\n", strings.ReplaceAll(u, "`", "'"))
		}
		for _, u := range r.ThirdPartyAllowed {
			fmt.Fprintf(b, "- loaded (allowed by the plan): `%s`\n", strings.ReplaceAll(u, "`", "'"))
		}
		b.WriteString("\n")
	}

	writeMethod(b, r)
	_, err := io.WriteString(w, b.String())
	return err
}

// writeAccepted lists the accepted risks (never passes: each keeps its severity, summary and evidence in the JSON)
// and the accept file's entries that matched nothing.
func writeAccepted(b *strings.Builder, r *audit.Report) {
	acc := r.AcceptedRisks()
	if len(acc) == 0 && len(r.Stale) == 0 {
		return
	}
	fmt.Fprintf(b, "## Accepted risks (%d)\n\n", len(acc))
	if r.AcceptFile != "" {
		fmt.Fprintf(b, "From `%s`. Each was a %s the team decided to live with until its date; then it counts again.\n\n", strings.ReplaceAll(r.AcceptFile, "`", "'"), "fail or warn")
	}
	if len(acc) > 0 {
		b.WriteString("| Check | Was | Finding | Reason | Until | By |\n|---|---|---|---|---|---|\n")
		for _, res := range acc {
			a := res.Accepted
			fmt.Fprintf(b, "| `%s` | %s · %s | %s | %s | %s | %s |\n", res.ID, a.Was, res.Severity, cell(res.Summary), cell(a.Reason), a.Until, cell(a.By))
		}
		b.WriteString("\n")
	}
	if len(r.Stale) > 0 {
		b.WriteString("Entries that matched nothing in this audit (fixed, or their `match` no longer fits): remove them so the file does not rot.\n\n")
		for _, a := range r.Stale {
			m := ""
			if a.Match != "" {
				m = fmt.Sprintf(" (match %q)", a.Match)
			}
			fmt.Fprintf(b, "- line %d: `%s`%s, until %s: %s\n", a.Line, a.Check, inline(m), a.Until, inline(a.Reason))
		}
		b.WriteString("\n")
	}
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// riskOrder ranks areas as launch work is ordered: secrets, then auth boundaries and sessions, email and DNS,
// deployment hygiene, abuse protection, monitoring, performance.
var riskOrder = map[string]int{
	"secrets": 0,
	"authz":   1, "session": 1, "auth": 1, "cors": 1,
	"email":     2,
	"transport": 3, "headers": 3,
	"ratelimit": 4, "input": 4,
	"ops":  5,
	"perf": 6,
}

// FixPlan is every fail and warn in the order to fix them: by the checklist's risk order of areas, then fails
// before warns, then by severity, then in catalog order.
func FixPlan(results []audit.Result) []audit.Result {
	plan := pick(results, audit.Fail, audit.Warn)
	sort.SliceStable(plan, func(i, j int) bool {
		a, b := plan[i], plan[j]
		if riskOrder[a.Area] != riskOrder[b.Area] {
			return riskOrder[a.Area] < riskOrder[b.Area]
		}
		if a.Status != b.Status {
			return a.Status == audit.Fail
		}
		return a.Severity > b.Severity
	})
	return plan
}

// writeFix shows the fix as numbered steps when it has several sentences.
func writeFix(b *strings.Builder, fix string) {
	steps := sentences(fix)
	switch len(steps) {
	case 0:
	case 1:
		fmt.Fprintf(b, "**Fix:** %s\n\n", inline(steps[0]))
	default:
		b.WriteString("**Fix:**\n\n")
		for i, s := range steps {
			fmt.Fprintf(b, "%d. %s\n", i+1, inline(s))
		}
		b.WriteString("\n")
	}
}

// FixSteps are the steps of a catalog fix, one sentence each: the first is what a panel shows.
func FixSteps(fix string) []string { return sentences(fix) }

// sentences splits prose at a full stop followed by a space and a capital letter ("e.g. Sentry" stays whole).
func sentences(s string) []string {
	var out []string
	s = strings.TrimSpace(s)
	for s != "" {
		cut := -1
		for i := 0; i+2 < len(s); i++ {
			if s[i] == '.' && s[i+1] == ' ' && s[i+2] >= 'A' && s[i+2] <= 'Z' && !strings.HasSuffix(s[:i+1], "e.g.") && !strings.HasSuffix(s[:i+1], "i.e.") {
				cut = i + 1
				break
			}
		}
		if cut < 0 {
			out = append(out, s)
			break
		}
		out = append(out, s[:cut])
		s = strings.TrimSpace(s[cut:])
	}
	return out
}

func changeTag(c audit.Change) string {
	switch c {
	case "":
		return ""
	case audit.ChangeNew:
		return " · **new**"
	default:
		return " · " + string(c)
	}
}

func writeBaseline(b *strings.Builder, r *audit.Report) {
	fmt.Fprintf(b, "\n## Since the last audit\n\nCompared with %s (audited %s).\n\n", inline(r.Baseline.File), r.Baseline.Started)
	for _, c := range []audit.Change{audit.ChangeFixed, audit.ChangeNew, audit.ChangeStill, audit.ChangeUnchecked} {
		var ids []string
		for _, res := range r.Results {
			if res.Change == c {
				ids = append(ids, "`"+res.ID+"`")
			}
		}
		if len(ids) > 0 {
			fmt.Fprintf(b, "- %s (%d): %s\n", strings.ToUpper(string(c[:1]))+string(c[1:]), len(ids), strings.Join(ids, ", "))
		}
	}
}

// writeOps lists the ops answers, clearly as what the team said rather than what the audit saw.
func writeOps(b *strings.Builder, results []audit.Result) {
	var ops []audit.Result
	for _, res := range results {
		if res.Area == "ops" {
			ops = append(ops, res)
		}
	}
	if len(ops) == 0 {
		return
	}
	b.WriteString("## Ops answers (self-reported)\n\n" +
		"The team's own answers, recorded as given: launchready did not observe these.\n\n" +
		"| Question | Answer | Status |\n|---|---|---|\n")
	for _, res := range ops {
		answer := strings.TrimPrefix(res.Summary, "self-reported: ")
		if res.Status == audit.Skipped {
			answer = "not answered"
		}
		fmt.Fprintf(b, "| %s | %s | %s |\n", cell(res.Title), cell(answer), badge[res.Status])
	}
	b.WriteString("\n")
}

// writeMethod says how the audit was run, with the plan as YAML (it holds only the names of password variables).
func writeMethod(b *strings.Builder, r *audit.Report) {
	b.WriteString("## Method\n\n")
	fmt.Fprintf(b, "- Tool: %s %s; started %s; duration %s\n", r.Tool, r.Version, r.Started.UTC().Format("2006-01-02 15:04:05 MST"), r.Duration.Round(100*time.Millisecond))
	fmt.Fprintf(b, "- HTTP requests sent: %d; DNS queries: %d\n", r.Requests, r.Queries)
	if r.BrowserRequests > 0 {
		fmt.Fprintf(b, "- Requests the browser sent to the app (pages, scripts, the app's own API calls): %d\n", r.BrowserRequests)
	}
	if r.Plan != nil {
		fmt.Fprintf(b, "- Scope: %s (no request left these hosts)\n", inline(strings.Join(r.Plan.Hosts(), ", ")))
		fmt.Fprintf(b, "- Active tests (writes to the app): %s\n", yesNo(r.Plan.Active))
	}
	if len(r.Refused) > 0 {
		fmt.Fprintf(b, "- Refused as out of scope: %s\n", inline(strings.Join(r.Refused, ", ")))
	}
	if r.Plan != nil && len(r.Plan.AuthHosts) > 0 {
		fmt.Fprintf(b, "- Out of scope, signed in through only (auth_hosts: the hosted login or identity provider, never tested): %s\n", inline(strings.Join(r.Plan.AuthHosts, ", ")))
		for _, p := range r.AuthPages {
			fmt.Fprintf(b, "  - the browser went through %s\n", inline(p))
		}
	}
	for _, s := range r.SignIn {
		fmt.Fprintf(b, "- Sign-in of %s\n", s)
	}
	b.WriteString("- Secrets of the audit (passwords, session cookies, tokens) are redacted from this report.\n")
	writeSpending(b, r)
	if r.Plan != nil {
		var data bytes.Buffer
		enc := yaml.NewEncoder(&data)
		enc.SetIndent(2)
		if err := enc.Encode(r.Plan); err == nil {
			body := strings.TrimRight(data.String(), "\n")
			fence := fenceFor(body)
			fmt.Fprintf(b, "\nThe plan (passwords are never in it, only the names of the variables that held them):\n\n%syaml\n%s\n%s\n", fence, body, fence)
		}
	}
}

// writeSpending says where the audit's time went, phase by phase, and what each check and each piece of shared
// work sent to the app.
func writeSpending(b *strings.Builder, r *audit.Report) {
	if len(r.Phases) > 0 {
		b.WriteString("\nWhere the time went (phases run one after the other, unless one is said to run beside another or while another rested; the checks of a phase run side by side; what a phase sent includes the shared work its checks started):\n\n" +
			"| Phase | Time | Checks | HTTP requests | Browser requests |\n|---|---|---|---|---|\n")
		for _, p := range r.Phases {
			fmt.Fprintf(b, "| %s | %s | %d | %d | %d |\n", p.Name(), p.Duration.Round(100*time.Millisecond), p.Checks, p.Sent.HTTP, p.Sent.Browser)
		}
	}
	if len(r.Stalled) > 0 {
		b.WriteString("\nWaits on a page that ran to their limit, and what was still loading then (a request that never ends, such as a long poll, or pages slow on this machine: seconds of the audit each):\n\n")
		for _, s := range r.Stalled {
			fmt.Fprintf(b, "- %s\n", inline(s))
		}
	}
	type sender struct {
		name string
		sent ledger.Counts
	}
	var senders []sender
	for _, res := range r.Results {
		if res.Sent.Total() > 0 {
			senders = append(senders, sender{"`" + res.ID + "`", res.Sent})
		}
	}
	for name, c := range r.Shared {
		if c.Total() > 0 {
			senders = append(senders, sender{name + " (shared by several checks)", c})
		}
	}
	if len(senders) == 0 {
		return
	}
	slices.SortFunc(senders, func(x, y sender) int { return strings.Compare(x.name, y.name) })
	b.WriteString("\n<details><summary>What each check sent to the app</summary>\n\n| Sent by | HTTP requests | Browser requests |\n|---|---|---|\n")
	for _, s := range senders {
		fmt.Fprintf(b, "| %s | %d | %d |\n", cell(s.name), s.sent.HTTP, s.sent.Browser)
	}
	b.WriteString("\n</details>\n")
}

func pickNot(results []audit.Result, area string) []audit.Result {
	var out []audit.Result
	for _, r := range results {
		if r.Area != area {
			out = append(out, r)
		}
	}
	return out
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
