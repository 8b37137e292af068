// Package checks is the registry: the plain list of every catalog check with the function that runs it. It is the
// one place that imports every area package; cmd, tui and tests read All().
package checks
