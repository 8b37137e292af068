// Package browser drives the system's Chromium with go-rod: it finds and launches the browser (never downloads
// one), keeps it inside the plan's hosts, logs an account in through the app's own form, captures cookies, storage
// and the API traffic of a short walk, logs out, and measures mobile LCP. It knows nothing of checks: it imports
// rod and the standard library only, and audit/<area> packages read what it captured.
package browser
