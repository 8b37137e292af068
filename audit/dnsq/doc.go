// Package dnsq is the one DNS client of the audit, on miekg/dns over the wire: the system resolver (or the plan's),
// a timeout and one retry per query, TCP when an answer is truncated, one cache per audit so a name is asked once,
// and answers that keep NXDOMAIN, NODATA, SERVFAIL and a timeout apart — a timeout is never "no record".
package dnsq
