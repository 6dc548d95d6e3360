package kallsyms

import (
	"strings"
	"testing"

	"gokern/internal/kbuild"
)

// TestLinuxName: the kernel's Linux_name agrees with the build's
// kbuild.LinuxName (the aliases gdb sees) and copies what the rule does
// not cover.
func TestLinuxName(t *testing.T) {
	var buf [128]byte
	for _, sym := range []string{
		"main.start_kernel", "gokern/mm.Mm_init", "gokern/memblock.Memblock_reserve",
		"gokern/arch/amd64.X__flush_tlb_all", "gokern/arch/amd64.Setup_arch",
		"gokern/printk.__log_buf", "gokern/mm.X__free_pages", "gokern/arch/amd64/asm.PAGE_OFFSET",
		"gokern/paging.Walk", "runtime.mallocgc", "gokern/kallsyms.Lookup", "main.main",
	} {
		got := string(buf[:Linux_name(buf[:], sym)])
		want, ok := kbuild.LinuxName(sym)
		if !ok {
			want = sym
		}
		if got != want {
			t.Errorf("Linux_name(%q) = %q, want %q", sym, got, want)
		}
	}
}

//go:noinline
func sized(x int) int { return x*3 + 1 }

func TestSprintSymbolLinux(t *testing.T) {
	var buf [128]byte
	pc := here()
	got := string(buf[:Sprint_symbol_linux(buf[:], pc)])
	if !strings.HasPrefix(got, "gokern/kallsyms.here+0x") || !strings.Contains(got, "/0x") {
		t.Fatalf("Sprint_symbol_linux = %q", got)
	}
	sym, _ := Lookup(pc)
	size := Symbol_size(pc)
	if s, ok := Lookup(sym.Entry + size - 1); !ok || s.Entry != sym.Entry {
		t.Fatalf("the last byte of here is not in here (size %#x)", size)
	}
	if s, ok := Lookup(sym.Entry + size); ok && s.Entry == sym.Entry {
		t.Fatalf("here extends past its size %#x", size)
	}
}
