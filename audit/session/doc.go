// Package session holds the session.* checks: how the app's session cookies and tokens are set, stored, rotated
// and ended. It reads the sessions the Target logged in; it never logs in by itself.
package session
