package reports

import (
	"encoding/json"
	"io"
	"net/url"
	"strings"

	"github.com/launchready/launchready/audit"
)

// SARIF writes the findings as SARIF 2.1.0 for GitHub code scanning: one rule per catalog check (its title, why
// it matters, the fix and the references), one result per fail or warn, located at the URL it was seen on.
type SARIF struct{}

var _ Reporter = SARIF{}

const sarifSchema = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool        sarifTool         `json:"tool"`
	Invocations []sarifInvocation `json:"invocations"`
	Results     []sarifResult     `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifText struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type sarifRule struct {
	ID                   string         `json:"id"`
	Name                 string         `json:"name"`
	ShortDescription     sarifText      `json:"shortDescription"`
	FullDescription      sarifText      `json:"fullDescription"`
	Help                 sarifText      `json:"help"`
	DefaultConfiguration sarifConfig    `json:"defaultConfiguration"`
	Properties           map[string]any `json:"properties"`
}

type sarifConfig struct {
	Level string `json:"level"`
}

type sarifInvocation struct {
	ExecutionSuccessful bool   `json:"executionSuccessful"`
	StartTimeUTC        string `json:"startTimeUtc"`
	EndTimeUTC          string `json:"endTimeUtc"`
}

type sarifResult struct {
	RuleID     string          `json:"ruleId"`
	RuleIndex  int             `json:"ruleIndex"`
	Level      string          `json:"level"`
	Message    sarifText       `json:"message"`
	Locations  []sarifLocation `json:"locations"`
	Properties map[string]any  `json:"properties"`
	// PartialFingerprints let code scanning follow one finding across runs.
	PartialFingerprints map[string]string `json:"partialFingerprints"`
	// Suppressions mark an accepted risk (SARIF 2.1.0 §3.35): code scanning shows it as dismissed.
	Suppressions []sarifSuppression `json:"suppressions,omitempty"`
}

type sarifSuppression struct {
	Kind          string `json:"kind"`
	Status        string `json:"status"`
	Justification string `json:"justification"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

// securitySeverity is GitHub's numeric scale: 9.0+ critical, 7.0+ high, 4.0+ medium, else low.
var securitySeverity = map[audit.Severity]string{
	audit.Critical: "9.5", audit.High: "8.0", audit.Medium: "5.5", audit.Low: "3.0", audit.SeverityNone: "0.0",
}

func (SARIF) Write(w io.Writer, r *audit.Report) error {
	driver := sarifDriver{Name: r.Tool, Version: r.Version, InformationURI: "https://github.com/launchready/launchready"}
	index := map[string]int{}
	for i, e := range audit.Catalog {
		index[e.ID] = i
		help := e.Fix
		if len(e.Refs) > 0 {
			help += "\n\nReferences: " + strings.Join(e.Refs, "; ")
		}
		driver.Rules = append(driver.Rules, sarifRule{
			ID:                   e.ID,
			Name:                 ruleName(e.ID),
			ShortDescription:     sarifText{Text: e.Title},
			FullDescription:      sarifText{Text: e.Title + ". " + audit.Why(e.ID)},
			Help:                 sarifText{Text: help, Markdown: "**Why it matters:** " + audit.Why(e.ID) + "\n\n**Fix:** " + help},
			DefaultConfiguration: sarifConfig{Level: level(audit.Fail, e.Severity)},
			Properties: map[string]any{
				"tags":              []string{"security", e.Area},
				"security-severity": securitySeverity[e.Severity],
				"precision":         "high",
			},
		})
	}
	results := []sarifResult{}
	for _, res := range append(FixPlan(r.Results), r.AcceptedRisks()...) {
		i, ok := index[res.ID]
		if !ok {
			continue // an edited JSON may hold an ID the catalog no longer has
		}
		loc := location(res, r.Target)
		st := res.Status
		var supp []sarifSuppression
		if res.Accepted != nil {
			st = res.Accepted.Was
			justification := res.Accepted.Reason + " (until " + res.Accepted.Until
			if res.Accepted.By != "" {
				justification += ", by " + res.Accepted.By
			}
			supp = []sarifSuppression{{Kind: "external", Status: "accepted", Justification: justification + ")"}}
		}
		results = append(results, sarifResult{
			Suppressions: supp,
			RuleID:       res.ID, RuleIndex: i, Level: level(st, res.Severity),
			Message:             sarifText{Text: res.Summary},
			Locations:           []sarifLocation{{PhysicalLocation: sarifPhysical{ArtifactLocation: sarifArtifact{URI: loc}}}},
			PartialFingerprints: map[string]string{"launchreadyCheck/v1": res.ID + "@" + hostOf(loc)},
			Properties: map[string]any{
				"status": res.Status, "severity": res.Severity.String(), "security-severity": securitySeverity[res.Severity],
			},
		})
	}
	log := sarifLog{Schema: sarifSchema, Version: "2.1.0", Runs: []sarifRun{{
		Tool: sarifTool{Driver: driver},
		Invocations: []sarifInvocation{{ExecutionSuccessful: true,
			StartTimeUTC: r.Started.UTC().Format("2006-01-02T15:04:05Z"),
			EndTimeUTC:   r.Started.Add(r.Duration).UTC().Format("2006-01-02T15:04:05Z")}},
		Results: results,
	}}}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(log)
}

// level maps a status and severity to SARIF's error/warning/note.
func level(s audit.Status, sev audit.Severity) string {
	switch {
	case s == audit.Fail && sev >= audit.High:
		return "error"
	case s == audit.Fail || s == audit.Warn && sev >= audit.Medium:
		return "warning"
	default:
		return "note"
	}
}

// ruleName turns "authz.idor-read" into "AuthzIdorRead", SARIF's Pascal-case rule name.
func ruleName(id string) string {
	var b strings.Builder
	for _, part := range strings.FieldsFunc(id, func(r rune) bool { return r == '.' || r == '-' }) {
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return b.String()
}

// location is the first absolute http(s) URL in the result's evidence ("GET https://…"), else the target.
func location(res audit.Result, target string) string {
	for _, ev := range res.Evidence {
		for _, f := range strings.Fields(ev.Request) {
			if u, err := url.Parse(f); err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" {
				return u.String()
			}
		}
	}
	return target
}

func hostOf(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.Host != "" {
		return u.Host
	}
	return raw
}
