// Package reports renders a finished audit.Report as markdown and JSON (one file per format, one Reporter
// interface) and writes report files with mode 0600. It never runs a check; it only reads what the audit found.
package reports
