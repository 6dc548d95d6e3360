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

// TestFatalAlwaysPrinted: a fatal error reaches the console whatever
// loglevel= or quiet say (console_verbose in panic and in the oops; the
// setup and the boot stage print their fatal lines unconditionally), and
// the panic line carries its whole reason, however long.
func TestFatalAlwaysPrinted(t *testing.T) {
	long := strings.Repeat("x", 1500)
	for _, c := range []struct {
		name, append, mem string
		want              []string
	}{
		{"panic-loglevel0", "loglevel=0 mem=8M", "", []string{"Kernel panic - not syncing: e820__end_of_ram: the kernel [mem 0x01000000-"}},
		{"oops-quiet", "quiet lkdtm=ACCESS_NULL", "", []string{"BUG: kernel NULL pointer dereference", "Call Trace:", "Kernel panic - not syncing: "}},
		{"oops-loglevel0", "loglevel=0 lkdtm=UNMAPPED", "", []string{"BUG: unable to handle page fault", "RIP: 0010:", "Kernel panic - not syncing: "}},
		{"bootstage-loglevel0", "loglevel=0 quiet", "16M", []string{"Not enough RAM to boot: the kernel needs [mem 0x01000000-"}},
		{"long-reason", "memmap=16M$" + long, "", []string{"Kernel panic - not syncing: parse_early_param: bad memmap=16M$" + long + " (invalid memory size or address)\n"}},
	} {
		c := c
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := q.Boot(t, q.Config{Append: c.append + " exit_at_idle", Mem: c.mem})
			mustExit(t, r, q.ExitFailure)
			mustContain(t, r, c.want...)
			if strings.Contains(c.append, "loglevel=0") && strings.Contains(r.Output, "BIOS-e820:") {
				t.Fatalf("loglevel=0 did not hold until the fatal error\n%s", r.Describe())
			}
		})
	}
}
