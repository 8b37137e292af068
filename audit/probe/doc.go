// Package probe is the one HTTP client every check uses. It keeps the audit inside the plan's hosts (redirects
// out of scope are refused and recorded), spends from one request budget, times every request, caps every body,
// and redacts the audit's own secrets from anything that becomes evidence. It imports only the standard library.
package probe
