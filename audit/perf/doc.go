// Package perf holds the perf.* checks: latency of the core API flows, mobile LCP, and the health endpoint that
// uptime monitoring polls. Timings come from the probe's own clock; nothing here is a load test.
package perf
