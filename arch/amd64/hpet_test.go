package amd64

import "testing"

// TestHpetTscKhz: the TSC's frequency from an interval of HPET ticks, with
// QEMU's HPET (100 MHz: a period of 10 000 000 fs) and the specification's
// slowest (100 ns), and an empty interval.
func TestHpetTscKhz(t *testing.T) {
	for _, c := range []struct{ dtsc, dticks, period, want uint64 }{
		{2300000000, 100000000, 10000000, 2300000},       // 1 s at 100 MHz, a 2.3 GHz TSC
		{23000000, 1000000, 10000000, 2300000},           // 10 ms
		{1000000000, 10000000, HPET_MAX_PERIOD, 1000000}, // 1 s at 10 MHz, 1 GHz
		{12345, 0, 10000000, 0},
	} {
		if got := Hpet_tsc_khz(c.dtsc, c.dticks, c.period); got != c.want {
			t.Errorf("Hpet_tsc_khz(%d, %d, %d) = %d, want %d", c.dtsc, c.dticks, c.period, got, c.want)
		}
	}
}
