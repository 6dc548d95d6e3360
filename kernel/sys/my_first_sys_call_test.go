package sys

import (
	"testing"

	"gokern/traps"
)

// TestLabSyscallTable (lab syscall): the lab's numbers, 500 and 501 (what
// user/mysyscall calls), have rows in the x86-64 table and among the
// i386 calls served by the x86-64 function, and both tables are big
// enough to hold them. (The numbers are literals here: the skeleton has
// no constants for them, and this test must still compile there.)
func TestLabSyscallTable(t *testing.T) {
	if traps.X__NR_syscalls_64 <= 501 || traps.NR_syscalls <= 501 {
		t.Fatalf("the tables hold %d (x86-64) and %d (i386) entries: too few for system calls 500 and 501", traps.X__NR_syscalls_64, traps.NR_syscalls)
	}
	for _, c := range []struct {
		table string
		rows  []syscall_entry
	}{{"x86_64", x86_64[:]}, {"ia32_same", ia32_same[:]}} {
		for _, nr := range []uint64{500, 501} {
			n := 0
			for _, e := range c.rows {
				if e.nr == nr && e.fn != nil {
					n++
				}
			}
			if n != 1 {
				t.Errorf("%s: %d rows for system call %d, want 1", c.table, n, nr)
			}
		}
	}
}
