package auth

import (
	"testing"
	"time"
)

// The timing judge calls a gap only when it is both large and not chance: a hash skipped for unknown addresses
// is a tell even when the machine's load spreads the slow side wide; two samples of one distribution are not,
// and nor is a consistent gap of a millisecond.
func TestTimingJudge(t *testing.T) {
	ms := func(vs ...float64) []time.Duration {
		var out []time.Duration
		for _, v := range vs {
			out = append(out, time.Duration(v*float64(time.Millisecond)))
		}
		return out
	}
	repeat := func(vs []time.Duration, n int) []time.Duration {
		var out []time.Duration
		for len(out) < n {
			out = append(out, vs...)
		}
		return out[:n]
	}
	tests := []struct {
		name           string
		known, unknown []time.Duration
		tell           bool
	}{
		{"hash only for real accounts", repeat(ms(31, 29, 33, 30, 35), 20), repeat(ms(0.4, 0.5, 0.6), 20), true},
		{"the same, on a loaded machine", repeat(ms(30, 45, 120, 38, 200, 33, 90, 60), 20), repeat(ms(0.4, 3, 0.6, 12, 1), 20), true},
		{"hash for everyone", repeat(ms(31, 29, 33, 30, 35), 20), repeat(ms(30, 34, 29, 32, 31), 20), false},
		{"hash for everyone, loaded", repeat(ms(30, 45, 120, 38, 200, 33, 90, 60), 20), repeat(ms(60, 33, 45, 150, 31, 95, 38, 210), 20), false},
		{"a consistent millisecond is network, not work", repeat(ms(1.9, 2.0, 2.1), 20), repeat(ms(0.9, 1.0, 1.1), 20), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tm := (&timing{known: tt.known, unknown: tt.unknown}).judge()
			if got := tm.tell != ""; got != tt.tell {
				t.Errorf("tell = %q, want a tell: %v", tm.tell, tt.tell)
			}
		})
	}
}
