package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/reports"
)

// outputOptions are the flags every command that ends in a report shares: demo, run, check and report.
type outputOptions struct {
	noTUI     bool
	quiet     bool
	json      string
	md        string
	sarif     string
	outputDir string
	failOn    string
	failNew   bool
	baseline  string
	accept    string

	failSev audit.Severity
	base    *audit.Report     // the baseline report, read before the audit starts
	accepts *audit.AcceptFile // the accepted risks, read before the audit starts
	// saveSession names, per account signing in by hand, where the wizard was told to save its session.
	saveSession map[string]string
}

func (o *outputOptions) register(fs *flag.FlagSet) {
	fs.BoolVar(&o.noTUI, "no-tui", false, "print plain progress lines instead of the interactive view")
	fs.BoolVar(&o.quiet, "quiet", false, "print only the verdict and the IDs of failing checks")
	fs.StringVar(&o.json, "json", "", "write the JSON report to `FILE` (mode 0600)")
	fs.StringVar(&o.md, "md", "", "write the markdown report to `FILE` (mode 0600)")
	fs.StringVar(&o.sarif, "sarif", "", "write a SARIF 2.1.0 log to `FILE` for GitHub code scanning (mode 0600)")
	fs.StringVar(&o.outputDir, "output-dir", "", "write the JSON, markdown and SARIF reports into `DIR` with timestamped names")
	fs.StringVar(&o.failOn, "fail-on", "", "exit 1 when a fail of at least `SEVERITY` (low, medium, high, critical) exists")
	fs.BoolVar(&o.failNew, "fail-on-new", false, "with --baseline: exit 1 only for fails that are new since the baseline (at --fail-on, default low)")
	fs.StringVar(&o.baseline, "baseline", "", "compare with an earlier JSON report `OLD.json`: mark each result new, fixed or still failing")
	fs.StringVar(&o.accept, "accept", "", "the accepted risks `FILE` (YAML: check, match, reason, until, by): matched fails and warns are reported as accepted until their date")
}

// validate checks the flags and reads the baseline, so that a mistake stops the command before any audit traffic.
func (o *outputOptions) validate() error {
	if o.failOn != "" {
		sev, err := audit.ParseSeverity(o.failOn)
		if err != nil || sev == audit.SeverityNone {
			return usageError{fmt.Errorf("--fail-on: %q is not one of low, medium, high, critical", o.failOn)}
		}
		o.failSev = sev
	}
	if o.failNew {
		if o.baseline == "" {
			return usageError{errors.New("--fail-on-new needs --baseline OLD.json: new is counted against a baseline")}
		}
		o.failSev = max(o.failSev, audit.Low)
	}
	if o.baseline != "" {
		base, err := readReportFile(o.baseline)
		if err != nil {
			return usageError{fmt.Errorf("--baseline: %w", err)}
		}
		o.base = base
	}
	return o.readAccept(o.accept)
}

// readAccept reads the accept file at path ("" for none); a mistake in it stops the command, with its lines.
func (o *outputOptions) readAccept(path string) error {
	if path == "" {
		return nil
	}
	f, err := audit.ReadAcceptFile(path)
	if err != nil {
		return usageError{fmt.Errorf("accept file: %w", err)}
	}
	o.accepts = f
	return nil
}

func readReportFile(path string) (*audit.Report, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r, err := reports.ReadJSON(f)
	if err != nil {
		return nil, fmt.Errorf("%s is not a launchready JSON report: %v", path, err)
	}
	if r.Tool != "launchready" || r.Results == nil {
		return nil, fmt.Errorf("%s is not a launchready JSON report (no tool or results)", path)
	}
	return r, nil
}

// output is one report file to write.
type output struct {
	path string
	rep  reports.Reporter
}

// outputs lists the files to write: the explicit paths, then the timestamped set in --output-dir.
func (o *outputOptions) outputs(r *audit.Report) []output {
	var outs []output
	for _, out := range []output{{o.json, reports.JSON{}}, {o.md, reports.Markdown{}}, {o.sarif, reports.SARIF{}}} {
		if out.path != "" {
			outs = append(outs, out)
		}
	}
	if o.outputDir != "" {
		base := filepath.Join(o.outputDir, "launchready-"+slug(r.Target)+"-"+r.Started.UTC().Format("20060102-150405"))
		outs = append(outs, output{base + ".json", reports.JSON{}}, output{base + ".md", reports.Markdown{}}, output{base + ".sarif", reports.SARIF{}})
	}
	return outs
}

var nonSlug = regexp.MustCompile(`[^a-z0-9]+`)

// slug makes a file-name part of a target URL: "https://app.example.com:8443/" -> "app-example-com-8443".
func slug(target string) string {
	s := strings.ToLower(target)
	s = strings.TrimPrefix(strings.TrimPrefix(s, "https://"), "http://")
	s = strings.Trim(nonSlug.ReplaceAllString(s, "-"), "-")
	if len(s) > 40 {
		s = s[:40]
	}
	if s == "" {
		s = "audit"
	}
	return s
}

// parse parses flags, turning flag errors into usage errors. Positional arguments are not allowed.
func parse(fs *flag.FlagSet, args []string, stderr io.Writer) error {
	pos, err := parseWithArgs(fs, args, stderr)
	if err == nil && len(pos) > 0 {
		return usageError{fmt.Errorf("unexpected argument %q", pos[0])}
	}
	return err
}

// parseWithArgs parses flags that may come before, between or after positional arguments
// (`report r.json --md out.md`), and returns the positional ones.
func parseWithArgs(fs *flag.FlagSet, args []string, stderr io.Writer) ([]string, error) {
	fs.SetOutput(stderr)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, usageError{errors.New("help requested")}
			}
			return nil, usageError{err}
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}
