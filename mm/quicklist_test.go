package mm

import (
	"strings"
	"testing"

	"gokern/arch/amd64/asm"
)

// TestQuicklist: a freed page table comes back zeroed from the list; the
// list falls back to the buddy allocator when empty, gives pages back past
// its limit, and a table freed with entries left is reported and cleared.
func TestQuicklist(t *testing.T) {
	m := boot(t, []span{{0x1000, 0x9f000}, {0x100000, 8 * MiB}}, []span{{0, 0x1000}}, false)
	free0 := Nr_free_pages()
	a := Quicklist_alloc(QUICK_PGTABLE, GFP_KERNEL)
	if a == 0 || QuicklistMisses != 1 || Nr_free_pages() != free0-1 {
		t.Fatalf("first quicklist_alloc: %#x, misses %d", a, QuicklistMisses)
	}
	Quicklist_free(QUICK_PGTABLE, a)
	if Quicklist_total_size() != 1 || Nr_free_pages() != free0-1 {
		t.Fatal("the freed table did not stay on the quicklist")
	}
	if b := Quicklist_alloc(QUICK_PGTABLE, GFP_KERNEL); b != a || QuicklistHits != 1 {
		t.Fatalf("quicklist_alloc gave %#x, want %#x from the list", b, a)
	}
	for i, c := range bytesAt(a, asm.PAGE_SIZE) {
		if c != 0 {
			t.Fatalf("byte %d of the quicklist page is %#x", i, c)
		}
	}
	// A table with an entry left.
	bytesAt(a, asm.PAGE_SIZE)[8*7] = 1
	m.log.Lines()
	Quicklist_free(QUICK_PGTABLE, a)
	if out := strings.Join(m.log.Lines(), "\n"); !strings.Contains(out, "is not empty (entry 7 = 0x1): cleared") {
		t.Fatalf("no report:\n%s", out)
	}
	if b := Quicklist_alloc(QUICK_PGTABLE, GFP_KERNEL); b != a || bytesAt(a, asm.PAGE_SIZE)[8*7] != 0 {
		t.Fatal("the dirty table came back dirty")
	}
	Quicklist_free(QUICK_PGTABLE, a)
	// Two on the list: the one popped must not keep the link to the other.
	b := Quicklist_alloc(QUICK_PGTABLE, GFP_KERNEL)
	c := Quicklist_alloc(QUICK_PGTABLE, GFP_KERNEL)
	Quicklist_free(QUICK_PGTABLE, b)
	Quicklist_free(QUICK_PGTABLE, c)
	if d := Quicklist_alloc(QUICK_PGTABLE, GFP_KERNEL); d != c || bytesAt(d, 8)[0]|bytesAt(d, 8)[1] != 0 {
		t.Fatalf("quicklist_alloc gave %#x with its link word %x", d, bytesAt(d, 8))
	}
	Quicklist_free(QUICK_PGTABLE, c)
	// Trim: more tables than max_pages go back to the buddy allocator.
	var pages []uintptr
	for i := 0; i < 200; i++ {
		pages = append(pages, Quicklist_alloc(QUICK_PGTABLE, GFP_KERNEL))
	}
	for _, p := range pages {
		Quicklist_free(QUICK_PGTABLE, p)
	}
	if n := Quicklist_total_size(); n != max_pages(QUICKLIST_MIN) {
		t.Fatalf("%d pages kept on the quicklist, limit %d", n, max_pages(QUICKLIST_MIN))
	}
	if Nr_free_pages()+Quicklist_total_size() != free0 {
		t.Fatalf("pages lost: %d free + %d on the quicklist, %d before", Nr_free_pages(), Quicklist_total_size(), free0)
	}
	m.check()
}
