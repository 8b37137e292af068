// Package transport holds the transport.* checks: HTTPS redirects, certificates, TLS versions, canonical host,
// mixed content and the edge in front of the app. It may open its own TLS connections (to read certificates),
// always to the plan's hosts only.
package transport
