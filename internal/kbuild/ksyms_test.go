package kbuild

import (
	"bytes"
	"debug/dwarf"
	"debug/elf"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestLinuxName(t *testing.T) {
	for _, c := range []struct {
		sym, want string // want "" = no alias
	}{
		{"main.start_kernel", "start_kernel"},
		{"gokern/memblock.Memblock_reserve", "memblock_reserve"},
		{"gokern/memblock.memblock_add_range", "memblock_add_range"},
		{"gokern/e820.E820__range_add", "e820__range_add"},
		{"gokern/arch/amd64.X__flush_tlb_all", "__flush_tlb_all"},
		{"gokern/bootmem.X___alloc_bootmem_nopanic", "___alloc_bootmem_nopanic"},
		{"gokern/arch/amd64.X_text", "_text"},
		{"gokern/printk.__log_buf", "__log_buf"},
		{"gokern/arch/amd64.E820_table", "e820_table"},
		{"gokern/arch/amd64.startup_64.abi0", "startup_64"},
		{"gokern/arch/amd64.x86_64_start_kernel.abi0", "x86_64_start_kernel"},
		{"gokern/paging.(*mapper).phys_pud_init", "phys_pud_init"},
		{"gokern/paging.(*dumpState).note_page", "note_page"},
		{"gokern/paging.PAGE_OFFSET_VAR", "PAGE_OFFSET_VAR"},
		{"gokern/memblock.memblock", "memblock"},
		{"gokern/printk.Printk", "printk"},
		// No Linux name: Go style, generated, or not the kernel's.
		{"gokern/paging.Walk", ""},
		{"gokern/kallsyms.Lookup", ""},
		{"gokern/printk.depth", ""},
		{"gokern/paging.(*LinearMem).Table", ""},
		{"gokern/paging.PgProt.format", ""},
		{"gokern/arch/amd64.Setup_arch.parse_early_param.func1", ""},
		{"gokern/arch/amd64.verify_new_tables.func1", ""},
		{"main.build_info.str", ""},
		{"main.main", ""},
		{"gokern/arch/amd64..inittask", ""},
		{"gokern/arch/amd64.init", ""},
		{"gokern/memblock.Memblock_alloc[go.shape.int]", ""},
		{"gokern/fs..dict.objCache[gokern/fs.Files_struct]", ""},
		{"gokern/mm/slab..dict.Cache[gokern/fs.Seq_file]", ""},
		{"gokern/x.F.args_stackmap", ""},
		{"gokern/internal/kbuild.Build_all", ""},
		{"runtime.mallocgc", ""},
		{"runtime.no_pointers_stackmap", ""},
		{"type:*gokern/e820.Table", ""},
		{"go:itab.*gokern/arch/amd64.directMap,gokern/memblock.PhysMem", ""},
		{"gokern/x.__", ""},
	} {
		got, ok := LinuxName(c.sym)
		if ok != (c.want != "") || got != c.want {
			t.Errorf("LinuxName(%q) = %q, %v; want %q", c.sym, got, ok, c.want)
		}
	}
}

func sym(name string, value uint64, typ elf.SymType) elf.Symbol {
	return elf.Symbol{Name: name, Value: value, Size: 8, Info: elf.ST_INFO(elf.STB_GLOBAL, typ), Section: 1}
}

// TestAliasesCollisions: two Go names with one Linux name are reported,
// with both names, and neither symbol loses its alias; ABI wrappers are
// not collisions, and the alias goes to the body.
func TestAliasesCollisions(t *testing.T) {
	syms := []elf.Symbol{
		sym("gokern/bootmem.Max_pfn", 0x100, elf.STT_OBJECT),
		sym("gokern/memblock.Max_pfn", 0x200, elf.STT_OBJECT),
		sym("gokern/arch/amd64.setup_bootmem_allocator", 0x300, elf.STT_FUNC),
		sym("gokern/bootmem.Setup_bootmem_allocator", 0x400, elf.STT_FUNC),
		// Assembly: the .abi0 symbol is the body.
		sym("gokern/arch/amd64.startup_64", 0x500, elf.STT_FUNC),
		sym("gokern/arch/amd64.startup_64.abi0", 0x600, elf.STT_FUNC),
		// Go called from assembly: the plain symbol is the body.
		sym("gokern/arch/amd64.x86_64_start_kernel", 0x700, elf.STT_FUNC),
		sym("gokern/arch/amd64.x86_64_start_kernel.abi0", 0x800, elf.STT_FUNC),
		// A Linux name that already is a symbol.
		sym("gokern/x.Memcpy_thing", 0x900, elf.STT_FUNC),
		sym("memcpy_thing", 0xa00, elf.STT_FUNC),
		sym("gokern/paging.Walk", 0xb00, elf.STT_FUNC),
		// Methods of one name on two types: no collision, both aliased.
		sym("gokern/drivers/acpi.(*AcpiMadtNmiSource).Inti_flags", 0xc00, elf.STT_FUNC),
		sym("gokern/drivers/acpi.(*AcpiMadtLocalApicNmi).Inti_flags", 0xd00, elf.STT_FUNC),
		// A method and a function of one name: a collision.
		sym("gokern/paging.(*mapper).alloc_low_page", 0xe00, elf.STT_FUNC),
		sym("gokern/arch/amd64/mm.alloc_low_page", 0xf00, elf.STT_FUNC),
	}
	aliases, coll := Aliases(syms, map[string]bool{"gokern/arch/amd64.startup_64": true})
	got := map[string][]uint64{}
	for _, a := range aliases {
		got[a.Name] = append(got[a.Name], a.Value)
	}
	for name, want := range map[string][]uint64{
		"max_pfn": {0x100, 0x200}, "setup_bootmem_allocator": {0x300, 0x400},
		"startup_64": {0x600}, "x86_64_start_kernel": {0x700},
		"inti_flags": {0xc00, 0xd00}, "alloc_low_page": {0xe00, 0xf00},
	} {
		if len(got[name]) != len(want) || (len(want) == 1 && got[name][0] != want[0]) {
			t.Errorf("alias %s at %#x, want %#x", name, got[name], want)
		}
	}
	if _, ok := got["memcpy_thing"]; ok {
		t.Errorf("an alias shadows the existing symbol memcpy_thing")
	}
	if len(aliases) != 10 {
		t.Errorf("%d aliases, want 10: %v", len(aliases), aliases)
	}
	want := []string{
		"Linux name alloc_low_page is ambiguous: gokern/arch/amd64/mm.alloc_low_page, gokern/paging.(*mapper).alloc_low_page",
		"Linux name max_pfn is ambiguous: gokern/bootmem.Max_pfn, gokern/memblock.Max_pfn",
		"Linux name memcpy_thing is ambiguous: gokern/x.Memcpy_thing, memcpy_thing (a symbol of its own)",
		"Linux name setup_bootmem_allocator is ambiguous: gokern/arch/amd64.setup_bootmem_allocator, gokern/bootmem.Setup_bootmem_allocator",
	}
	if len(coll) != len(want) {
		t.Fatalf("collisions %v, want %d", coll, len(want))
	}
	for i, w := range want {
		if !strings.HasPrefix(coll[i].String(), w) {
			t.Errorf("collision %d: %q, want %q...", i, coll[i], w)
		}
	}
}

func TestScanAsm(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "arch", "amd64"), 0o755)
	src := "#include \"textflag.h\"\n" +
		"TEXT ·plain(SB),NOSPLIT,$0\n\tRET\n" +
		"// the bottom of the stack\n// UNWIND_HINT_END_OF_STACK\n\n" +
		"TEXT ·bottom(SB),NOSPLIT|NOFRAME,$0\n\tRET\n" +
		"// UNWIND_HINT_END_OF_STACK\nDATA ·x+0(SB)/8, $0\nTEXT ·after(SB),NOSPLIT,$0\n\tRET\n"
	os.WriteFile(filepath.Join(dir, "arch", "amd64", "head_64.s"), []byte(src), 0o644)
	os.WriteFile(filepath.Join(dir, "top.s"), []byte("TEXT ·main_asm(SB),0,$0\n"), 0o644)
	got, err := ScanAsm(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{
		"gokern/arch/amd64.plain": false, "gokern/arch/amd64.bottom": true,
		"gokern/arch/amd64.after": false, "main.main_asm": false,
	}
	if len(got) != len(want) {
		t.Fatalf("ScanAsm = %v", got)
	}
	for _, f := range got {
		if eos, ok := want[f.Name]; !ok || eos != f.EndOfStack {
			t.Errorf("ScanAsm: %+v, want end of stack %v (known: %v)", f, eos, ok)
		}
	}
}

var (
	kernelOnce [2]sync.Once
	kernelRes  [2]*Result
	kernelErr  [2]error
)

// kernel builds gokern into a temporary directory once per test binary.
func kernel(t *testing.T) *Result { return kernelBuild(t, false) }

// kernelBuild builds gokern, or its -N -l debug build (DEBUG_BUILD=1, the
// one students run gdb on), into a temporary directory once per test
// binary.
func kernelBuild(t *testing.T, debug bool) *Result {
	t.Helper()
	i := 0
	if debug {
		i = 1
	}
	kernelOnce[i].Do(func() {
		wd, _ := os.Getwd()
		root, err := FindRoot(wd)
		if err != nil {
			kernelErr[i] = err
			return
		}
		dir, err := os.MkdirTemp("", "gokern-kbuild-test-")
		if err != nil {
			kernelErr[i] = err
			return
		}
		kernelRes[i], kernelErr[i] = Build(Options{Root: root, Out: dir, Debug: debug})
	})
	if kernelErr[i] != nil {
		t.Fatal(kernelErr[i])
	}
	return kernelRes[i]
}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, r := range kernelRes {
		if r != nil {
			os.RemoveAll(r.Out)
		}
	}
	os.Exit(code)
}

// TestVmlinuxNoCollisions: in the kernel as built, and in its debug build
// (where functions the compiler inlines elsewhere have symbols of their
// own), every Linux name has one owner (DESIGN.md §8), so that `break
// e820__memory_setup` stops in one function and `print max_pfn` reads one
// variable. The build's warning names a new duplicate; this test makes it
// fail the suite.
func TestVmlinuxNoCollisions(t *testing.T) {
	for _, debug := range []bool{false, true} {
		r := kernelBuild(t, debug)
		if len(r.Aliases) < 200 {
			t.Fatalf("debug %v: only %d aliases: did the build derive them?", debug, len(r.Aliases))
		}
		for _, c := range r.Collisions {
			t.Errorf("%s: %s", map[bool]string{false: "build/vmlinux", true: "the debug build (DEBUG_BUILD=1)"}[debug], c)
		}
	}
}

// TestVmlinuxAliases checks the built kernel: every alias is an ELF symbol
// at its Go symbol's address, variables have DWARF of their own with the
// Go variable's type, startup_64_high's unwind information says
// "outermost", and what is loaded is what the Go linker wrote.
func TestVmlinuxAliases(t *testing.T) {
	r := kernel(t)
	if len(r.Aliases) < 200 {
		t.Fatalf("only %d aliases", len(r.Aliases))
	}
	f, err := elf.Open(r.Vmlinux)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	syms, _ := f.Symbols()
	byName := map[string][]elf.Symbol{}
	for _, s := range syms {
		byName[s.Name] = append(byName[s.Name], s)
	}
	for _, a := range r.Aliases {
		ok := false
		for _, s := range byName[a.Name] {
			ok = ok || (s.Value == a.Value && s.Size == a.Size)
		}
		tgt := byName[a.Target]
		if !ok || len(tgt) != 1 || tgt[0].Value != a.Value {
			t.Errorf("alias %s: symbols %v, target %s %v", a.Name, byName[a.Name], a.Target, tgt)
		}
	}
	for _, n := range []string{"start_kernel", "setup_arch", "memblock_reserve", "__flush_tlb_all", "__log_buf", "memblock", "printk", "startup_64", "e820_table"} {
		if len(byName[n]) == 0 {
			t.Errorf("no alias %s", n)
		}
	}
	// DWARF: the variable aliases, typed like their Go variables.
	d, err := f.DWARF()
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]dwarf.Offset{}
	rd := d.Reader()
	for {
		e, err := rd.Next()
		if err != nil {
			t.Fatal(err)
		}
		if e == nil {
			break
		}
		if e.Tag == dwarf.TagVariable {
			n, _ := e.Val(dwarf.AttrName).(string)
			typ, _ := e.Val(dwarf.AttrType).(dwarf.Offset)
			vars[n] = typ
		}
		if e.Tag != dwarf.TagCompileUnit {
			rd.SkipChildren()
		}
	}
	nvars := 0
	for _, a := range r.Aliases {
		if a.Func {
			continue
		}
		if _, ok := vars[a.Target]; !ok {
			continue // a variable without DWARF of its own (linker-made)
		}
		nvars++
		if vars[a.Name] == 0 && len(byName[a.Name]) == 1 {
			t.Errorf("DWARF has no variable %s", a.Name)
		}
	}
	if nvars != r.DWARFVariables || nvars < 50 {
		t.Errorf("%d DWARF variable aliases, result says %d", nvars, r.DWARFVariables)
	}
	for _, n := range []string{"__log_buf", "e820_table", "memblock"} {
		if vars[n] == 0 || vars[n] != vars[byName[n][0].Name] {
			typ, err := d.Type(vars[n])
			t.Errorf("DWARF variable %s: type %v (%v)", n, typ, err)
		}
	}
	// The bottoms of stacks: the boot CPU's, each AP's
	// (secondary_startup_64) and every kernel thread's (kernel/sched's
	// first frame returns into ret_from_fork_asm).
	outermost := []string{"gokern/arch/amd64.startup_64_high.abi0", "gokern/arch/amd64.secondary_startup_64.abi0",
		"gokern/arch/amd64/entry.ret_from_fork_asm.abi0"}
	if r.EndOfStack != len(outermost) {
		t.Errorf("%d functions marked outermost, want %d (%v)", r.EndOfStack, len(outermost), outermost)
	}
	// .debug_frame: their FDEs start with DW_CFA_undefined rip.
	frame := f.Section(".debug_frame")
	fb, _ := frame.Data()
	bottom := map[uint64]bool{}
	for _, name := range outermost {
		s := byName[name]
		if len(s) != 1 {
			t.Fatalf("%s: %v", name, s)
		}
		bottom[s[0].Value] = true
	}
	var clobbered []byte
	for _, r := range goClobbered {
		clobbered = append(clobbered, dwCfaUndefined, r)
	}
	marked, cies := 0, 0
	for off := 0; off < len(fb); {
		n := int(binary.LittleEndian.Uint32(fb[off:]))
		body := fb[off+4 : off+4+n]
		if binary.LittleEndian.Uint32(body) == 0xffffffff {
			cies++
			if !bytes.Contains(body, clobbered) {
				t.Errorf("CIE at %#x does not mark Go's clobbered registers undefined", off)
			}
		} else {
			cie := int(binary.LittleEndian.Uint32(body))
			if cie >= len(fb) || binary.LittleEndian.Uint32(fb[cie+4:]) != 0xffffffff {
				t.Fatalf("FDE at %#x points at %#x, not a CIE", off, cie)
			}
			undef := body[20] == dwCfaUndefined && body[21] == dwRegRIP
			isHigh := bottom[binary.LittleEndian.Uint64(body[4:])]
			if undef != isHigh {
				t.Errorf("FDE at %#x for %#x: undefined rip %v", off, binary.LittleEndian.Uint64(body[4:]), undef)
			}
			if undef {
				marked++
			}
		}
		off += 4 + n
	}
	if marked != len(outermost) || cies == 0 {
		t.Errorf("%d FDEs marked, %d CIEs", marked, cies)
	}
}

// TestELFRewriteKeepsLoad: rewriting moves only sections that are not
// loaded; the loaded bytes and every unchanged section stay the same, but
// for e_shoff in the ELF header, which the first segment includes.
func TestELFRewriteKeepsLoad(t *testing.T) {
	r := kernel(t)
	im, err := readELFImage(r.Vmlinux)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "vmlinux")
	im.repl[im.index(".debug_abbrev")] = append(append([]byte(nil), im.content(im.index(".debug_abbrev"))...), 0, 0, 0)
	if err := im.write(out); err != nil {
		t.Fatal(err)
	}
	a, _ := elf.Open(r.Vmlinux)
	b, err := elf.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	defer b.Close()
	for i, p := range a.Progs {
		q := b.Progs[i]
		if p.ProgHeader != q.ProgHeader {
			t.Errorf("program header %d changed: %+v → %+v", i, p.ProgHeader, q.ProgHeader)
		}
		pb := make([]byte, p.Filesz)
		qb := make([]byte, q.Filesz)
		p.ReadAt(pb, 0)
		q.ReadAt(qb, 0)
		if p.Off == 0 && len(pb) >= 0x30 {
			copy(qb[0x28:0x30], pb[0x28:0x30]) // e_shoff
		}
		if !bytes.Equal(pb, qb) {
			t.Errorf("segment %d changed", i)
		}
	}
	for i, s := range a.Sections {
		sb, _ := s.Data()
		tb, _ := b.Sections[i].Data()
		if s.Name == ".debug_abbrev" {
			if len(tb) != len(sb)+3 || !bytes.Equal(tb[:len(sb)], sb) {
				t.Errorf(".debug_abbrev not replaced")
			}
		} else if !bytes.Equal(sb, tb) || s.Addr != b.Sections[i].Addr {
			t.Errorf("section %s changed", s.Name)
		}
	}
}
