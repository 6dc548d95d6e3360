package mm

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/paging"
)

// Host tests of vmalloc over the simulated machine: its page tables live
// in the simulated RAM (a PGD from the buddy allocator as init_mm.pgd),
// and the host cannot dereference a vmalloc address, so every check reads
// the page tables (paging.Walk) and the pages through the direct map.

type flushed struct{ start, end uintptr }

var flushes []flushed

func recordFlush(start, end uintptr) bool {
	flushes = append(flushes, flushed{start, end})
	return false
}

func vmallocBoot(t testing.TB) *machine {
	t.Helper()
	m := slabBoot(t, "")
	pgd := Alloc_page(GFP_KERNEL | X__GFP_ZERO)
	Init_mm.Pgd = paging.PhysAddr(Page_to_pfn(pgd) << asm.PAGE_SHIFT)
	flushes = nil
	FlushTlbKernelRangeHook = recordFlush
	t.Cleanup(func() { Init_mm.Pgd, FlushTlbKernelRangeHook, Vmalloc_bugs = 0, nil, 0 })
	return m
}

func (m *machine) checkVmalloc() {
	m.t.Helper()
	if msg := Vmalloc_check(); msg != "" {
		m.t.Fatalf("vmalloc: %s", msg)
	}
	m.checkSlab()
}

// TestVmallocAreas: areas are handed out first fit from VMALLOC_START,
// each followed by an unmapped guard page; a freed range is reused; every
// page is mapped, 4 KiB, PAGE_KERNEL, to the page vmalloc_to_page names;
// vfree unmaps, flushes exactly the area and gives every page back.
func TestVmallocAreas(t *testing.T) {
	m := vmallocBoot(t)
	shrinkAll()
	free0 := Nr_free_pages() + Quicklist_total_size()
	a := Vmalloc(3 * asm.PAGE_SIZE)
	b := Vmalloc(1)
	c := Vzalloc(2*asm.PAGE_SIZE + 1)
	if uintptr(a) != asm.VMALLOC_START || uintptr(b) != asm.VMALLOC_START+4*asm.PAGE_SIZE || uintptr(c) != asm.VMALLOC_START+6*asm.PAGE_SIZE {
		t.Fatalf("areas at %#x %#x %#x", uintptr(a), uintptr(b), uintptr(c))
	}
	m.checkVmalloc()
	for i := uintptr(0); i < 3; i++ {
		v := paging.VirtAddr(uintptr(c) + i*asm.PAGE_SIZE)
		pa, level, prot, ok := paging.Walk(phys, Init_mm.Pgd, v)
		pg := Vmalloc_to_page(kptr(uintptr(v)))
		if !ok || level != paging.PG_LEVEL_4K || prot != paging.PAGE_KERNEL&paging.Supported_pte_mask || pg == nil ||
			uint64(pa)>>asm.PAGE_SHIFT != Page_to_pfn(pg) {
			t.Fatalf("page %d of c: pa %#x level %v prot %#x", i, pa, level, prot)
		}
		for _, x := range pageBytes(pg, 0) {
			if x != 0 {
				t.Fatal("vzalloc page not zeroed")
			}
		}
	}
	if Vmalloc_to_page(kptr(uintptr(c)+3*asm.PAGE_SIZE)) != nil {
		t.Fatal("the guard page after c is mapped")
	}
	Vfree(b)
	if len(flushes) != 1 || flushes[0] != (flushed{uintptr(b), uintptr(b) + asm.PAGE_SIZE}) {
		t.Fatalf("flushes %v", flushes)
	}
	// b's range (a page and its guard) takes a one-page area again, not
	// a two-page one.
	if d := Vmalloc(asm.PAGE_SIZE); d != b {
		t.Fatalf("first fit: %#x, want %#x", uintptr(d), uintptr(b))
	} else {
		Vfree(d)
	}
	if e := Vmalloc(2 * asm.PAGE_SIZE); uintptr(e) != uintptr(c)+4*asm.PAGE_SIZE {
		t.Fatalf("two pages went to %#x", uintptr(e))
	} else {
		Vfree(e)
	}
	m.checkVmalloc()
	Vfree(a)
	Vfree(c)
	m.checkVmalloc()
	shrinkAll()
	if f := Nr_free_pages() + Quicklist_total_size(); f != free0 || Nr_vmalloc_pages != 0 {
		t.Fatalf("free %d, %d before; %d vmalloc pages", f, free0, Nr_vmalloc_pages)
	}
}

// TestVmallocNode: __vmalloc_node(16 KiB, 16 KiB), as a VMAP_STACK
// kernel stack: after a one-page area (a page and its guard at
// VMALLOC_START) the first fit skips to the next 16 KiB boundary; the page
// below the stack and the one above are not mapped; a second stack lands
// on the boundary after the first's guard page; an alignment that is not
// a power of two is refused with a report.
func TestVmallocNode(t *testing.T) {
	m := vmallocBoot(t)
	shrinkAll()
	free0 := Nr_free_pages() + Quicklist_total_size()
	const sz = 4 * asm.PAGE_SIZE
	one := Vmalloc(1)
	s1 := X__vmalloc_node(sz, sz, GFP_KERNEL|X__GFP_ZERO, asm.NUMA_NO_NODE, 0)
	s2 := X__vmalloc_node(sz, sz, GFP_KERNEL, asm.NUMA_NO_NODE, 0)
	if uintptr(one) != asm.VMALLOC_START || uintptr(s1) != asm.VMALLOC_START+sz || uintptr(s2) != asm.VMALLOC_START+3*sz {
		t.Fatalf("areas at %#x %#x %#x", uintptr(one), uintptr(s1), uintptr(s2))
	}
	for _, s := range []uintptr{uintptr(s1), uintptr(s2)} {
		for i := uintptr(0); i < sz/asm.PAGE_SIZE; i++ {
			if Vmalloc_to_page(kptr(s+i*asm.PAGE_SIZE)) == nil {
				t.Fatalf("page %d of the stack at %#x is not mapped", i, s)
			}
		}
		if Vmalloc_to_page(kptr(s-asm.PAGE_SIZE)) != nil || Vmalloc_to_page(kptr(s+sz)) != nil {
			t.Fatalf("the page below or above the stack at %#x is mapped", s)
		}
	}
	m.log.Lines()
	if X__vmalloc_node(sz, 3*asm.PAGE_SIZE, GFP_KERNEL, asm.NUMA_NO_NODE, 0) != nil || Vmalloc_bugs != 1 ||
		!strings.Contains(strings.Join(m.log.Lines(), "\n"), "BUG: __vmalloc_node: align 0x3000 is not a power of two") {
		t.Fatal("align 3 pages not refused")
	}
	m.checkVmalloc()
	Vfree(s1)
	Vfree(s2)
	Vfree(one)
	m.checkVmalloc()
	shrinkAll()
	if f := Nr_free_pages() + Quicklist_total_size(); f != free0 || Nr_vmalloc_pages != 0 {
		t.Fatalf("free %d, %d before; %d vmalloc pages", f, free0, Nr_vmalloc_pages)
	}
}

// TestVmallocLarge: an area whose page array is more than a page gets
// the array from vmalloc itself (as Linux); the host cannot follow that
// array (it is behind a vmalloc address), so here the largest area that
// keeps a kmalloc'd array, 2 MiB.
func TestVmallocLarge(t *testing.T) {
	m := vmallocBoot(t)
	p := Vmalloc(2 << 20)
	vm := Find_vm_area(p)
	if p == nil || vm.Nr_pages != 512 || Is_vmalloc_addr(unsafe.Pointer(unsafe.SliceData(vm.Pages))) {
		t.Fatalf("vmalloc(2 MiB): %#x", uintptr(p))
	}
	m.checkVmalloc()
	Vfree(p)
	m.checkVmalloc()
}

// TestVmallocBadInput: vmalloc(0) and beyond RAM fail with warnings; bad
// vfree and vunmap calls are reported and change nothing.
func TestVmallocBadInput(t *testing.T) {
	m := vmallocBoot(t)
	m.log.Lines()
	if Vmalloc(0) != nil || Vmalloc(Totalram_pages*asm.PAGE_SIZE+1) != nil || Vmalloc(^uint64(0)) != nil {
		t.Fatal("absurd sizes")
	}
	out := strings.Join(m.log.Lines(), "\n")
	if !strings.Contains(out, "WARNING: __vmalloc_node_range: size 0") || strings.Count(out, "vmalloc error: size ") != 2 ||
		!strings.Contains(out, "exceeds total pages") {
		t.Fatalf("warnings:\n%s", out)
	}
	p := Vmalloc(2 * asm.PAGE_SIZE)
	k := Kmalloc(asm.PAGE_SIZE, GFP_KERNEL) // page aligned, not vmalloc's
	for _, c := range []struct {
		fn   func(unsafe.Pointer)
		addr unsafe.Pointer
		want string
	}{
		{Vfree, unsafe.Add(p, asm.PAGE_SIZE), fmt.Sprintf("Trying to vfree() nonexistent vm area (0x%016x)", uintptr(p)+asm.PAGE_SIZE)},
		{Vfree, unsafe.Add(p, 8), "Trying to vfree() bad address"},
		{Vfree, k, "Trying to vfree() nonexistent vm area"},
		{Vunmap, p, "is a vmalloc area: its pages would leak"},
		{Vfree, kptr(asm.VMALLOC_START + 1<<30), "Trying to vfree() nonexistent vm area"},
	} {
		bugs := Vmalloc_bugs
		c.fn(c.addr)
		out := strings.Join(m.log.Lines(), "\n")
		if Vmalloc_bugs != bugs+1 || !strings.Contains(out, c.want) {
			t.Fatalf("%#x: %s", uintptr(c.addr), out)
		}
		if Find_vm_area(p) == nil || Vmalloc_to_page(unsafe.Add(p, asm.PAGE_SIZE)) == nil {
			t.Fatal("the area was touched")
		}
		m.checkVmalloc()
	}
	Vfree(nil)
	Vfree(p)
	Vfree(p)
	if Vmalloc_bugs != 5+1 {
		t.Fatalf("double vfree: %d reports", Vmalloc_bugs)
	}
	Kfree(k)
	m.checkVmalloc()
}

// TestVmap: vmap maps the given pages in order; vunmap leaves them.
func TestVmap(t *testing.T) {
	m := vmallocBoot(t)
	pages := []*Page{Alloc_page(GFP_KERNEL), Alloc_page(GFP_KERNEL), Alloc_page(GFP_KERNEL)}
	order := []*Page{pages[1], pages[2], pages[0]}
	v := Vmap(order, 0, paging.PAGE_KERNEL)
	for i, p := range order {
		if Vmalloc_to_page(unsafe.Add(v, i*asm.PAGE_SIZE)) != p {
			t.Fatalf("page %d", i)
		}
	}
	m.checkVmalloc()
	Vunmap(v)
	for i := range order {
		if Vmalloc_to_page(unsafe.Add(v, i*asm.PAGE_SIZE)) != nil {
			t.Fatal("still mapped")
		}
	}
	for _, p := range pages {
		X__free_page(p)
	}
	if BadPages != 0 {
		t.Fatal("vunmap freed the pages")
	}
	m.checkVmalloc()
}

// TestVmapHoles: a nil entry of vmap's pages is a hole, unmapped, and
// the pages around it are mapped in order (an AP's guard pages between
// its stacks, arch/amd64/smpboot.go); a range that starts with a hole is
// refused.
func TestVmapHoles(t *testing.T) {
	m := vmallocBoot(t)
	a, b := Alloc_page(GFP_KERNEL), Alloc_page(GFP_KERNEL)
	layout := []*Page{a, nil, b, nil}
	v := Vmap(layout, 0, paging.PAGE_KERNEL)
	if v == nil {
		t.Fatal("vmap with holes failed")
	}
	for i, p := range layout {
		if got := Vmalloc_to_page(unsafe.Add(v, i*asm.PAGE_SIZE)); got != p {
			t.Errorf("page %d: %p, want %p", i, got, p)
		}
	}
	m.checkVmalloc()
	Vunmap(v)
	if Vmalloc_to_page(v) != nil || Vmalloc_to_page(unsafe.Add(v, 2*asm.PAGE_SIZE)) != nil {
		t.Fatal("still mapped after vunmap")
	}
	if Vmap([]*Page{nil, a}, 0, paging.PAGE_KERNEL) != nil {
		t.Error("a range that starts with a hole was mapped")
	}
	X__free_page(a)
	X__free_page(b)
	m.checkVmalloc()
}

// TestVmallocinfo: one /proc/vmallocinfo line per area, Linux's format.
func TestVmallocinfo(t *testing.T) {
	m := vmallocBoot(t)
	a := Vmalloc(4 * asm.PAGE_SIZE)
	pages := []*Page{Alloc_page(GFP_KERNEL)}
	v := Vmap(pages, 0, paging.PAGE_KERNEL)
	m.log.Lines()
	Vmallocinfo()
	out := m.log.Lines()
	want := []string{
		fmt.Sprintf("0x%016x-0x%016x   20480 gokern/mm.TestVmallocinfo+0x", uintptr(a), uintptr(a)+5*asm.PAGE_SIZE),
		fmt.Sprintf("0x%016x-0x%016x    8192 gokern/mm.TestVmallocinfo+0x", uintptr(v), uintptr(v)+2*asm.PAGE_SIZE),
	}
	if len(out) != 2 || !strings.HasPrefix(out[0], want[0]) || !strings.HasSuffix(out[0], " pages=4 vmalloc") ||
		!strings.HasPrefix(out[1], want[1]) || !strings.HasSuffix(out[1], " vmap") {
		t.Fatalf("vmallocinfo:\n%s\nwant\n%s", strings.Join(out, "\n"), strings.Join(want, "\n"))
	}
	Vfree(a)
	Vunmap(v)
	X__free_page(pages[0])
}

// TestVmallocModel: random vmalloc/vfree against a model of the areas:
// the areas never overlap, each has its guard page, every page of every
// area holds its own fill (read through the direct map), and at the end
// every page is back.
func TestVmallocModel(t *testing.T) {
	m := vmallocBoot(t)
	shrinkAll()
	free0 := Nr_free_pages() + Quicklist_total_size()
	type area struct {
		p     unsafe.Pointer
		pages uintptr
		fill  byte
	}
	var live []area
	rng := rand.New(rand.NewSource(3))
	for i := 0; i < 3000; i++ {
		if len(live) > 0 && rng.Intn(5) < 2 {
			j := rng.Intn(len(live))
			a := live[j]
			for k := uintptr(0); k < a.pages; k++ {
				for _, x := range pageBytes(Vmalloc_to_page(unsafe.Add(a.p, k*asm.PAGE_SIZE)), 0) {
					if x != a.fill {
						t.Fatalf("area %#x page %d: %#x, not its fill %#x", uintptr(a.p), k, x, a.fill)
					}
				}
			}
			Vfree(a.p)
			live[j] = live[len(live)-1]
			live = live[:len(live)-1]
			continue
		}
		n := uintptr(1 + rng.Intn(40))
		p := Vmalloc(uint64(n) * asm.PAGE_SIZE)
		if p == nil {
			t.Fatalf("vmalloc(%d pages) failed", n)
		}
		for _, a := range live {
			if uintptr(p) < uintptr(a.p)+(a.pages+1)*asm.PAGE_SIZE && uintptr(a.p) < uintptr(p)+(n+1)*asm.PAGE_SIZE {
				t.Fatalf("area %#x+%d overlaps %#x+%d (with guards)", uintptr(p), n, uintptr(a.p), a.pages)
			}
		}
		fill := byte(i)
		for k := uintptr(0); k < n; k++ {
			b := pageBytes(Vmalloc_to_page(unsafe.Add(p, k*asm.PAGE_SIZE)), 0)
			for x := range b {
				b[x] = fill
			}
		}
		live = append(live, area{p, n, fill})
		if i%200 == 0 {
			m.checkVmalloc()
		}
	}
	for _, a := range live {
		Vfree(a.p)
	}
	m.checkVmalloc()
	shrinkAll()
	if f := Nr_free_pages() + Quicklist_total_size(); f != free0 || Nr_vmalloc_pages != 0 {
		t.Fatalf("free %d, %d before", f, free0)
	}
}

// BenchmarkVmalloc1M: vmalloc(1 MiB) + vfree: 256 pages, their mappings,
// the TLB flush (a no-op on the host).
func BenchmarkVmalloc1M(b *testing.B) {
	vmallocBoot(b)
	for i := 0; i < b.N; i++ {
		Vfree(Vmalloc(1 << 20))
	}
}

// TestVfreeTablesAfterFlush: the page tables a vfree empties (the first
// area's PTE table, and the PMD and PUD tables above it, which held
// nothing else) go back to the quicklist only after the range's TLB
// shootdown, not before it (Linux's tlb_remove_table): a table reused
// before another CPU's paging-structure caches forgot it would translate
// the freed range through its new contents. The same for a user munmap:
// TestMunmapTablesAfterFlush.
func TestVfreeTablesAfterFlush(t *testing.T) {
	vmallocBoot(t)
	var events []string
	free := paging.PgtableFree
	paging.PgtableFree = func(pa paging.PhysAddr) {
		events = append(events, fmt.Sprintf("free %#x", pa))
		free(pa)
	}
	FlushTlbKernelRangeHook = func(start, end uintptr) bool {
		events = append(events, fmt.Sprintf("flush %#x-%#x", start, end))
		return false
	}
	a := Vmalloc(3 * asm.PAGE_SIZE)
	if uintptr(a) != asm.VMALLOC_START {
		t.Fatalf("first area at %#x, want VMALLOC_START", uintptr(a))
	}
	events = nil
	Vfree(a)
	want := fmt.Sprintf("flush %#x-%#x", uintptr(a), uintptr(a)+3*asm.PAGE_SIZE)
	if len(events) != 4 || events[0] != want || !strings.HasPrefix(events[1], "free ") || !strings.HasPrefix(events[3], "free ") {
		t.Fatalf("vfree's events %q, want %q, then the PTE, PMD and PUD tables freed", events, want)
	}
}
