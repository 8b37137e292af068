// Package email holds the email.* checks: the sending domain's SPF, DKIM, DMARC, MX and MTA-STS, asked over DNS
// through the Target's resolver (audit/dnsq). Parsers for SPF, DMARC and DKIM tags live beside their checks and
// are fuzzed; evaluation never sends mail and never leaves DNS.
package email
