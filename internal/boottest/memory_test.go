package boottest

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	q "gokern/internal/qemutest"
)

// Boot tests of the memory stage (setup_arch: e820, memblock/bootmem,
// early reservations, init_mem_mapping, ptdump).

func allPassed(t *testing.T, r *q.Result) {
	t.Helper()
	mustExit(t, r, q.ExitSuccess)
	res, plan := r.KTAP()
	if plan <= 0 || len(res) != plan {
		t.Fatalf("KTAP plan %d, %d results\n%s", plan, len(res), r.Describe())
	}
	for _, k := range res {
		if !k.OK {
			t.Fatalf("selftest %s failed\n%s", k.Name, r.Describe())
		}
	}
}

var lastPfnRE = regexp.MustCompile(`e820: last_pfn = (0x[0-9a-f]+) max_arch_pfn`)

func lastPfn(t *testing.T, r *q.Result) uint64 {
	m := lastPfnRE.FindStringSubmatch(r.Output)
	if m == nil {
		t.Fatalf("no last_pfn line\n%s", r.Describe())
	}
	v, _ := strconv.ParseUint(m[1], 0, 64)
	return v
}

// TestMemOption: mem= removes RAM above the limit; the updates and the
// user-defined map are printed; the kernel boots with what is left.
func TestMemOption(t *testing.T) {
	r := q.Boot(t, q.Config{Mem: "256M", Append: "mem=64M selftest=all"})
	allPassed(t, r)
	mustContain(t, r, "e820: user-defined physical RAM map:", "user: [mem 0x0000000000100000-0x0000000003ffffff] usable")
	r = q.Boot(t, q.Config{Mem: "256M", Append: "debug mem=64M exit_at_idle"})
	mustExit(t, r, q.ExitSuccess)
	mustContain(t, r, "e820: remove [mem 0x04000000-0xfffffffffffffffe] usable")
	if pfn := lastPfn(t, r); pfn != 64<<20>>12 {
		t.Fatalf("last_pfn %#x, want %#x", pfn, 64<<20>>12)
	}
}

// TestMemmapOption: memmap=nn$ss reserves, memmap=nn@ss adds RAM; each
// change is printed as an update.
func TestMemmapOption(t *testing.T) {
	// 4M@0x8000000: RAM that mem= took away comes back (it must be real:
	// see TestMemoryBadInput).
	r := q.Boot(t, q.Config{Mem: "256M", Append: "debug mem=96M memmap=16M$0x4000000 memmap=4M@0x8000000 selftest=all"})
	allPassed(t, r)
	mustContain(t, r, "user: [mem 0x0000000004000000-0x0000000004ffffff] reserved",
		"user: [mem 0x0000000005000000-",
		"e820: update [mem 0x04000000-0x04ffffff] usable ==> reserved",
		"e820: add [mem 0x08000000-0x083fffff] usable",
		"user: [mem 0x0000000008000000-0x00000000083fffff] usable",
		// trim_bios_range, as in every Linux boot log:
		"e820: update [mem 0x00000000-0x00000fff] usable ==> reserved",
		"e820: remove [mem 0x000a0000-0x000fffff] usable")
	// The reserved hole is not in the direct map.
	if strings.Contains(r.Output, "init_memory_mapping: [mem 0x00100000-0x0fffffff]") {
		t.Fatalf("the reserved range was mapped\n%s", r.Describe())
	}
	mustContain(t, r, "init_memory_mapping: [mem 0x00100000-0x03ffffff]", "init_memory_mapping: [mem 0x05000000-")
}

// TestInitrd: the initrd the loader placed is reported and reserved (the
// early_reservations selftest checks every page of it, and after
// free_initrd_mem that its whole pages were given back).
func TestInitrd(t *testing.T) {
	initrd := filepath.Join(t.TempDir(), "initrd")
	data := make([]byte, 3<<20+123)
	for i := range data {
		data[i] = byte(i * 7)
	}
	if err := os.WriteFile(initrd, data, 0o644); err != nil {
		t.Fatal(err)
	}
	r := q.Boot(t, q.Config{Initrd: initrd, Append: "selftest=all"})
	allPassed(t, r)
	m := regexp.MustCompile(`RAMDISK: \[mem (0x[0-9a-f]+)-(0x[0-9a-f]+)\]`).FindStringSubmatch(r.Output)
	if m == nil {
		t.Fatalf("no RAMDISK line\n%s", r.Describe())
	}
	a, _ := strconv.ParseUint(m[1], 0, 64)
	b, _ := strconv.ParseUint(m[2], 0, 64)
	if b+1-a != uint64(len(data)) {
		t.Fatalf("RAMDISK is %d bytes, the initrd %d", b+1-a, len(data))
	}
}

// TestMemblockDebug: memblock=debug logs every call with its range and
// caller, and dumps the arrays.
func TestMemblockDebug(t *testing.T) {
	r := q.Boot(t, q.Config{Append: "memblock=debug loglevel=8 selftest=all"})
	allPassed(t, r)
	mustContain(t, r, "memblock_reserve: [0x0000000001000000-", "memblock_add: [0x", "MEMBLOCK configuration:",
		" memory size = ", "reserved.cnt")
	if !regexp.MustCompile(`memblock_reserve: \[0x[0-9a-f]+-0x[0-9a-f]+\] \S*early_reserve_memory`).MatchString(r.Output) {
		t.Fatalf("memblock=debug does not name the caller\n%s", r.Describe())
	}
}

// TestEarlymemBootmem: with earlymem=bootmem the 2.6 bitmap allocator
// serves the early allocations (the page tables of the direct map) and
// the kernel passes every selftest.
func TestEarlymemBootmem(t *testing.T) {
	// 11G: bootmem hands out low pages first, and a page table landed on the
	// zeropage's second page while only its first was reserved (issue 7).
	for _, mem := range []string{"128M", "5G", "11G"} {
		r := q.Boot(t, q.Config{Mem: mem, Append: "earlymem=bootmem selftest=all"})
		allPassed(t, r)
		mustContain(t, r, "bootmem: the early allocator is bootmem (earlymem=bootmem)", "bootmap ")
	}
}

// TestGigabytePages: with a CPU that has pdpe1gb (-cpu max) the direct map
// of 8 GiB uses 1 GiB pages; without, 2 MiB pages.
func TestGigabytePages(t *testing.T) {
	re := regexp.MustCompile(`init_mem_mapping: direct map 4k: (\d+), 2M: (\d+), 1G: (\d+) pages; kernel 4k: (\d+); (\d+) page-table pages; NX (\w+), 1G pages (\w+); (\d+) us`)
	for _, c := range []struct {
		cpu    string
		gbytes bool
	}{{"max", true}, {"", false}} {
		r := q.Boot(t, q.Config{Mem: "8G", CPU: c.cpu, Append: "selftest=all"})
		allPassed(t, r)
		m := re.FindStringSubmatch(r.Output)
		if m == nil {
			t.Fatalf("no init_mem_mapping summary\n%s", r.Describe())
		}
		g, _ := strconv.Atoi(m[3])
		if (g > 0) != c.gbytes || (m[7] == "on") != c.gbytes {
			t.Fatalf("cpu %q: %d 1G pages, 1G pages %s\n%s", c.cpu, g, m[7], r.Describe())
		}
		t.Logf("-cpu %s -m 8G: %s", c.cpu, m[0][strings.Index(m[0], "direct"):])
	}
}

// TestNoNX: a CPU without NX (-cpu qemu64,-nx) runs the kernel with
// every page executable, says so, and passes the selftests that check
// the mappings: W^X is then only the text's and rodata's read-only bits
// (Linux's W+X check stands down without NX), and the fetch from a data
// page is not expected to fault. Before, kernel_wx and page_fault failed
// there, so selftest=all ended in exit 35.
func TestNoNX(t *testing.T) {
	t.Parallel()
	r := q.Boot(t, q.Config{CPU: "qemu64,-nx", Append: "selftest=kernel_wx,page_fault,direct_map,early_reservations"})
	allPassed(t, r)
	mustContain(t, r, "NX off, 1G pages off", "page_fault: no NX: the fetch from a data page is not checked")
}

// TestPtdump: "ptdump" prints the live tables: the direct map RW+NX, the
// kernel text RO+X, rodata RO+NX, data RW+NX, and nothing at low addresses.
func TestPtdump(t *testing.T) {
	r := q.Boot(t, q.Config{Append: "ptdump exit_at_idle"})
	mustExit(t, r, q.ExitSuccess)
	out := r.Output
	user := out[strings.Index(out, "---[ User Space ]---"):strings.Index(out, "---[ Kernel Space ]---")]
	if strings.Contains(user, "0x0000") {
		t.Fatalf("something is mapped in user space (identity map left?)\n%s", user)
	}
	for _, re := range []string{
		`0xffff888000200000-0xffff888\S+ +\S+ +RW +PSE +GLB NX pmd`,
		`0xffffffff81000000-0xffffffff81\S+ +\S+ +ro +GLB x  pte`,
		`0xffffffff81\S+-0xffffffff81\S+ +\S+ +ro +GLB NX pte`,
		`0xffffffff81\S+-0xffffffff81\S+ +\S+ +RW +GLB NX pte`,
	} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Fatalf("ptdump lacks %s\n%s", re, r.Describe())
		}
	}
}

// TestMemoryBadInput: each bad input ends with a clear message and exit
// 35, never silent corruption.
func TestMemoryBadInput(t *testing.T) {
	cases := []struct{ append, want string }{
		{"mem=1M", "no usable RAM above 1 MiB"},
		{"mem=8M", "is not in usable RAM"},
		{"memmap=banana", "bad memmap=banana"},
		{"memmap=16M$", "bad memmap=16M$"},
		{"mem=12Q", "bad mem=12Q"},
		{"earlymem=slab", "earlymem=slab: choose memblock or bootmem"},
		// RAM declared where there is none (the machine has 128 MiB): the
		// page tables land there, and the software walk catches it before
		// CR3 would be loaded (a silent triple fault otherwise).
		{"memmap=4M@0x20000000", "the new page tables do not map the running code"},
	}
	for _, c := range cases {
		c := c
		t.Run(c.append, func(t *testing.T) {
			t.Parallel()
			r := q.Boot(t, q.Config{Append: c.append + " exit_at_idle"})
			mustExit(t, r, q.ExitFailure)
			mustContain(t, r, "Kernel panic - not syncing: ", c.want)
		})
	}
}

// TestMemblockDoubleArray: 140 holes punched with memmap= split the RAM
// into more regions than memblock's static array holds (128): memblock must
// double its array, taking the memory from itself, and the kernel boot on.
func TestMemblockDoubleArray(t *testing.T) {
	var holes []string
	for i := 0; i < 140; i++ {
		holes = append(holes, fmt.Sprintf("4K$%#x", 0x2000000+i*0x2000))
	}
	// memblock=debug: Linux logs the doubling only with it (memblock_dbg).
	r := q.Boot(t, q.Config{Append: "memblock=debug memmap=" + strings.Join(holes, ",") + " selftest=all"})
	allPassed(t, r)
	mustContain(t, r, "memblock: memory is doubled to 256 at [")
}

// TestEarlyAllocImpossible: with every free page reserved (memmap= around
// the kernel), the first page-table allocation of init_mem_mapping cannot
// be met: memblock names the size and the caller, and the kernel stops
// with exit 35 instead of building tables in memory it does not own.
func TestEarlyAllocImpossible(t *testing.T) {
	img := q.Image(t, false)
	kend := (img.Piggy.End + 0xfff) &^ 0xfff
	const ramEnd = 0x7fe0000 // -m 128M under SeaBIOS: RAM ends here
	r := q.Boot(t, q.Config{Mem: "128M", Append: fmt.Sprintf("memmap=0x9f000$0,0xf00000$0x100000,%#x$%#x exit_at_idle", ramEnd-kend, kend)})
	mustExit(t, r, q.ExitFailure)
	mustContain(t, r, "memblock_phys_alloc_range: Failed to allocate 4096 bytes", "gokern/arch/amd64/mm.Alloc_low_pages+0x",
		"Kernel panic - not syncing: init_memory_mapping: ")
}

// TestMemblockDoubleArrayAbove4G: with RAM above 4 GiB split into more
// than 128 regions, memblock's doubled array must still land in memory the
// early direct map reaches (below 4 GiB): the current limit is set before
// e820__memblock_setup, as Linux does.
func TestMemblockDoubleArrayAbove4G(t *testing.T) {
	var holes []string
	for i := 0; i < 130; i++ {
		holes = append(holes, fmt.Sprintf("4K$%#x", 0x140000000+i*0x200000))
	}
	r := q.Boot(t, q.Config{Mem: "8G", Append: "memblock=debug memmap=" + strings.Join(holes, ",") + " selftest=all"})
	allPassed(t, r)
	m := regexp.MustCompile(`memblock: memory is doubled to 256 at \[(0x[0-9a-f]+)-`).FindStringSubmatch(r.Output)
	if m == nil {
		t.Fatalf("no doubling\n%s", r.Describe())
	}
	if a, _ := strconv.ParseUint(m[1], 0, 64); a >= 4<<30 {
		t.Fatalf("doubled array at %#x, above the early direct map", a)
	}
}
