package boottest

import (
	"regexp"
	"testing"

	q "gokern/internal/qemutest"
)

// Boot tests of issue 14 items 2-4: address spaces, system calls and the
// first user program.

// TestUserMm: the address-space selftests (page-table bits after demand
// paging, mprotect, munmap and brk; VMA lists; -EFAULT; every page back
// after exit_mmap) pass at a small and a large memory size, and the cost
// of a page fault that allocates a page, for the docs.
func TestUserMm(t *testing.T) {
	for _, mem := range []string{"64M", "2G"} {
		mem := mem
		t.Run(mem, func(t *testing.T) {
			t.Parallel()
			r := q.Boot(t, q.Config{Mem: mem, Append: "selftest=user_mm,user_fault_cost"})
			allPassed(t, r)
			ranAndPassed(t, r, []string{"user_mm", "user_fault_cost"})
			m := regexp.MustCompile(`page fault that allocates a page: (\d+) TSC cycles \(a write to a present page: (\d+)\); 256 faults`).FindStringSubmatch(r.Output)
			if m == nil {
				t.Fatalf("no figure\n%s", r.Describe())
			}
			t.Logf("TCG, %s: a page fault that allocates a page %s cycles, a write to a present page %s", mem, m[1], m[2])
		})
	}
}
