// Package input holds the input.* checks: how the app answers malformed, oversized and hostile input, and what
// its error answers give away. Error signatures are data, each with the samples its test runs.
package input
