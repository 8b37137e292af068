package main

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/launchready/launchready/audit"
)

// outputOptions are the flags demo and run share.
type outputOptions struct {
	noTUI   bool
	json    string
	md      string
	failOn  string
	failSev audit.Severity
}

func (o *outputOptions) register(fs *flag.FlagSet) {
	fs.BoolVar(&o.noTUI, "no-tui", false, "print plain progress lines instead of the interactive view")
	fs.StringVar(&o.json, "json", "", "write the JSON report to `FILE` (mode 0600)")
	fs.StringVar(&o.md, "md", "", "write the markdown report to `FILE` (mode 0600)")
	fs.StringVar(&o.failOn, "fail-on", "", "exit 1 when a fail of at least `SEVERITY` (low, medium, high, critical) exists")
}

func (o *outputOptions) validate() error {
	if o.failOn == "" {
		return nil
	}
	sev, err := audit.ParseSeverity(o.failOn)
	if err != nil || sev == audit.SeverityNone {
		return usageError{fmt.Errorf("--fail-on: %q is not one of low, medium, high, critical", o.failOn)}
	}
	o.failSev = sev
	return nil
}

// parse parses flags, turning flag errors into usage errors.
func parse(fs *flag.FlagSet, args []string, stderr io.Writer) error {
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return usageError{errors.New("help requested")}
		}
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	return nil
}
