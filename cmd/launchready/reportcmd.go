package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"time"

	"github.com/launchready/launchready/reports"
)

// reportCmd re-renders reports from a JSON report without running anything: a consultant edits the JSON (a
// summary, a severity) and re-issues the markdown; CI compares it with a baseline.
func reportCmd(_ context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	var o outputOptions
	o.register(fs)
	pos, err := parseWithArgs(fs, args, stderr)
	if err != nil {
		return exitUsage, err
	}
	if len(pos) != 1 {
		return exitUsage, usageError{errors.New("report needs exactly one FILE.json (a JSON report of launchready)")}
	}
	if err := o.validate(); err != nil {
		return exitUsage, err
	}
	r, err := readReportFile(pos[0])
	if err != nil {
		return exitUsage, usageError{err}
	}
	if len(o.outputs(r)) == 0 && !o.quiet {
		// No file asked for: the markdown goes to stdout, ready for a pipe.
		r.Accept(o.accepts, time.Now())
		return exitOK, reports.Markdown{}.Write(stdout, r)
	}
	return finishReport(r, &o, stdout, stderr)
}
