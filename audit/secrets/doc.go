// Package secrets holds the secrets.* checks. exposed-files probes well-known leak paths and judges each answer
// by its content (rules as data, each with the true and false samples its test runs), never by status alone.
package secrets
