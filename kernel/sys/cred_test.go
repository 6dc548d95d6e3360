package sys

import (
	"testing"

	"gokern/include/uapi"
)

// TestSetreSetres: the rules of setreuid and setresuid on one set of ids
// (real, effective, saved, fs), privileged and not, as Linux's
// __sys_setreuid and __sys_setresuid apply them (setreuid(2),
// setresuid(2), credentials(7)).
func TestSetreSetres(t *testing.T) {
	const X = INVALID_UID
	re := []struct {
		ids       [4]uint32 // uid, euid, suid, fsuid before
		real, eff uint32
		priv      bool
		err       int64
		uid, e, s uint32
	}{
		// Unprivileged: swap real and effective; the saved id follows
		// the new effective one because the real id was set.
		{[4]uint32{1000, 0, 0, 0}, 0, 1000, false, 0, 0, 1000, 1000},
		// Effective back to the saved id, real untouched: saved stays
		// (the new effective is the real one).
		{[4]uint32{1000, 1000, 0, 1000}, X, 0, false, 0, 1000, 0, 0},
		// A real id that is neither real nor effective: -EPERM.
		{[4]uint32{1000, 1000, 1000, 1000}, 0, X, false, -uapi.EPERM, 1000, 1000, 1000},
		// Privileged: anything; saved follows effective.
		{[4]uint32{0, 0, 0, 0}, 5, 6, true, 0, 5, 6, 6},
		// -1, -1 changes nothing.
		{[4]uint32{1, 2, 3, 4}, X, X, false, 0, 1, 2, 3},
	}
	for i, c := range re {
		u, e, s, f := c.ids[0], c.ids[1], c.ids[2], c.ids[3]
		err := setre(c.real, c.eff, &u, &e, &s, &f, c.priv)
		if err != c.err || u != c.uid || e != c.e || s != c.s {
			t.Errorf("setre %d: %v (%d,%d) priv %v: err %d ids %d %d %d, want %d %d %d %d", i, c.ids, int32(c.real), int32(c.eff), c.priv, err, u, e, s, c.err, c.uid, c.e, c.s)
		}
		if err == 0 && f != e {
			t.Errorf("setre %d: fsuid %d, want the effective %d", i, f, e)
		}
	}
	res := []struct {
		ids       [4]uint32
		set       [3]uint32
		priv      bool
		err       int64
		uid, e, s uint32
	}{
		// Drop root for good.
		{[4]uint32{0, 0, 0, 0}, [3]uint32{1000, 1000, 1000}, true, 0, 1000, 1000, 1000},
		// Unprivileged: permute its own three.
		{[4]uint32{1, 2, 3, 2}, [3]uint32{3, 1, 2}, false, 0, 3, 1, 2},
		// Unprivileged: an id it does not hold, nothing changes.
		{[4]uint32{1, 2, 3, 2}, [3]uint32{X, 0, X}, false, -uapi.EPERM, 1, 2, 3},
	}
	for i, c := range res {
		u, e, s, f := c.ids[0], c.ids[1], c.ids[2], c.ids[3]
		err := setres(c.set, &u, &e, &s, &f, c.priv)
		if err != c.err || u != c.uid || e != c.e || s != c.s || f != e {
			t.Errorf("setres %d: %v %v priv %v: err %d ids %d %d %d fs %d, want %d %d %d %d", i, c.ids, c.set, c.priv, err, u, e, s, f, c.err, c.uid, c.e, c.s)
		}
	}
	// setfsuid returns the old fs id and refuses a stranger's silently.
	u, e, s, f := uint32(1), uint32(2), uint32(3), uint32(2)
	if old := setfs(7, &u, &e, &s, &f, false); old != 2 || f != 2 {
		t.Errorf("setfs to a stranger's id: old %d, fsuid now %d", old, f)
	}
	if old := setfs(3, &u, &e, &s, &f, false); old != 2 || f != 3 {
		t.Errorf("setfs to the saved id: old %d, fsuid now %d", old, f)
	}
}
