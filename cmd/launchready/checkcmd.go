package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"os"
	"strings"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/audit/checks"
)

// stringList is a repeatable flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

// checkCmd runs one area on its own: `launchready check email DOMAIN`, a consultant's first minute on a call.
func checkCmd(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	if len(args) == 0 || args[0] != "email" {
		return exitUsage, usageError{errors.New(`check needs an area: launchready check email DOMAIN [--resolver host:port] [--selector S]... [--json F] [--md F]`)}
	}
	fs := flag.NewFlagSet("check email", flag.ContinueOnError)
	var o outputOptions
	o.register(fs)
	resolver := fs.String("resolver", "", "DNS server `host:port` to ask (default: the system's, from /etc/resolv.conf)")
	var selectors stringList
	fs.Var(&selectors, "selector", "a DKIM `selector` your provider signs with (repeatable)")
	// Flags may come before or after the domain.
	positional, err := parseWithArgs(fs, args[1:], stderr)
	if err != nil {
		return exitUsage, err
	}
	if err := o.validate(); err != nil {
		return exitUsage, err
	}
	if len(positional) != 1 {
		return exitUsage, usageError{errors.New("check email needs exactly one domain, like: launchready check email example.com")}
	}
	domain := strings.ToLower(strings.Trim(positional[0], "."))
	plan := &audit.Plan{Name: "Email authentication of " + domain, App: "https://" + domain + "/",
		Email: audit.Email{Domain: domain, DKIMSelectors: selectors}, Resolver: *resolver}
	if _, err := audit.ParsePlanValue(plan); err != nil {
		return exitUsage, usageError{err}
	}
	var list []audit.Check
	for _, c := range checks.All() {
		if c.Area == "email" {
			list = append(list, c)
		}
	}
	return runChecks(ctx, plan, list, os.Getenv, &o, stdout, stderr)
}
