// Package testapps holds small web apps of the shapes founders ship — a single-page app with a bearer token, a
// Next.js-style app with a session cookie and a CSRF header, a server-rendered forms app with a hidden CSRF field —
// each in a Flawed and a Fixed mode, for the audit's tests to run against. Every app is an HTTPS httptest server on
// 127.0.0.1 that keeps its state in memory and records every request line it receives.
package testapps
