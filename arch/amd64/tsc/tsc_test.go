package tsc

import "testing"

func TestCyclesToNs(t *testing.T) {
	cases := []struct{ cycles, khz, ns uint64 }{
		{3000000, 3000000, 1000000}, {0, 2500000, 0}, {2500000000, 2500000, 1000000000},
		{1 << 62, 1000000, 1 << 62}, // 1 GHz: a cycle is a nanosecond; no overflow in the product
		{1 << 62, 4000000, 1 << 60},
	}
	for _, c := range cases {
		if got := Cycles_2_ns(c.cycles, c.khz); got != c.ns {
			t.Errorf("Cycles_2_ns(%d, %d) = %d, want %d", c.cycles, c.khz, got, c.ns)
		}
	}
}
