// Command launchready audits a web app before its first 100 users. This package only parses flags and wires
// the parts together; exit codes are decided here and nowhere else.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

// Exit codes.
const (
	exitOK          = 0
	exitFindings    = 1   // a fail at or above --fail-on
	exitUsage       = 2   // bad flags or a bad plan
	exitInterrupted = 130 // Ctrl-C
)

// usageError marks errors that are the user's input, not the app's findings.
type usageError struct{ error }

// memoryLimit is the heap the audit aims to stay under, unless GOMEMLIMIT says otherwise: its live heap is about
// 20 MB, and the garbage collector otherwise lets transient bursts (a 12 MiB oversized body, a 5 MB bundle being
// scanned) double it before collecting.
const memoryLimit = 48 << 20

func main() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

const usage = `launchready — a launch-readiness audit for web apps

Usage:
  launchready [--plan PLAN.yaml]
      the wizard: asks for the app, two test accounts and the email domain, saves the plan, runs the audit live
  launchready demo [--hardened] [--active] [OUTPUT FLAGS]
      audit the embedded demo app (flawed; --hardened has every flaw fixed; --active lets the audit write canaries)
  launchready run --plan PLAN.yaml [--resolve host:port:addr]... [OUTPUT FLAGS]
      audit the app a saved plan describes (passwords come from the variables it names)
  launchready check email DOMAIN [--resolver host:port] [--selector S]... [OUTPUT FLAGS]
      only the sending domain's SPF, DKIM, DMARC, MX and MTA-STS, over DNS
  launchready report FILE.json [OUTPUT FLAGS]
      re-render the reports from a JSON report, running nothing (markdown to stdout when no file is named)
  launchready plan check FILE... | plan schema | plan init [FILE]
      validate plans (every mistake with its line), print the plan's JSON Schema, write a commented starter plan
  launchready version

Output flags:
  --json F  --md F  --sarif F    write the JSON, markdown or SARIF 2.1.0 report (mode 0600)
  --output-dir D                 write all three into D with timestamped names
  --baseline OLD.json            mark each result new, fixed or still failing since an earlier report
  --fail-on SEVERITY             exit 1 on a fail of at least low, medium, high or critical
  --fail-on-new                  with --baseline: exit 1 only on new fails (at --fail-on, default low)
  --quiet                        print only the verdict and the failing check IDs
  --no-tui                       plain progress lines instead of the interactive view

Exit codes: 0 ok, 1 a fail at or above --fail-on, 2 usage or plan error, 130 interrupted.
`

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var err error
	var code int
	cmd := ""
	if len(args) > 0 {
		cmd = args[0]
	}
	switch {
	case cmd == "" || (cmd[0] == '-' && cmd != "-h" && cmd != "--help" && cmd != "--version"):
		code, err = wizardCmd(ctx, args, stdout, stderr)
	default:
		code, err = subcommand(ctx, args, stdout, stderr)
	}
	return exitWith(code, err, stderr)
}

func subcommand(ctx context.Context, args []string, stdout, stderr io.Writer) (code int, err error) {
	switch args[0] {
	case "demo":
		code, err = demoCmd(ctx, args[1:], stdout, stderr)
	case "run":
		code, err = runCmd(ctx, args[1:], stdout, stderr)
	case "check":
		code, err = checkCmd(ctx, args[1:], stdout, stderr)
	case "report":
		code, err = reportCmd(ctx, args[1:], stdout, stderr)
	case "plan":
		code, err = planCmd(ctx, args[1:], stdout, stderr)
	case "version", "--version":
		fmt.Fprintln(stdout, "launchready", version)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
	default:
		err = usageError{fmt.Errorf("unknown command %q", args[0])}
	}
	return code, err
}

// exitWith prints an error the way every command does and settles the exit code.
func exitWith(code int, err error, stderr io.Writer) int {
	if err != nil {
		fmt.Fprintln(stderr, "launchready:", err)
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprintln(stderr, "Run `launchready help` for usage.")
			return exitUsage
		}
		if code == exitOK {
			code = exitFindings
		}
	}
	return code
}
