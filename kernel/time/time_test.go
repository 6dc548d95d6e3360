package time

import (
	"math/bits"
	"testing"
	gotime "time"
)

// TestMktime64 against Go's calendar, over leap years and century rules.
func TestMktime64(t *testing.T) {
	for _, d := range []gotime.Time{
		gotime.Date(1970, 1, 1, 0, 0, 0, 0, gotime.UTC),
		gotime.Date(2000, 2, 29, 23, 59, 59, 0, gotime.UTC),
		gotime.Date(2000, 3, 1, 0, 0, 0, 0, gotime.UTC),
		gotime.Date(2100, 3, 1, 12, 0, 0, 0, gotime.UTC),
		gotime.Date(2026, 12, 1, 3, 45, 7, 0, gotime.UTC),
		gotime.Date(2038, 1, 19, 3, 14, 8, 0, gotime.UTC),
	} {
		got := Mktime64(uint64(d.Year()), uint64(d.Month()), uint64(d.Day()), uint64(d.Hour()), uint64(d.Minute()), uint64(d.Second()))
		if got != d.Unix() {
			t.Errorf("Mktime64(%v) = %d, want %d", d, got, d.Unix())
		}
	}
}

// TestClocksCalcMultShift: Linux's mult/shift for counters from 1 MHz
// to 4.7 GHz: a second of counts converts to within 0.2 ppm (Linux's
// 24-bit shift for a TSC leaves 60 ns a second at 3 GHz; NTP would slew
// it), and 600 s of counts times mult fit 64 bits.
func TestClocksCalcMultShift(t *testing.T) {
	for _, hz := range []uint64{1000000, 1193182, 2100000000, 3000000000, 4700000000} {
		mult, shift := Clocks_calc_mult_shift(hz, 600)
		if hi, _ := bits.Mul64(600*hz, uint64(mult)); hi != 0 {
			t.Errorf("%d Hz: 600 s of counts overflow with mult %d", hz, mult)
		}
		ns := hz * uint64(mult) >> shift // one second
		if d := int64(ns) - 1e9; d < -200 || d > 200 {
			t.Errorf("%d Hz: mult %d shift %d makes a second %d ns", hz, mult, shift, ns)
		}
	}
}

// TestTimekeeping: a fake counter at 1 GHz scaled like a TSC: the
// realtime and monotonic clocks start where told, advance with the
// counter between ticks and across them, and the vvar page's bases give
// the same time as the kernel's readers.
func TestTimekeeping(t *testing.T) {
	var counter uint64
	cs := Clocksource{Name: "fake", Read: func() uint64 { return counter }, Vdso_clock_mode: VDSO_CLOCKMODE_TSC}
	var vd Vdso_data
	Vdso_data_page = &vd
	defer func() { Vdso_data_page = nil; Tk_core = Timekeeper{} }()
	Timekeeping_init(Timespec64{1796000000, 500}, 2_000_000_000)
	Clocksource_register_hz(&cs, 1_000_000_000)
	if g := Ktime_get_ts64(); g.Tv_sec != 2 || g.Tv_nsec > 1000 {
		t.Fatalf("monotonic at start %+v, want 2 s", g)
	}
	for _, step := range []uint64{1, 999, 4_000_000, 1_999_999_999, 600_000_000_000} {
		before := Ktime_get_ts64()
		counter += step
		after := Ktime_get_ts64()
		d := (after.Tv_sec-before.Tv_sec)*1e9 + after.Tv_nsec - before.Tv_nsec
		if d < int64(step)-1 || d > int64(step)+1 {
			t.Fatalf("counter +%d: monotonic moved %d ns", step, d)
		}
		Update_wall_time()
		if again := Ktime_get_ts64(); again != after {
			t.Fatalf("the tick moved monotonic from %+v to %+v", after, again)
		}
		// The vDSO's arithmetic on the vvar page.
		b := vd.Basetime[CLOCK_MONOTONIC]
		ns := (b.Nsec + (counter-vd.Cycle_last)*uint64(vd.Mult)) >> vd.Shift
		if got := (Timespec64{int64(b.Sec) + int64(ns/1e9), int64(ns % 1e9)}); got != after {
			t.Fatalf("vvar monotonic %+v, kernel %+v", got, after)
		}
		r := vd.Basetime[CLOCK_REALTIME]
		ns = r.Nsec >> vd.Shift
		real := Ktime_get_real_ts64()
		if got := (Timespec64{int64(r.Sec) + int64(ns/1e9), int64(ns % 1e9)}); got != real {
			t.Fatalf("vvar realtime %+v, kernel %+v", got, real)
		}
		if c := vd.Basetime[CLOCK_REALTIME_COARSE]; int64(c.Sec) != real.Tv_sec || int64(c.Nsec) != real.Tv_nsec {
			t.Fatalf("vvar coarse realtime %+v, kernel %+v", c, real)
		}
		if vd.Seq&1 != 0 {
			t.Fatalf("vvar seq %d odd after an update", vd.Seq)
		}
	}
	if g := Ktime_get_real_ts64(); g.Tv_sec-1796000000 != 602 {
		t.Errorf("realtime %+v after 602 s of counts", g)
	}
}

// TestTickPeriodsElapsed: the arithmetic of tick_do_update_jiffies64. A
// tick before the boundary counts nothing; one on time counts one; one
// that comes n whole periods late counts n+1, and the new
// last_jiffies_update stays on the period grid, at or before now and
// within a period of it, so the next boundary is still in the future.
func TestTickPeriodsElapsed(t *testing.T) {
	const T = TICK_NSEC
	next := uint64(1000*T + T/2)
	for _, c := range []struct {
		now, ticks uint64
	}{
		{next - 1, 0},
		{next - T/2, 0},
		{next, 1},
		{next + T - 1, 1},
		{next + T, 2},
		{next + 25*T + T/3, 26},
		{next + 250*T*60, 15001}, // a minute's stall
	} {
		ticks, last := Tick_periods_elapsed(c.now, next)
		if ticks != c.ticks {
			t.Errorf("now next%+d ns: %d ticks, want %d", int64(c.now-next), ticks, c.ticks)
		}
		if (last-next)%T != 0 && (next-last)%T != 0 {
			t.Errorf("now next%+d ns: last %d is off the period grid", int64(c.now-next), last)
		}
		if ticks > 0 && (last > c.now || c.now-last >= T || last != next+(ticks-1)*T) {
			t.Errorf("now next%+d ns: last %d, want the boundary within a period before now", int64(c.now-next), last)
		}
		if ticks == 0 && last != next-T {
			t.Errorf("now next%+d ns: last %d moved without a tick", int64(c.now-next), last)
		}
	}
	// Called at every TICK_NSEC/7 for a second of clock, the ticks add up
	// to exactly the periods that ended.
	var total uint64
	n := next
	for now := next - T; now < next+HZ*T; now += T / 7 {
		k, last := Tick_periods_elapsed(now, n)
		if k > 0 {
			n = last + T
		}
		total += k
	}
	if total != HZ {
		t.Errorf("a second of clock read every T/7: %d jiffies, want %d", total, HZ)
	}
}
