package binfmt_elf

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"gokern/arch/amd64/asm"
	"gokern/internal/userprog"
)

// memFile is an Elf_file over a byte slice.
type memFile struct{ b []byte }

func (m *memFile) Size() uint64 { return uint64(len(m.b)) }

func (m *memFile) Read_at(buf []byte, off uint64) int {
	if off >= uint64(len(m.b)) {
		return 0
	}
	return copy(buf, m.b[off:])
}

// want is what debug/elf says the plan must be, with bias added.
func checkAgainstDebugElf(t *testing.T, data []byte, b *Elf_binary) {
	t.Helper()
	f, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if b.Entry != f.Entry+b.Load_bias {
		t.Errorf("entry %#x, want %#x+%#x", b.Entry, f.Entry, b.Load_bias)
	}
	n := 0
	var brk uint64
	for _, p := range f.Progs {
		if p.Type != elf.PT_LOAD {
			continue
		}
		s := b.Segs[n]
		if s.Vaddr != p.Vaddr+b.Load_bias || s.Memsz != p.Memsz || s.Filesz != p.Filesz || s.Offset != p.Off || s.Flags != uint32(p.Flags) {
			t.Errorf("segment %d = %+v, want %+v", n, s, p.ProgHeader)
		}
		if e := p.Vaddr + p.Memsz + b.Load_bias; e > brk {
			brk = e
		}
		// AT_PHDR: the program headers must be at Phdr_addr, inside this
		// segment's file bytes.
		if f.FileHeader.Type == elf.ET_EXEC || true {
			phoff := uint64(64)
			if phoff >= p.Off && phoff < p.Off+p.Filesz && b.Phdr_addr != phoff-p.Off+p.Vaddr+b.Load_bias {
				t.Errorf("AT_PHDR %#x", b.Phdr_addr)
			}
		}
		n++
	}
	if n != b.Nsegs {
		t.Errorf("%d segments, want %d", b.Nsegs, n)
	}
	if b.Elf_brk != brk {
		t.Errorf("elf_brk %#x, want %#x", b.Elf_brk, brk)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_PHDR && b.Phdr_addr != p.Vaddr+b.Load_bias {
			t.Errorf("AT_PHDR %#x, PT_PHDR says %#x", b.Phdr_addr, p.Vaddr+b.Load_bias)
		}
	}
}

func parseFile(t *testing.T, path string) ([]byte, *Elf_binary) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b := new(Elf_binary)
	if r := Parse(&memFile{data}, uint64(len(data)), b); r != 0 {
		t.Fatalf("%s: Parse = %d (%s)", path, r, b.Why)
	}
	return data, b
}

// TestBusybox: Debian's static busybox (busybox-static), ET_EXEC.
func TestBusybox(t *testing.T) {
	if _, err := os.Stat("/bin/busybox"); err != nil {
		t.Fatalf("busybox-static is not installed (./qemu.sh test installs it; or apt-get install busybox-static): %v", err)
	}
	data, b := parseFile(t, "/bin/busybox")
	if b.Ehdr.E_type != ET_EXEC || b.Load_bias != 0 || b.Executable_stack {
		t.Errorf("type %d bias %#x exec stack %v", b.Ehdr.E_type, b.Load_bias, b.Executable_stack)
	}
	checkAgainstDebugElf(t, data, b)
}

// TestInitPrograms: gokern's own init, linked both ways.
func TestInitPrograms(t *testing.T) {
	p, err := userprog.BuildInit(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	data, b := parseFile(t, p.Exec)
	if b.Ehdr.E_type != ET_EXEC || b.Load_bias != 0 || b.Entry != 0x401000 || b.Phdr_addr != 0x400040 {
		t.Errorf("ET_EXEC: type %d bias %#x entry %#x phdr %#x", b.Ehdr.E_type, b.Load_bias, b.Entry, b.Phdr_addr)
	}
	checkAgainstDebugElf(t, data, b)
	data, b = parseFile(t, p.Pie)
	if b.Ehdr.E_type != ET_DYN || b.Load_bias != ELF_ET_DYN_BASE || b.Segs[0].Vaddr != ELF_ET_DYN_BASE {
		t.Errorf("static PIE: type %d bias %#x first segment %#x", b.Ehdr.E_type, b.Load_bias, b.Segs[0].Vaddr)
	}
	checkAgainstDebugElf(t, data, b)
	if ELF_ET_DYN_BASE != 0x555555554000 {
		t.Errorf("ELF_ET_DYN_BASE = %#x, Linux's is 0x555555554000", uint64(ELF_ET_DYN_BASE))
	}
}

// TestGoBinary: a static Go program (what DESIGN.md §6 runs on gokern
// one day).
func TestGoBinary(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module hello\ngo 1.22\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main\nfunc main() { println(\"hello\") }\n"), 0o644)
	cmd := exec.Command("go", "build", "-o", "hello", ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	data, b := parseFile(t, filepath.Join(dir, "hello"))
	if b.Ehdr.E_type != ET_EXEC {
		t.Errorf("type %d", b.Ehdr.E_type)
	}
	checkAgainstDebugElf(t, data, b)
}

// TestRefused: what exec must refuse, and with which error.
func TestRefused(t *testing.T) {
	p, err := userprog.BuildInit(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	good, _ := os.ReadFile(p.Exec)
	f, _ := elf.NewFile(bytes.NewReader(good))
	var last elf.Prog
	for _, pr := range f.Progs {
		if pr.Type == elf.PT_LOAD && pr.Filesz > 0 {
			last = *pr
		}
	}
	// Truncated anywhere inside the headers or a segment's bytes:
	// -ENOEXEC.
	cuts := []int{0, 3, 4, 20, 63, 64, 64 + 56, 64 + 56*int(f.FileHeader.Type) - 1, int(last.Off) + 1, int(last.Off+last.Filesz) - 1}
	for _, n := range cuts {
		b := new(Elf_binary)
		if r := Parse(&memFile{good[:n]}, uint64(len(good[:n])), b); r != -asm.ENOEXEC {
			t.Errorf("truncated to %d bytes: Parse = %d (%s), want -ENOEXEC", n, r, b.Why)
		}
	}
	phdr := func(mod []byte, i int) []byte { return mod[64+56*i:] }
	loads := []int{}
	for i, pr := range f.Progs {
		if pr.Type == elf.PT_LOAD {
			loads = append(loads, i)
		}
	}
	cases := []struct {
		name string
		edit func(m []byte)
		want int
	}{
		{"bad magic", func(m []byte) { m[1] = 'X' }, -asm.ENOEXEC},
		{"ELF32", func(m []byte) { m[EI_CLASS] = 1 }, -asm.ENOEXEC},
		{"big-endian", func(m []byte) { m[EI_DATA] = 2 }, -asm.ENOEXEC},
		{"ET_REL", func(m []byte) { binary.LittleEndian.PutUint16(m[16:], 1) }, -asm.ENOEXEC},
		{"i386", func(m []byte) { binary.LittleEndian.PutUint16(m[18:], 3) }, -asm.ENOEXEC},
		{"phentsize", func(m []byte) { binary.LittleEndian.PutUint16(m[54:], 32) }, -asm.ENOEXEC},
		{"phoff past the end", func(m []byte) { binary.LittleEndian.PutUint64(m[32:], uint64(len(m))) }, -asm.ENOEXEC},
		{"PT_INTERP", func(m []byte) { binary.LittleEndian.PutUint32(phdr(m, loads[0]), PT_INTERP) }, -asm.ENOEXEC},
		{"kernel half", func(m []byte) { binary.LittleEndian.PutUint64(phdr(m, loads[1])[16:], 0xffffffff81000000) }, -asm.EINVAL},
		{"crosses TASK_SIZE", func(m []byte) {
			binary.LittleEndian.PutUint64(phdr(m, loads[1])[16:], asm.TASK_SIZE_MAX-asm.PAGE_SIZE+0x1000%asm.PAGE_SIZE)
			binary.LittleEndian.PutUint64(phdr(m, loads[1])[40:], 2*asm.PAGE_SIZE)
		}, -asm.EINVAL},
		{"filesz > memsz", func(m []byte) { binary.LittleEndian.PutUint64(phdr(m, loads[1])[40:], 1) }, -asm.EINVAL},
		{"page 0", func(m []byte) { binary.LittleEndian.PutUint64(phdr(m, loads[1])[16:], 0x0) }, -asm.EINVAL},
		{"misaligned", func(m []byte) { binary.LittleEndian.PutUint64(phdr(m, loads[1])[16:], 0x401010) }, -asm.ENOEXEC},
	}
	for _, c := range cases {
		m := bytes.Clone(good)
		c.edit(m)
		b := new(Elf_binary)
		if r := Parse(&memFile{m}, uint64(len(m)), b); r != c.want || b.Why == "" {
			t.Errorf("%s: Parse = %d (%q), want %d", c.name, r, b.Why, c.want)
		}
	}
	if _, err := os.Stat("/bin/ls"); err == nil {
		data, _ := os.ReadFile("/bin/ls")
		b := new(Elf_binary)
		if r := Parse(&memFile{data}, uint64(len(data)), b); r != -asm.ENOEXEC {
			t.Errorf("/bin/ls (dynamic): Parse = %d, want -ENOEXEC", r)
		}
		// The interpreter's name, which kernel/exec looks up to answer
		// -ENOENT when it is missing, as Linux.
		if f, err := elf.Open("/bin/ls"); err == nil {
			defer f.Close()
			for _, p := range f.Progs {
				if p.Type == elf.PT_INTERP {
					want := make([]byte, p.Filesz-1)
					p.ReadAt(want, 0)
					if got := string(b.Interp[:b.Interp_len]); got != string(want) {
						t.Errorf("/bin/ls: Interp %q, want %q", got, want)
					}
				}
			}
		}
	}
}

// TestStack builds the initial stack and reads it back as a C library's
// startup code would.
func TestStack(t *testing.T) {
	p, err := userprog.BuildInit(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	_, b := parseFile(t, p.Exec)
	const top = asm.TASK_SIZE_MAX
	buf := make([]byte, 8192)
	s := New_stack_image(top, buf)
	ep := &Exec_params{
		Filename: []byte("/init"),
		Argv:     [][]byte{[]byte("/init"), []byte("hello"), []byte("")},
		Envp:     [][]byte{[]byte("HOME=/"), []byte("TERM=linux")},
		Uid:      0, Euid: 0, Gid: 0, Egid: 0, Hwcap: 0x178bfbff,
		Sysinfo_ehdr: 0x7ffff7fc1000,
	}
	for i := range ep.Random {
		ep.Random[i] = byte(i * 7)
	}
	arg_start, execfn, r := s.Copy_strings(ep)
	if r != 0 {
		t.Fatal(r)
	}
	sp, r := s.Create_elf_tables(b, ep, arg_start, execfn)
	if r != 0 {
		t.Fatal(r)
	}
	if sp%16 != 0 || sp < s.Base() || sp >= top {
		t.Fatalf("sp %#x", sp)
	}
	mem := func(a uint64) []byte { return buf[a-s.Base():] }
	word := func(a uint64) uint64 { return binary.LittleEndian.Uint64(mem(a)) }
	cstr := func(a uint64) string { m := mem(a); return string(m[:bytes.IndexByte(m, 0)]) }
	if argc := word(sp); argc != 3 {
		t.Fatalf("argc %d", argc)
	}
	a := sp + 8
	for i, want := range []string{"/init", "hello", ""} {
		if got := cstr(word(a)); got != want {
			t.Errorf("argv[%d] = %q", i, got)
		}
		a += 8
	}
	if word(a) != 0 {
		t.Errorf("argv not NULL-terminated")
	}
	a += 8
	for i, want := range []string{"HOME=/", "TERM=linux"} {
		if got := cstr(word(a)); got != want {
			t.Errorf("envp[%d] = %q", i, got)
		}
		a += 8
	}
	if word(a) != 0 {
		t.Errorf("envp not NULL-terminated")
	}
	a += 8
	aux := map[uint64]uint64{}
	var order []uint64
	for {
		k, v := word(a), word(a+8)
		a += 16
		if k == AT_NULL {
			break
		}
		aux[k] = v
		order = append(order, k)
	}
	want := map[uint64]uint64{
		AT_PHDR: 0x400040, AT_PHENT: 56, AT_PHNUM: uint64(b.Phnum), AT_PAGESZ: 4096, AT_ENTRY: 0x401000,
		AT_UID: 0, AT_EUID: 0, AT_GID: 0, AT_EGID: 0, AT_SECURE: 0, AT_BASE: 0, AT_CLKTCK: 100,
		AT_SYSINFO_EHDR: 0x7ffff7fc1000, AT_HWCAP: 0x178bfbff, AT_MINSIGSTKSZ: MINSIGSTKSZ,
	}
	for k, v := range want {
		if got, ok := aux[k]; !ok || got != v {
			t.Errorf("auxv[%d] = %#x (present %v), want %#x", k, got, ok, v)
		}
	}
	if order[0] != AT_SYSINFO_EHDR {
		t.Errorf("AT_SYSINFO_EHDR is not first (ARCH_DLINFO): %v", order)
	}
	if got := cstr(aux[AT_EXECFN]); got != "/init" {
		t.Errorf("AT_EXECFN -> %q", got)
	}
	if got := cstr(aux[AT_PLATFORM]); got != "x86_64" {
		t.Errorf("AT_PLATFORM -> %q", got)
	}
	if got := mem(aux[AT_RANDOM])[:16]; !bytes.Equal(got, ep.Random[:]) {
		t.Errorf("AT_RANDOM bytes %x", got)
	}
	// The strings lie above the tables, below the top word.
	if aux[AT_EXECFN] < a || aux[AT_EXECFN]+6 > top-8 {
		t.Errorf("AT_EXECFN %#x outside (%#x, %#x)", aux[AT_EXECFN], a, top-8)
	}
	// Without a vDSO there is no AT_SYSINFO_EHDR at all.
	ep.Sysinfo_ehdr = 0
	s = New_stack_image(top, buf)
	arg_start, execfn, _ = s.Copy_strings(ep)
	sp, _ = s.Create_elf_tables(b, ep, arg_start, execfn)
	for a := sp + 8*7; word(a) != AT_NULL; a += 16 {
		if word(a) == AT_SYSINFO_EHDR {
			t.Errorf("AT_SYSINFO_EHDR without a vDSO")
		}
	}
	// Too much for the buffer: -E2BIG, never a write outside it.
	small := make([]byte, 128)
	s = New_stack_image(top, small)
	if _, _, r := s.Copy_strings(&Exec_params{Filename: []byte("/init"), Argv: [][]byte{bytes.Repeat([]byte("a"), 200)}}); r != -asm.E2BIG {
		t.Errorf("200-byte argument in 128 bytes: %d, want -E2BIG", r)
	}
	s = New_stack_image(top, small)
	small1 := &Exec_params{Filename: []byte("/init"), Argv: [][]byte{[]byte("x")}}
	arg_start, execfn, _ = s.Copy_strings(small1)
	if _, r := s.Create_elf_tables(b, small1, arg_start, execfn); r != -asm.E2BIG {
		t.Errorf("auxv in 128 bytes: %d, want -E2BIG", r)
	}
}

// TestStackLarge: argv in two parts (a script's rewritten front, then the
// caller's arguments) and an environment of thousands of strings, far
// past the 8 KiB and 64 strings the image once had, in a buffer of
// Stack_image_size bytes: every pointer finds its string, and
// /proc/PID/cmdline's range (Write_stack's arg_start to the
// environment) holds argv exactly.
func TestStackLarge(t *testing.T) {
	p, err := userprog.BuildInit(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	_, b := parseFile(t, p.Exec)
	ep := &Exec_params{
		Filename:  []byte("/tmp/script"),
		Argv:      [][]byte{[]byte("/bin/sh"), []byte("-e"), []byte("/tmp/script")},
		Argv_rest: make([][]byte, 5000),
		Envp:      make([][]byte, 3000),
	}
	for i := range ep.Argv_rest {
		ep.Argv_rest[i] = []byte(strconv.Itoa(i))
	}
	for i := range ep.Envp {
		ep.Envp[i] = []byte("V" + strconv.Itoa(i) + "=" + strings.Repeat("x", i%40))
	}
	const top = asm.TASK_SIZE_MAX
	size := Stack_image_size(ep)
	buf := make([]byte, size)
	s := New_stack_image(top, buf)
	arg_start, execfn, r := s.Copy_strings(ep)
	if r != 0 {
		t.Fatal(r)
	}
	sp, r := s.Create_elf_tables(b, ep, arg_start, execfn)
	if r != 0 {
		t.Fatalf("%d in Stack_image_size's %d bytes", r, size)
	}
	mem := func(a uint64) []byte { return buf[a-s.Base():] }
	word := func(a uint64) uint64 { return binary.LittleEndian.Uint64(mem(a)) }
	cstr := func(a uint64) string { m := mem(a); return string(m[:bytes.IndexByte(m, 0)]) }
	all := append(append([][]byte{}, ep.Argv...), ep.Argv_rest...)
	if argc := word(sp); argc != uint64(len(all)) {
		t.Fatalf("argc %d, want %d", argc, len(all))
	}
	a := sp + 8
	if word(a) != arg_start {
		t.Errorf("argv[0] at %#x, arg_start %#x", word(a), arg_start)
	}
	for i, want := range all {
		if got := cstr(word(a)); got != string(want) {
			t.Fatalf("argv[%d] = %q, want %q", i, got, want)
		}
		a += 8
	}
	if word(a) != 0 {
		t.Fatalf("argv not NULL-terminated")
	}
	a += 8
	env_start := word(a)
	for i, want := range ep.Envp {
		if got := cstr(word(a)); got != string(want) {
			t.Fatalf("envp[%d] = %q, want %q", i, got, want)
		}
		a += 8
	}
	if word(a) != 0 {
		t.Fatalf("envp not NULL-terminated")
	}
	cmdline := bytes.Join(all, []byte{0})
	if got := mem(arg_start)[:env_start-arg_start]; !bytes.Equal(got, append(cmdline, 0)) {
		t.Errorf("arg_start..env_start holds %d bytes, not argv's %d", len(got), len(cmdline)+1)
	}
	if got := cstr(execfn); got != "/tmp/script" {
		t.Errorf("AT_EXECFN -> %q", got)
	}
	// The image is not much larger than what it holds.
	if used := top - sp; size > used+1024 {
		t.Errorf("Stack_image_size %d for %d bytes used", size, used)
	}
}

// FuzzParse: no input makes Parse panic, and whatever it accepts lies in
// user space.
func FuzzParse(f *testing.F) {
	if p, err := userprog.BuildInit(f.TempDir()); err == nil {
		for _, path := range []string{p.Exec, p.Pie} {
			if d, err := os.ReadFile(path); err == nil {
				f.Add(d)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		b := new(Elf_binary)
		if Parse(&memFile{data}, uint64(len(data)), b) != 0 {
			return
		}
		for i := 0; i < b.Nsegs; i++ {
			s := b.Segs[i]
			if s.Vaddr < asm.PAGE_SIZE || s.Vaddr+s.Memsz > asm.TASK_SIZE_MAX || s.Offset+s.Filesz > uint64(len(data)) {
				t.Fatalf("accepted segment %+v", s)
			}
		}
	})
}
