package time

import "testing"

// TestHrtimerJiffiesAfter: a timer is queued for the first jiffy whose
// period boundary is at or after its time, never one before it (it would
// fire early) nor a later one (a tick late for nothing).
func TestHrtimerJiffiesAfter(t *testing.T) {
	const j, last = 1000, 5_000_000_000
	for _, c := range []struct{ ns, want uint64 }{
		{0, j}, {last - 1, j}, {last, j},
		{last + 1, j + 1}, {last + TICK_NSEC, j + 1}, {last + TICK_NSEC + 1, j + 2},
		{last + 250*TICK_NSEC, j + 250},
	} {
		if got := hrtimer_jiffies_after(c.ns, j, last); got != c.want {
			t.Errorf("hrtimer_jiffies_after(%d) = %d, want %d", c.ns, got, c.want)
		}
	}
	for ns := uint64(last + 1); ns < last+3*TICK_NSEC; ns += 997 {
		got := hrtimer_jiffies_after(ns, j, last)
		if boundary := last + (got-j)*TICK_NSEC; boundary < ns || boundary-ns >= TICK_NSEC {
			t.Fatalf("ns %d: jiffy %d begins at %d, not the first boundary at or after it", ns, got, boundary)
		}
	}
}

// TestHrtimerForward: Linux hrtimer_forward's count — 0 while the expiry
// is ahead, 1 for a timer on time, n+1 for one n periods late — and the
// expiry left after now.
func TestHrtimerForward(t *testing.T) {
	for _, c := range []struct{ exp, now, iv, want, wantExp uint64 }{
		{100, 50, 10, 0, 100},
		{100, 100, 10, 1, 110},
		{100, 105, 10, 1, 110},
		{100, 110, 10, 2, 120},
		{100, 139, 10, 4, 140},
		{100, 200, 0, 0, 100},
	} {
		h := Hrtimer{Expires: c.exp}
		if got := Hrtimer_forward(&h, c.now, c.iv); got != c.want || h.Expires != c.wantExp {
			t.Errorf("forward(expires %d, now %d, interval %d) = %d, expires %d; want %d, %d", c.exp, c.now, c.iv, got, h.Expires, c.want, c.wantExp)
		}
	}
}
