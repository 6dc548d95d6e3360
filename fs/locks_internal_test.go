package fs

import (
	"fmt"
	"sort"
	"strings"
	"testing"
)

// lockState lists inode's locks as "owner:type:start-end", sorted.
func lockState(inode *Inode, owners map[*Files_struct]string) string {
	var out []string
	for fl := inode.I_flctx; fl != nil; fl = fl.Fl_next {
		end := fmt.Sprint(fl.Fl_end)
		if fl.Fl_end == OFFSET_MAX {
			end = "max"
		}
		out = append(out, fmt.Sprintf("%s:%c:%d-%s", owners[fl.Fl_owner], "RWU"[fl.Fl_type], fl.Fl_start, end))
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

// TestPosixLockInode: posix_lock_inode's ranges as Linux's
// posix_lock_inode leaves them — an owner's new lock replaces what it
// held on the range, splitting a lock around it and merging with its
// own adjacent locks of the same type; another owner's lock conflicts
// when they overlap and one is a write lock; unlocking cuts ranges out.
func TestPosixLockInode(t *testing.T) {
	var inode Inode
	a, b := new(Files_struct), new(Files_struct)
	owners := map[*Files_struct]string{a: "a", b: "b"}
	step := func(what string, owner *Files_struct, typ int16, start, end int64, wantBlocked bool, want string) {
		t.Helper()
		spare := [2]*File_lock{new(File_lock), new(File_lock)}
		var freed *File_lock
		blocker := posix_lock_inode(&inode, owner, 1, typ, start, end, &spare, &freed)
		if (blocker != nil) != wantBlocked {
			t.Errorf("%s: blocked %v, want %v", what, blocker != nil, wantBlocked)
		}
		if got := lockState(&inode, owners); got != want {
			t.Errorf("%s: locks %q, want %q", what, got, want)
		}
	}
	step("a write-locks 100-199", a, F_WRLCK, 100, 199, false, "a:W:100-199")
	step("b read-locks 150-160: conflict", b, F_RDLCK, 150, 160, true, "a:W:100-199")
	step("b write-locks 200-max: no overlap", b, F_WRLCK, 200, OFFSET_MAX, false, "a:W:100-199 b:W:200-max")
	step("a read-locks 120-129: split", a, F_RDLCK, 120, 129, false, "a:R:120-129 a:W:100-119 a:W:130-199 b:W:200-max")
	step("a write-locks 120-129 again: merged whole", a, F_WRLCK, 120, 129, false, "a:W:100-199 b:W:200-max")
	step("a unlocks 0-109 and 190-195", a, F_UNLCK, 0, 109, false, "a:W:110-199 b:W:200-max")
	step("", a, F_UNLCK, 190, 195, false, "a:W:110-189 a:W:196-199 b:W:200-max")
	step("a write-locks 190-195: adjacent on both sides", a, F_WRLCK, 190, 195, false, "a:W:110-199 b:W:200-max")
	step("b read-locks 0-109: below a's", b, F_RDLCK, 0, 109, false, "a:W:110-199 b:R:0-109 b:W:200-max")
	step("a read-locks 50-60: b's read lock shares", a, F_RDLCK, 50, 60, false, "a:R:50-60 a:W:110-199 b:R:0-109 b:W:200-max")
	step("a write-locks 50-60: b's read lock conflicts", a, F_WRLCK, 50, 60, true, "a:R:50-60 a:W:110-199 b:R:0-109 b:W:200-max")
	step("b unlocks everything", b, F_UNLCK, 0, OFFSET_MAX, false, "a:R:50-60 a:W:110-199")
	step("a write-locks 0-max: one lock", a, F_WRLCK, 0, OFFSET_MAX, false, "a:W:0-max")
	step("a unlocks everything", a, F_UNLCK, 0, OFFSET_MAX, false, "")
}

// TestFlockToPosixLock: flock_to_posix_lock's ranges and errors (Linux
// flock_to_posix_lock).
func TestFlockToPosixLock(t *testing.T) {
	f := &File{F_pos: 1000, F_inode: &Inode{I_size: 5000}}
	for _, c := range []struct {
		whence      int16
		start, len_ int64
		s, e        int64
		err         int
	}{
		{0, 10, 5, 10, 14, 0},
		{1, 10, 5, 1010, 1014, 0},
		{2, -10, 0, 4990, OFFSET_MAX, 0},
		{0, 10, -5, 5, 9, 0},
		{0, 3, -5, 0, 0, -EINVAL},
		{0, -1, 1, 0, 0, -EINVAL},
		{3, 0, 0, 0, 0, -EINVAL},
		{1, OFFSET_MAX, 1, 0, 0, -75},
		{0, 1, OFFSET_MAX, 1, OFFSET_MAX, 0},
		{0, 2, OFFSET_MAX, 0, 0, -75},
	} {
		s, e, err := flock_to_posix_lock(f, &Flock{L_whence: c.whence, L_start: c.start, L_len: c.len_})
		if err != c.err || (err == 0 && (s != c.s || e != c.e)) {
			t.Errorf("whence %d start %d len %d: [%d, %d] %d, want [%d, %d] %d", c.whence, c.start, c.len_, s, e, err, c.s, c.e, c.err)
		}
	}
}

// TestPosixLocksDeadlock: a waiter whose blocker waits, through a chain,
// for it is a deadlock (Linux posix_locks_deadlock).
func TestPosixLocksDeadlock(t *testing.T) {
	a, b, c := new(Files_struct), new(Files_struct), new(Files_struct)
	defer func() { blocked_locks = [64]struct{ owner, blocker *Files_struct }{} }()
	if posix_locks_deadlock(a, b) {
		t.Error("a waiting for b with nobody waiting: deadlock")
	}
	blocked_locks[3].owner, blocked_locks[3].blocker = b, c
	blocked_locks[7].owner, blocked_locks[7].blocker = c, a
	if !posix_locks_deadlock(a, b) {
		t.Error("a for b, b for c, c for a: no deadlock found")
	}
	blocked_locks[7] = struct{ owner, blocker *Files_struct }{}
	if posix_locks_deadlock(a, b) {
		t.Error("a for b, b for c: deadlock")
	}
}
