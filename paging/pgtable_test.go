package paging_test

import (
	"gokern/arch/amd64/asm"
	"testing"
	"unsafe"

	. "gokern/paging"
)

// The constants against the values Linux x86-64 (4-level, no KASLR) has.
func TestConstants(t *testing.T) {
	for _, c := range []struct {
		name      string
		got, want uint64
	}{
		{"PAGE_SIZE", PAGE_SIZE, 4096},
		{"PAGE_MASK", PAGE_MASK, 0xfffffffffffff000},
		{"PMD_SIZE", PMD_SIZE, 2 << 20},
		{"PMD_MASK", PMD_MASK, 0xffffffffffe00000},
		{"PUD_SIZE", PUD_SIZE, 1 << 30},
		{"PUD_MASK", PUD_MASK, 0xffffffffc0000000},
		{"PGDIR_SIZE", PGDIR_SIZE, 512 << 30},
		{"PGDIR_MASK", PGDIR_MASK, 0xffffff8000000000},
		{"P4D_SHIFT", P4D_SHIFT, PGDIR_SHIFT},
		{"PTRS_PER_P4D", PTRS_PER_P4D, 1},
		{"PTRS_PER_PGD", PTRS_PER_PGD, 512},
		{"PTRS_PER_PUD", PTRS_PER_PUD, 512},
		{"PTRS_PER_PMD", PTRS_PER_PMD, 512},
		{"PTRS_PER_PTE", PTRS_PER_PTE, 512},
		{"PHYSICAL_MASK", PHYSICAL_MASK, 0x000fffffffffffff},
		{"PTE_PFN_MASK", PTE_PFN_MASK, 0x000ffffffffff000},
		{"PTE_FLAGS_MASK", PTE_FLAGS_MASK, 0xfff0000000000fff},
		{"PHYSICAL_PMD_PAGE_MASK", PHYSICAL_PMD_PAGE_MASK, 0x000fffffffe00000},
		{"PHYSICAL_PUD_PAGE_MASK", PHYSICAL_PUD_PAGE_MASK, 0x000fffffc0000000},
		{"X__START_KERNEL_map", uint64(X__START_KERNEL_map), 0xffffffff80000000},
		{"X__START_KERNEL", uint64(X__START_KERNEL), 0xffffffff81000000},
		{"PAGE_OFFSET", uint64(PAGE_OFFSET), 0xffff888000000000},
		{"VMALLOC_START", uint64(VMALLOC_START), 0xffffc90000000000},
		{"VMALLOC_END", uint64(VMALLOC_END), 0xffffe8ffffffffff},
		{"VMEMMAP_START", uint64(VMEMMAP_START), 0xffffea0000000000},
		{"LOAD_PHYSICAL_ADDR", uint64(LOAD_PHYSICAL_ADDR), 0x1000000},
		{"KERNEL_IMAGE_SIZE", asm.KERNEL_IMAGE_SIZE, 512 << 20},
		{"MODULES_VADDR", uint64(MODULES_VADDR), 0xffffffffa0000000},
		// Bits: SDM Vol. 3A Tables 4-15..4-20.
		{"PAGE_PRESENT", uint64(PAGE_PRESENT), 1 << 0},
		{"PAGE_RW", uint64(PAGE_RW), 1 << 1},
		{"PAGE_USER", uint64(PAGE_USER), 1 << 2},
		{"PAGE_PWT", uint64(PAGE_PWT), 1 << 3},
		{"PAGE_PCD", uint64(PAGE_PCD), 1 << 4},
		{"PAGE_ACCESSED", uint64(PAGE_ACCESSED), 1 << 5},
		{"PAGE_DIRTY", uint64(PAGE_DIRTY), 1 << 6},
		{"PAGE_PSE", uint64(PAGE_PSE), 1 << 7},
		{"PAGE_PAT", uint64(PAGE_PAT), 1 << 7},
		{"PAGE_GLOBAL", uint64(PAGE_GLOBAL), 1 << 8},
		{"PAGE_PAT_LARGE", uint64(PAGE_PAT_LARGE), 1 << 12},
		{"PAGE_NX", uint64(PAGE_NX), 1 << 63},
		// Composite protections: the values Linux's macros expand to.
		{"_PAGE_TABLE", uint64(PAGE_TABLE), 0x067},
		{"_KERNPG_TABLE", uint64(KERNPG_TABLE), 0x063},
		{"PAGE_KERNEL", uint64(PAGE_KERNEL), 0x8000000000000163},
		{"PAGE_KERNEL_RO", uint64(PAGE_KERNEL_RO), 0x8000000000000161},
		{"PAGE_KERNEL_EXEC", uint64(PAGE_KERNEL_EXEC), 0x163},
		{"PAGE_KERNEL_RX", uint64(PAGE_KERNEL_RX), 0x161},
		{"PAGE_KERNEL_NOCACHE", uint64(PAGE_KERNEL_NOCACHE), 0x800000000000017b},
		{"PAGE_KERNEL_LARGE", uint64(PAGE_KERNEL_LARGE), 0x80000000000001e3},
		{"PAGE_KERNEL_LARGE_EXEC", uint64(PAGE_KERNEL_LARGE_EXEC), 0x1e3},
		{"PAGE_SHARED", uint64(PAGE_SHARED), 0x8000000000000027},
		{"PAGE_READONLY_EXEC", uint64(PAGE_READONLY_EXEC), 0x25},
	} {
		if c.got != c.want {
			t.Errorf("%s = %#x, want %#x", c.name, c.got, c.want)
		}
	}
	if asm.Phys_base != 0 {
		t.Errorf("Phys_base = %#x, want 0 (gokern is not relocated)", asm.Phys_base)
	}
	if Supported_pte_mask != ^PgProt(0) {
		t.Errorf("Supported_pte_mask = %#x, want all ones", uint64(Supported_pte_mask))
	}
	// An entry is 8 bytes: 512 of them fill a 4 KiB table.
	if s := unsafe.Sizeof(PTE(0)) * PTRS_PER_PTE; s != PAGE_SIZE {
		t.Errorf("table size %d", s)
	}
}

func TestIndex(t *testing.T) {
	for _, c := range []struct {
		va                 VirtAddr
		pgd, pud, pmd, pte int
	}{
		{0, 0, 0, 0, 0},
		{0x0000000000201000, 0, 0, 1, 1},
		{0x00007fffffffffff, 255, 511, 511, 511},
		{PAGE_OFFSET, 273, 0, 0, 0},
		{X__START_KERNEL_map, 511, 510, 0, 0},
		{X__START_KERNEL, 511, 510, 8, 0},
		{VMALLOC_START, 402, 0, 0, 0},
		{0xffffffffffffffff, 511, 511, 511, 511},
		// 0x0000_0080_4020_1000 = 1<<39 | 1<<30 | 1<<21 | 1<<12
		{0x0000008040201000, 1, 1, 1, 1},
	} {
		if g, u, m, e := Pgd_index(c.va), Pud_index(c.va), Pmd_index(c.va), Pte_index(c.va); g != c.pgd || u != c.pud || m != c.pmd || e != c.pte {
			t.Errorf("%#x: indexes %d/%d/%d/%d, want %d/%d/%d/%d", uint64(c.va), g, u, m, e, c.pgd, c.pud, c.pmd, c.pte)
		}
		if P4d_index(c.va) != 0 {
			t.Errorf("P4d_index(%#x) != 0 with the P4D folded", uint64(c.va))
		}
		// The indexes and the offset rebuild the address (sign-extended).
		r := VirtAddr(c.pgd)<<PGDIR_SHIFT | VirtAddr(c.pud)<<PUD_SHIFT | VirtAddr(c.pmd)<<PMD_SHIFT | VirtAddr(c.pte)<<PAGE_SHIFT | c.va&(PAGE_SIZE-1)
		if c.pgd >= 256 {
			r |= 0xffff000000000000
		}
		if r != c.va {
			t.Errorf("%#x rebuilt as %#x", uint64(c.va), uint64(r))
		}
	}
}

func TestAddrEnd(t *testing.T) {
	for _, c := range []struct {
		f              func(a, e VirtAddr) VirtAddr
		name           string
		addr, end, out VirtAddr
	}{
		{Pmd_addr_end, "pmd", 0x1000, 0x400000, 0x200000},
		{Pmd_addr_end, "pmd", 0x1000, 0x3000, 0x3000},
		{Pmd_addr_end, "pmd", 0x200000, 0x400000, 0x400000},
		{Pud_addr_end, "pud", 0x1000, 0x80000000, 0x40000000},
		{Pgd_addr_end, "pgd", 0x1000, 0x10000000000, 0x8000000000},
		// end 0 is the top of the address space.
		{Pmd_addr_end, "pmd", 0xffffffffffe00000, 0, 0},
		{Pud_addr_end, "pud", 0xffffffff80000000, 0, 0xffffffffc0000000},
		{Pgd_addr_end, "pgd", 0xffffff8000001000, 0, 0},
	} {
		if got := c.f(c.addr, c.end); got != c.out {
			t.Errorf("%s_addr_end(%#x, %#x) = %#x, want %#x", c.name, uint64(c.addr), uint64(c.end), uint64(got), uint64(c.out))
		}
	}
}

func TestPaVa(t *testing.T) {
	for _, c := range []struct {
		va VirtAddr
		pa PhysAddr
	}{
		{PAGE_OFFSET, 0},
		{PAGE_OFFSET + 0x12345000, 0x12345000},
		{X__START_KERNEL_map, 0},
		{X__START_KERNEL, LOAD_PHYSICAL_ADDR},
		{X__START_KERNEL + 0x1234, LOAD_PHYSICAL_ADDR + 0x1234},
	} {
		if got := Pa(c.va); got != c.pa {
			t.Errorf("Pa(%#x) = %#x, want %#x", uint64(c.va), uint64(got), uint64(c.pa))
		}
	}
	for _, pa := range []PhysAddr{0, 0x1000, 0x12345678, 1 << 40} {
		if Va(pa) != PAGE_OFFSET+VirtAddr(pa) || Pa(Va(pa)) != pa {
			t.Errorf("Va/Pa round trip of %#x", uint64(pa))
		}
	}
	if PHYS_PFN(0x12345fff) != 0x12345 || PFN_PHYS(0x12345) != 0x12345000 ||
		PFN_UP(0x12345001) != 0x12346 || PFN_UP(0x12345000) != 0x12345 || PFN_DOWN(0x12345fff) != 0x12345 {
		t.Error("PFN helpers")
	}
	if PAGE_ALIGN(PhysAddr(1)) != 0x1000 || PAGE_ALIGN(VirtAddr(0x2000)) != 0x2000 {
		t.Error("PAGE_ALIGN")
	}
	for va, want := range map[VirtAddr]bool{
		0: true, 0x00007fffffffffff: true, 0x0000800000000000: false,
		0xffff7fffffffffff: false, 0xffff800000000000: true, 0xffffffffffffffff: true,
	} {
		if Canonical(va) != want {
			t.Errorf("Canonical(%#x) != %v", uint64(va), want)
		}
	}
}

func TestPteAccessors(t *testing.T) {
	e := Mk_pte(0x12345, PAGE_KERNEL)
	if uint64(e) != 0x8000000012345163 {
		t.Fatalf("Mk_pte = %#x", uint64(e))
	}
	if e != Pfn_pte(0x12345, PAGE_KERNEL) {
		t.Error("Mk_pte != Pfn_pte")
	}
	if !e.Present() || e.None() || e.PFN() != 0x12345 || e.Phys() != 0x12345000 || e.Flags() != PAGE_KERNEL {
		t.Errorf("accessors of %#x: %v %v %#x %#x %#x", uint64(e), e.Present(), e.None(), e.PFN(), e.Phys(), e.Flags())
	}
	// The frame cannot spill into the flags, nor the flags into the frame.
	if got := Pfn_pte(1<<40|0x1, PAGE_KERNEL); got.PFN() != 1 || got.Flags() != PAGE_KERNEL {
		t.Errorf("pfn beyond 52 bits leaked: %#x", uint64(got))
	}
	if got := Pfn_pte(1, PAGE_KERNEL|0x0000000fff000000); got.PFN() != 1 {
		t.Errorf("prot with address bits leaked: %#x", uint64(got))
	}
	var z PTE
	if z.Present() || !z.None() {
		t.Error("zero PTE")
	}
	if (PTE(PAGE_ACCESSED)).Present() || PTE(PAGE_ACCESSED).None() {
		t.Error("non-present non-zero PTE")
	}
}

func TestLargeAccessors(t *testing.T) {
	pmd := Pfn_pmd(0x200, PAGE_KERNEL_LARGE) // 2 MiB page at 2 MiB
	if uint64(pmd) != 0x80000000002001e3 || !pmd.Present() || !pmd.Large() || pmd.PFN() != 0x200 ||
		pmd.Phys() != 0x200000 || pmd.Flags() != PAGE_KERNEL_LARGE {
		t.Errorf("Pfn_pmd = %#x pfn %#x phys %#x flags %#x", uint64(pmd), pmd.PFN(), pmd.Phys(), pmd.Flags())
	}
	// PSE is set even if prot lacks it.
	if Pfn_pmd(0x200, PAGE_KERNEL) != pmd {
		t.Errorf("Pfn_pmd without PSE in prot = %#x", uint64(Pfn_pmd(0x200, PAGE_KERNEL)))
	}
	// PAT_LARGE (bit 12) is a flag in a large entry, not address.
	pat := Pfn_pmd(0x200, PAGE_KERNEL_LARGE|PAGE_PAT_LARGE)
	if pat.Phys() != 0x200000 || pat.Flags() != PAGE_KERNEL_LARGE|PAGE_PAT_LARGE {
		t.Errorf("PAT_LARGE: phys %#x flags %#x", pat.Phys(), pat.Flags())
	}
	// An unaligned frame is truncated to the large page.
	if Pfn_pmd(0x201, PAGE_KERNEL_LARGE).PFN() != 0x200 {
		t.Error("Pfn_pmd unaligned frame")
	}
	pud := Pfn_pud(0x40000, PAGE_KERNEL_LARGE_EXEC) // 1 GiB page at 1 GiB
	if uint64(pud) != 0x400001e3 || !pud.Large() || pud.PFN() != 0x40000 || pud.Phys() != 1<<30 || pud.Flags() != PAGE_KERNEL_LARGE_EXEC {
		t.Errorf("Pfn_pud = %#x", uint64(pud))
	}
	if Pfn_pud(0x40000+0x200, PAGE_KERNEL_LARGE).Phys() != 1<<30 {
		t.Error("Pfn_pud unaligned frame")
	}
}

func TestTableEntries(t *testing.T) {
	const pa = 0x123000
	pgd := Mk_pgd_table(pa, PAGE_TABLE)
	p4d := Mk_p4d_table(pa, PAGE_TABLE)
	pud := Mk_pud_table(pa, KERNPG_TABLE)
	pmd := Mk_pmd_table(pa, PAGE_TABLE)
	if uint64(pgd) != 0x123067 || uint64(p4d) != 0x123067 || uint64(pud) != 0x123063 || uint64(pmd) != 0x123067 {
		t.Fatalf("table entries %#x %#x %#x %#x", uint64(pgd), uint64(p4d), uint64(pud), uint64(pmd))
	}
	if pgd.Phys() != pa || p4d.Phys() != pa || pud.Phys() != pa || pmd.Phys() != pa ||
		pgd.PFN() != 0x123 || p4d.PFN() != 0x123 || pud.PFN() != 0x123 || pmd.PFN() != 0x123 {
		t.Error("table entry Phys/PFN")
	}
	if pud.Large() || pmd.Large() || !pgd.Present() || !p4d.Present() || pgd.Flags() != PAGE_TABLE || p4d.Flags() != PAGE_TABLE || pud.Flags() != KERNPG_TABLE || pmd.Flags() != PAGE_TABLE {
		t.Error("table entry flags")
	}
	// A table entry never has PSE, even if asked: that would make it a page.
	if Mk_pmd_table(pa, PAGE_KERNEL_LARGE).Large() || Mk_pud_table(pa, PAGE_KERNEL_LARGE).Large() {
		t.Error("table entry with PSE")
	}
	if PGD(0).Present() || !PGD(0).None() || P4D(0).Present() || !P4D(0).None() || !PUD(0).None() || !PMD(0).None() {
		t.Error("zero entries")
	}
}

func TestSupportedPteMask(t *testing.T) {
	defer func(m PgProt) { Supported_pte_mask = m }(Supported_pte_mask)
	// A CPU without NX and PGE: the kernel clears them, as Linux does.
	Supported_pte_mask &^= PAGE_NX | PAGE_GLOBAL
	if got := Mk_pte(1, PAGE_KERNEL).Flags(); got != PAGE_PRESENT|PAGE_RW|PAGE_ACCESSED|PAGE_DIRTY {
		t.Errorf("masked PTE flags %#x", uint64(got))
	}
	if got := Pfn_pmd(0x200, PAGE_KERNEL_LARGE).Flags(); got&(PAGE_NX|PAGE_GLOBAL) != 0 {
		t.Errorf("masked PMD flags %#x", uint64(got))
	}
}

func TestProtvalConversion(t *testing.T) {
	p4k := PAGE_KERNEL | PAGE_PAT | PAGE_PWT
	large := Protval_4k_2_large(p4k)
	if large != PAGE_KERNEL|PAGE_PAT_LARGE|PAGE_PWT {
		t.Errorf("4k->large %#x", uint64(large))
	}
	if back := Protval_large_2_4k(large | PAGE_PSE); back != p4k {
		t.Errorf("large->4k %#x", uint64(back))
	}
	if Protval_large_2_4k(PAGE_KERNEL_LARGE) != PAGE_KERNEL {
		t.Error("PAGE_KERNEL_LARGE in 4k form is not PAGE_KERNEL")
	}
}

func TestPgLevel(t *testing.T) {
	for l, want := range map[PgLevel]struct {
		size uint64
		name string
	}{
		PG_LEVEL_NONE: {0, "none"}, PG_LEVEL_4K: {4 << 10, "pte"}, PG_LEVEL_2M: {2 << 20, "pmd"},
		PG_LEVEL_1G: {1 << 30, "pud"}, PG_LEVEL_512G: {512 << 30, "pgd"}, 7: {0, "none"},
	} {
		if l.Size() != want.size || l.Name() != want.name {
			t.Errorf("level %d: %d %q", l, l.Size(), l.Name())
		}
	}
}

// The offset helpers and the Set_* stores over simulated RAM.
func TestOffsetsAndSet(t *testing.T) {
	e := newEnv(t, 64<<10)
	va := VirtAddr(0xffff888040201000)
	alloc := pageAlloc(e.ram)
	pudPage, _ := alloc()
	pmdPage, _ := alloc()
	ptePage, _ := alloc()
	for _, p := range []PhysAddr{pudPage, pmdPage, ptePage} {
		*e.ram.Table(uint64(p)) = [512]uint64{}
	}
	pgd := Pgd_offset(e.ram, e.pgd, va)
	Set_pgd(pgd, Mk_pgd_table(pudPage, PAGE_TABLE))
	p4d := P4d_offset(pgd, va)
	if unsafe.Pointer(p4d) != unsafe.Pointer(pgd) || !p4d.Present() {
		t.Fatal("P4d_offset is not the PGD entry")
	}
	pud := Pud_offset(e.ram, p4d, va)
	Set_pud(pud, Mk_pud_table(pmdPage, PAGE_TABLE))
	pmd := Pmd_offset(e.ram, pud, va)
	Set_pmd(pmd, Mk_pmd_table(ptePage, PAGE_TABLE))
	pte := Pte_offset_kernel(e.ram, pmd, va)
	Set_pte(pte, Mk_pte(0x777, PAGE_KERNEL))
	// The entries landed where the index math says.
	ram := e.ram
	if ram.Table(uint64(e.pgd))[273] != uint64(Mk_pgd_table(pudPage, PAGE_TABLE)) ||
		ram.Table(uint64(pudPage))[1] != uint64(Mk_pud_table(pmdPage, PAGE_TABLE)) ||
		ram.Table(uint64(pmdPage))[1] != uint64(Mk_pmd_table(ptePage, PAGE_TABLE)) ||
		ram.Table(uint64(ptePage))[1] != uint64(Mk_pte(0x777, PAGE_KERNEL)) {
		t.Fatal("entries not at their indexes")
	}
	Set_p4d(p4d, 0)
	if !pgd.None() {
		t.Fatal("Set_p4d did not write the PGD entry")
	}
	Set_p4d(p4d, Mk_p4d_table(pudPage, PAGE_TABLE))
	if pa, level, prot, ok := Walk(e.ram, e.pgd, va+0x123); !ok || pa != 0x777123 || level != PG_LEVEL_4K || prot != PAGE_KERNEL {
		t.Fatalf("Walk = %#x %d %#x %v", uint64(pa), level, uint64(prot), ok)
	}
}

func TestErrorStrings(t *testing.T) {
	seen := map[string]bool{}
	for e := OK; e <= ErrLargePage; e++ {
		s := e.String()
		if s == "" || seen[s] || s != e.Error() {
			t.Errorf("Error(%d) = %q", e, s)
		}
		seen[s] = true
	}
	if Error(200).String() != "paging: unknown error" {
		t.Error("unknown error")
	}
}
