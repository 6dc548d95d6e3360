package boottest

import (
	"fmt"
	"strings"
	"testing"

	q "gokern/internal/qemutest"
)

// Boot tests of the kernel's edges (issue 7): what the kernel does with
// input it cannot take whole.

// TestE820Full: memmap= ranges that split the map into more entries than
// the e820 table holds (E820_MAX_ENTRIES, 320) are refused whole with one
// line naming the range, and the kernel stops: before, the split that did
// not fit dropped the rest of the RAM it was splitting and the boot went
// on without it.
func TestE820Full(t *testing.T) {
	holes := func(n int) string {
		var h []string
		for i := 0; i < n; i++ {
			h = append(h, fmt.Sprintf("4K$%d", 0x2000000+i*0x2000))
		}
		return "memmap=" + strings.Join(h, ",")
	}
	for _, c := range []struct{ name, append string }{
		{"holes", holes(170)},
		// 156 holes leave one entry free; two RAM ranges removed from the
		// middle of the last entry need two.
		{"remove", holes(156) + " memmap=4K%100663296-1 memmap=4K%100700160-1"},
	} {
		c := c
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := q.Boot(t, q.Config{Append: c.append + " exit_at_idle"})
			mustExit(t, r, q.ExitFailure)
			mustContain(t, r, "e820: the table is full (320 entries): no room to change [mem 0x", "Kernel panic - not syncing: ")
			if strings.Contains(r.Output, "user-defined physical RAM map") || strings.Contains(r.Output, "too many entries; ignoring") {
				t.Fatalf("the kernel went on with part of the map\n%s", r.Describe())
			}
		})
	}
}
