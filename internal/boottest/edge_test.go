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

// TestUnreachableRAM: RAM declared where the direct map cannot reach it —
// above MAX_PHYSMEM_BITS (64 TiB with 4-level paging) or above the CPU's
// physical address width — is taken out of the map with one line naming
// the range and the limit: memblock never gets it, nothing maps it, and
// max_pfn stays that of the real RAM. Before, memmap=1G@100T was mapped at
// PAGE_OFFSET + 100 TiB, inside the vmalloc area.
func TestUnreachableRAM(t *testing.T) {
	for _, c := range []struct {
		name, cpu, memmap, want string
	}{
		{"max_physmem_bits", "qemu64,phys-bits=48", "1G@100T",
			"e820: [mem 0x0000640000000000-0x000064003fffffff] usable is beyond MAX_PHYSMEM_BITS, the direct map's reach (46 bits): not used"},
		{"phys_bits", "", "1G@2T",
			"e820: [mem 0x0000020000000000-0x000002003fffffff] usable is beyond the CPU's physical address width (40 bits): not used"},
	} {
		c := c
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := q.Boot(t, q.Config{CPU: c.cpu, Append: "memmap=" + c.memmap + " memblock=debug loglevel=8 selftest=all"})
			allPassed(t, r)
			mustContain(t, r, c.want)
			if pfn := lastPfn(t, r); pfn != 0x7fe0 {
				t.Errorf("last_pfn %#x, want 0x7fe0 (the machine's 128 MiB)", pfn)
			}
			for _, bad := range []string{"init_memory_mapping: [mem 0x6400", "init_memory_mapping: [mem 0x2000", "memblock_add: [0x0000640", "memblock_add: [0x0000020"} {
				if strings.Contains(r.Output, bad) {
					t.Fatalf("the unreachable RAM was used: %q\n%s", bad, r.Describe())
				}
			}
		})
	}
}
