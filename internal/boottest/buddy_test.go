package boottest

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"gokern/arch/amd64/asm"
	q "gokern/internal/qemutest"
	"gokern/kernel/sched"
)

// Boot tests of mm_init: the zones, the core map, the handover from the
// early allocator to the buddy allocator, and the page allocator's
// selftests (mm/selftests.go).

// TestBuddySelftests: the page allocator's KTAP selftests — the invariant,
// every page allocated and given back into MAX_ORDER blocks, the GFP zone
// limits, get_zeroed_page, quicklists, every bad_page case — at 64M, 1G
// and 8G, after a memblock handover, a bootmem one (earlymem=bootmem),
// and with the 2.4 allocator (buddy=bitmap).
func TestBuddySelftests(t *testing.T) {
	for _, mem := range []string{"64M", "1G", "8G"} {
		for _, opt := range []string{"", "earlymem=bootmem", "buddy=bitmap"} {
			mem, opt := mem, opt
			t.Run(mem+"/"+opt, func(t *testing.T) {
				t.Parallel()
				r := q.Boot(t, q.Config{Mem: mem, Append: "selftest=all " + opt})
				allPassed(t, r)
				fn := "memblock_free_all"
				if opt == "earlymem=bootmem" {
					fn = "free_all_bootmem"
				}
				mustContain(t, r, "mem_init: "+fn+" released ", "BUG: Bad page state in process swapper  pfn:")
				res, _ := r.KTAP()
				ran := map[string]bool{}
				for _, k := range res {
					ran[k.Name] = k.OK
				}
				for _, name := range []string{"buddy_invariant", "buddy_alloc_all", "buddy_zones", "get_zeroed_page", "quicklist", "quicklist_pgtables", "bad_page"} {
					if !ran[name] {
						t.Fatalf("selftest %s did not run and pass\n%s", name, r.Describe())
					}
				}
				if bitmap := strings.Contains(r.Output, "buddy: the 2.4 allocator, one fragmentation bit per pair"); bitmap != (opt == "buddy=bitmap") {
					t.Fatalf("2.4 allocator in use: %v\n%s", bitmap, r.Describe())
				}
			})
		}
	}
}

var (
	memoryRE   = regexp.MustCompile(`Memory: (\d+)K/(\d+)K available \((\d+)K kernel code, (\d+)K rwdata, (\d+)K rodata, (\d+)K init, (\d+)K bss, (\d+)K reserved\)`)
	nodeRE     = regexp.MustCompile(`  node   0: \[mem (0x[0-9a-f]+)-(0x[0-9a-f]+)\]`)
	releasedRE = regexp.MustCompile(`mem_init: (\w+) released (\d+) pages to the buddy allocator \((\d+) MAX_ORDER blocks with deferred struct pages\), (\d+) more from its arrays, in (\d+) us`)
	buddyRE    = regexp.MustCompile(`Node 0, zone +(\w+)((?: +\d+){11}) *$`)
)

func atoi(s string) uint64 { v, _ := strconv.ParseUint(s, 0, 64); return v }

// memoryLine returns the Memory: line's available and total KiB.
func memoryLine(t *testing.T, r *q.Result) (avail, total uint64) {
	t.Helper()
	m := memoryRE.FindStringSubmatch(r.Output)
	if m == nil {
		t.Fatalf("no Memory: line\n%s", r.Describe())
	}
	return atoi(m[1]), atoi(m[2])
}

// TestMmInitLines: Linux's lines, in Linux's order, with values that
// agree: the Memory: line's total is the RAM of the node map, what is
// available is what the handover released, and the image's parts are
// there.
func TestMmInitLines(t *testing.T) {
	for _, mem := range []string{"128M", "5G"} {
		r := q.Boot(t, q.Config{Mem: mem, Append: "exit_at_idle"})
		mustExit(t, r, q.ExitSuccess)
		order := []string{"Zone ranges:", "  DMA      [mem 0x0000000000001000-0x0000000000ffffff]", "  DMA32    [mem 0x0000000001000000-",
			"  Normal   ", "Movable zone start for each node", "Early memory node ranges", "  node   0: [mem 0x0000000000001000-0x000000000009efff]",
			"Initmem setup node 0 [mem 0x0000000000001000-", "mem_map: ", "On node 0, zone DMA: 1 pages in unavailable ranges",
			"On node 0, zone DMA: 97 pages in unavailable ranges", "Built 1 zonelists, mobility grouping off.  Total pages: ",
			"mem_init: memblock_free_all released ", "Memory: ", "cpu_idle"}
		at := 0
		for _, want := range order {
			i := strings.Index(r.Output[at:], want)
			if i < 0 {
				t.Fatalf("-m %s: %q missing or out of order\n%s", mem, want, r.Describe())
			}
			at += i
		}
		if mem == "128M" && !strings.Contains(r.Output, "  Normal   empty") || mem == "5G" && !strings.Contains(r.Output, "  Normal   [mem 0x0000000100000000-0x000000017fffffff]") {
			t.Fatalf("-m %s: zone Normal\n%s", mem, r.Describe())
		}
		var ram uint64
		for _, m := range nodeRE.FindAllStringSubmatch(r.Output, -1) {
			ram += atoi(m[2]) + 1 - atoi(m[1])
		}
		avail, total := memoryLine(t, r)
		rel := releasedRE.FindStringSubmatch(r.Output)
		m := memoryRE.FindStringSubmatch(r.Output)
		if rel == nil || total != ram>>10 || avail != atoi(rel[2])*4 || avail >= total || atoi(m[3]) == 0 || atoi(m[5]) == 0 || atoi(m[7]) == 0 ||
			atoi(m[8]) != total-avail {
			t.Fatalf("-m %s: node RAM %dK, %v, released %v\n%s", mem, ram>>10, m, rel, r.Describe())
		}
		t.Logf("-m %s: %s; %.1f%% available", mem, m[0], 100*float64(avail)/float64(total))
	}
}

// TestBuddyinfo: "buddyinfo" prints /proc/buddyinfo's lines at the end of
// boot, one per populated zone; the free blocks they count, with the slab
// pages "slabinfo" counts, add up to the Memory: line's available memory.
func TestBuddyinfo(t *testing.T) {
	r := q.Boot(t, q.Config{Mem: "5G", Append: "buddyinfo slabinfo vmallocinfo buddy=default page_poison=0 exit_at_idle"})
	mustExit(t, r, q.ExitSuccess)
	if strings.Contains(r.Output, "Unknown kernel command line parameters") {
		t.Fatalf("an option of the page allocator is unknown\n%s", r.Describe())
	}
	avail, _ := memoryLine(t, r)
	var zones []string
	var free uint64
	for _, l := range r.Lines() {
		m := buddyRE.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		zones = append(zones, m[1])
		for o, n := range strings.Fields(m[2]) {
			free += atoi(n) << o
		}
	}
	// Since mm_init the slab allocator has taken pages (the per-CPU
	// arrays of kmem_cache_init_late): they are in its slabs.
	var slabPages uint64
	for _, l := range slabinfo(t, r) {
		slabPages += l.numSlabs * l.pages
	}
	// And the kernel threads' stacks, vmalloc'd, with the page tables of
	// the vmalloc area that map them.
	stacks := threadStackPages(t, r)
	// And the vDSO's pages and its vvar page.
	vdso := vdsoPages(t, r)
	if strings.Join(zones, ",") != "DMA,DMA32,Normal" || slabPages == 0 || (free+slabPages+stacks+VMALLOC_STACK_TABLES+vdso)*4 != avail {
		t.Fatalf("buddyinfo zones %v, %dK free + %dK in slabs + %dK kernel stacks + %dK page tables + %dK vDSO, Memory: says %dK\n%s",
			zones, free*4, slabPages*4, stacks*4, VMALLOC_STACK_TABLES*4, vdso*4, avail, r.Describe())
	}
}

// TestInitcallDebug: initcall_debug reports each step of start_kernel with
// its duration, as Linux reports initcalls.
func TestInitcallDebug(t *testing.T) {
	r := q.Boot(t, q.Config{Append: "initcall_debug debug exit_at_idle"})
	mustExit(t, r, q.ExitSuccess)
	if strings.Contains(r.Output, "Unknown kernel command line parameters") {
		t.Fatalf("initcall_debug is unknown\n%s", r.Describe())
	}
	at := 0
	for _, re := range []string{
		`calling  setup_arch\+0x0/0x[0-9a-f]+ @ 0`, `Zone ranges:`, `initcall setup_arch\+0x0/0x[0-9a-f]+ returned 0 after \d+ usecs`,
		`calling  mm_init\+0x0/0x[0-9a-f]+ @ 0`, `Memory: `, `initcall mm_init\+0x0/0x[0-9a-f]+ returned 0 after \d+ usecs`,
	} {
		loc := regexp.MustCompile(re).FindStringIndex(r.Output[at:])
		if loc == nil {
			t.Fatalf("%s missing or out of order\n%s", re, r.Describe())
		}
		at += loc[1]
	}
	if r2 := q.Boot(t, q.Config{Append: "debug exit_at_idle"}); strings.Contains(r2.Output, "calling  ") {
		t.Fatalf("initcall lines without initcall_debug\n%s", r2.Describe())
	}
}

// TestHandoverBootmemMemblock: bootmem's handover (free_all_bootmem) and
// memblock's give the buddy allocator the same free memory, within the
// bitmap's own pages, which free_all_bootmem frees too.
func TestHandoverBootmemMemblock(t *testing.T) {
	for _, mem := range []string{"128M", "5G"} {
		var got [2]uint64
		var maxPfn uint64
		for i, opt := range []string{"", "earlymem=bootmem"} {
			r := q.Boot(t, q.Config{Mem: mem, Append: opt + " exit_at_idle"})
			mustExit(t, r, q.ExitSuccess)
			m := releasedRE.FindStringSubmatch(r.Output)
			if m == nil {
				t.Fatalf("no handover line\n%s", r.Describe())
			}
			got[i] = atoi(m[2])
			maxPfn = lastPfn(t, r)
		}
		bitmapPages := (maxPfn/8 + 4095) / 4096
		diff := int64(got[0]) - int64(got[1])
		if diff < -int64(bitmapPages) || diff > int64(bitmapPages) {
			t.Fatalf("-m %s: memblock released %d pages, bootmem %d (bitmap %d pages)", mem, got[0], got[1], bitmapPages)
		}
		t.Logf("-m %s: memblock_free_all %d pages, free_all_bootmem %d (bitmap %d pages)", mem, got[0], got[1], bitmapPages)
	}
}

// TestPagePoisonBoot: page_poison=1 fills every free page with 0xaa at the
// handover and catches a write after free at the next allocation.
func TestPagePoisonBoot(t *testing.T) {
	r := q.Boot(t, q.Config{Mem: "64M", Append: "page_poison=1 selftest=page_poison,buddy_invariant,buddy_alloc_all"})
	allPassed(t, r)
	mustContain(t, r, "pagealloc: memory corruption", "pagealloc: first corrupted byte at ", "page dumped because: pagealloc: corrupted page details")
}

// TestMemblockAfterMemInit: memblock after mem_init is a bug report naming
// the caller, and the boot stops (exit 35).
func TestMemblockAfterMemInit(t *testing.T) {
	r := q.Boot(t, q.Config{Append: "selftest=memblock_after_mem_init"})
	mustExit(t, r, q.ExitFailure)
	mustContain(t, r, "BUG: memblock_alloc called after mem_init retired memblock (the buddy allocator owns memory now), from main.test_memblock_after_mem_init+0x",
		"Kernel panic - not syncing: memblock_alloc called after mem_init retired memblock")
	if strings.Contains(r.Output, "memblock_alloc after mem_init returned") {
		t.Fatalf("the boot went on\n%s", r.Describe())
	}
}

// TestBuddyBadInput: buddy= and page_poison= with values that mean
// nothing, and RAM so short that the core map cannot be allocated, stop
// the boot with a message naming the problem.
func TestBuddyBadInput(t *testing.T) {
	img := q.Image(t, false)
	kend := (img.Piggy.End + 0xfff) &^ 0xfff
	const ramEnd = 0x7fe0000 // -m 128M under SeaBIOS
	// Everything reserved but 24 pages at the top: enough for the page
	// tables of the direct map (7), not for the core map (256).
	short := fmt.Sprintf("memmap=0x9e000$0x1000,0xf00000$0x100000,%#x$%#x", ramEnd-24*4096-kend, kend)
	cases := []struct{ append, want string }{
		{"buddy=banana", "buddy=banana: choose default or bitmap"},
		{"page_poison=maybe", "page_poison=maybe: choose 1 or 0"},
		{short, "Failed to allocate 1048576 bytes for node 0 memory map"},
	}
	for _, c := range cases {
		c := c
		t.Run(c.append, func(t *testing.T) {
			t.Parallel()
			r := q.Boot(t, q.Config{Mem: "128M", Append: c.append + " exit_at_idle"})
			mustExit(t, r, q.ExitFailure)
			mustContain(t, r, c.want, "Kernel panic - not syncing: ")
		})
	}
}

// TestMemblockDiscard: when memblock had to grow its region arrays (140
// holes punched with memmap=), mem_init gives their pages to the buddy
// allocator after the handover, and the selftests still pass.
func TestMemblockDiscard(t *testing.T) {
	var holes []string
	for i := 0; i < 140; i++ {
		holes = append(holes, fmt.Sprintf("4K$%#x", 0x2000000+i*0x2000))
	}
	r := q.Boot(t, q.Config{Append: "memmap=" + strings.Join(holes, ",") + " selftest=all"})
	allPassed(t, r)
	m := releasedRE.FindStringSubmatch(r.Output)
	if m == nil || atoi(m[4]) < 2 {
		t.Fatalf("the grown arrays were not freed: %v\n%s", m, r.Describe())
	}
}

// VMALLOC_STACK_TABLES: the page tables the first vmalloc area takes, a
// PUD, a PMD and a page table (the area's PGD entry is new): the kernel
// threads' stacks are the first (kernel/sched alloc_thread_stack_node).
const VMALLOC_STACK_TABLES = 3

// threadStackPages counts the pages of the kernel threads' stacks in the
// vmallocinfo the kernel printed: kernel_init's and kthreadd's, each
// THREAD_SIZE.
// vdsoPages: the pages Init_vdso_image took (the image's and the vvar
// page), from its line.
func vdsoPages(t *testing.T, r *q.Result) uint64 {
	t.Helper()
	m := regexp.MustCompile(`vdso: \d+ bytes in (\d+) page\(s\) at pfn 0x[0-9a-f]+, vvar at pfn`).FindStringSubmatch(r.Output)
	if m == nil {
		t.Fatalf("no vdso line\n%s", r.Describe())
	}
	return atoi(m[1]) + 1
}

func threadStackPages(t *testing.T, r *q.Result) uint64 {
	t.Helper()
	var pages, n uint64
	for _, l := range r.Lines() {
		if i := strings.Index(l, "] 0x"); i > 0 && strings.Contains(l, "alloc_thread_stack_node") {
			if m := vmallocRE.FindStringSubmatch(strings.TrimRight(l[i+2:], "\r")); m != nil {
				pages += atoi(m[4])
				n++
			}
		}
	}
	if n != 2 || pages != 2*sched.THREAD_SIZE/asm.PAGE_SIZE {
		t.Fatalf("vmallocinfo: %d kernel stacks of %d pages in all, want kernel_init's and kthreadd's\n%s", n, pages, r.Describe())
	}
	return pages
}
