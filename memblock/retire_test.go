package memblock

import (
	"strings"
	"testing"

	"gokern/internal/ktest"
)

// TestRetired: after Memblock_discard every allocation, reservation or
// change is a bug report naming the caller, handed to the panic hook, and
// fails; the doubled arrays' pages went to release.
func TestRetired(t *testing.T) {
	ram := ktest.NewRAM(t, 64<<20)
	Init(ram)
	Memblock_allow_resize()
	Memblock_add(0, 64<<20)
	for i := uint64(0); i < INIT_MEMBLOCK_REGIONS+10; i++ {
		Memblock_reserve(1<<20+i*0x2000, 0x1000) // forces the reserved array to double
	}
	var released uint64
	pages := Memblock_discard(func(s, e uint64) { released += e - s })
	if pages == 0 || released != pages<<12 {
		t.Fatalf("discard released %d pages (%d bytes)", pages, released)
	}
	c := ktest.StartCapture(t)
	var hooked []string
	PanicHook = func(msg string) { hooked = append(hooked, strings.Clone(msg)) }
	t.Cleanup(func() { PanicHook = nil; Init(nil) })
	if _, err := Memblock_alloc(4096, 4096); err != ErrRetired {
		t.Fatalf("memblock_alloc after discard: %v", err)
	}
	if _, err := Memblock_phys_alloc_range(4096, 4096, 0, 1<<30); err != ErrRetired {
		t.Fatalf("memblock_phys_alloc_range after discard: %v", err)
	}
	if Memblock_reserve(0, 4096) != ErrRetired || Memblock_add(0, 4096) != ErrRetired || Memblock_free(0, 4096) != ErrRetired {
		t.Fatal("changes after discard")
	}
	lines := c.Lines()
	if len(lines) != 5 || len(hooked) != 5 ||
		lines[0] != "BUG: "+hooked[0] ||
		!strings.HasPrefix(hooked[0], "memblock_alloc called after mem_init retired memblock") ||
		!strings.Contains(hooked[0], "from gokern/memblock.TestRetired+0x") {
		t.Fatalf("reports %q, hook %q", lines, hooked)
	}
}
