package main

import (
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/arch/x86/x86asm"
)

// The oops of a captured serial log (lkdtm=ACCESS_NULL, a whole boot): the
// RIP line, the Code: bytes with the one in <>, the Call Trace.
func TestParse(t *testing.T) {
	f, err := os.Open("testdata/access_null.log")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	oopses, err := Parse(f)
	if err != nil || len(oopses) != 1 {
		t.Fatalf("%d oopses, %v", len(oopses), err)
	}
	o := oopses[0]
	if o.RIPSym != "main.lkdtm_ACCESS_NULL" || o.RIPOff != 0x15 {
		t.Errorf("RIP %s+%#x", o.RIPSym, o.RIPOff)
	}
	if len(o.Code) != 64 || o.CodeAt != 42 || o.Code[42] != 0x48 || o.Code[43] != 0x8b {
		t.Errorf("Code: %d bytes, RIP at %d: % x", len(o.Code), o.CodeAt, o.Code)
	}
	if len(o.Trace) != 10 || o.Trace[0] != 0xffffffff810ac118 || !strings.HasPrefix(o.TraceText[0], "main.lkdtm_do_action+0xb8/0x340") {
		t.Errorf("trace %d frames: %#x %q", len(o.Trace), o.Trace, o.TraceText)
	}
	want := []string{"BUG: kernel NULL pointer dereference, address: 0000000000000040", "#PF: supervisor read access in kernel mode",
		"#PF: error_code(0x0000) - not-present page", "PGD 0 P4D 0", "exception: vector 14 (#PF page fault) error code 0x0",
		"Oops: 0000 [#1] CPU: 0", "in kernel code at main.lkdtm_ACCESS_NULL (/tmp/gokern/lkdtm.go:83)"}
	if strings.Join(o.Headlines, "|") != strings.Join(want, "|") {
		t.Errorf("headlines %q", o.Headlines)
	}
	// A bounds failure: the trace runs from the kernel function, and the
	// runtime's #PF follows as secondary, with its own RIP.
	f2, err := os.Open("testdata/array_bounds.log")
	if err != nil {
		t.Fatal(err)
	}
	defer f2.Close()
	oopses, err = Parse(f2)
	if err != nil || len(oopses) != 1 || oopses[0].RIPSym != "runtime.pcvalue" ||
		!strings.HasPrefix(oopses[0].TraceText[0], "main.lkdtm_ARRAY_BOUNDS+0x26/0x40") {
		t.Fatalf("bounds oops: %v %+v", err, oopses)
	}
	if !strings.Contains(strings.Join(oopses[0].Headlines, "|"), "kernel BUG: index out of range [20] with length 8 (Go bounds check)") {
		t.Errorf("headlines %q", oopses[0].Headlines)
	}
}

// Disassemble marks the trapping instruction as decodecode does, from an
// offset where the instructions line up with it, and decodes again from
// it; the bytes cut at the end of the Code: line are reported as such.
func TestDisassemble(t *testing.T) {
	code := []byte{0x8b, 0x5c, 0x24, 0x10, 0x48, 0x8b, 0x4c, 0x24, 0x18, 0xe9, 0xc7, 0xfc, 0xff, 0xff, 0xcc, 0xcc,
		0x49, 0x3b, 0x66, 0x10, 0x48, 0x8b, 0x52, 0x40, 0x4c, 0x8d, 0x4c, 0x24, 0x30, 0x48, 0x89}
	out := strings.Join(Disassemble(code, 20, 0x1000, nil), "\n")
	for _, want := range []string{
		"  14:*\t48 8b 52 40             \tmov 0x40(%rdx),%rdx\t\t<-- trapping instruction",
		"  10: \t49 3b 66 10             \tcmp 0x10(%r14),%rsp",
		"  1d: \t48 89                   \t(truncated)",
		"Code starting with the faulting instruction\n===========================================\n   0: \t48 8b 52 40             \tmov 0x40(%rdx),%rdx\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("listing lacks %q:\n%s", want, out)
		}
	}
	// Whatever byte the prologue starts with (the Code: line cuts it
	// anywhere), decoding starts where it lines up with the marked byte.
	for b := 0; b < 256; b++ {
		out = strings.Join(Disassemble(append([]byte{byte(b)}, code[4:]...), 17, 0x1000, nil), "\n")
		if !strings.Contains(out, "  11:*\t48 8b 52 40             \tmov 0x40(%rdx),%rdx\t\t<-- trapping instruction") {
			t.Fatalf("prologue %#x:\n%s", b, out)
		}
	}
}

// Frames, on a program's DWARF (testdata/inline, built here: go test's
// own binaries carry none): the return address of the call inside code
// inlined into caller names inlined, at its line, [inline], then caller
// at the line of the call.
func TestFramesInline(t *testing.T) {
	exe := filepath.Join(t.TempDir(), "inline")
	if out, err := exec.Command("go", "build", "-o", exe, "./testdata/inline").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	k, err := Open(exe)
	if err != nil {
		t.Fatal(err)
	}
	start, ok := k.Addr("main.caller", 0)
	target, ok2 := k.Addr("main.returnAddress", 0)
	if !ok || !ok2 {
		t.Fatal("no main.caller or main.returnAddress")
	}
	f, err := elf.Open(exe)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	code := make([]byte, 256)
	for _, s := range f.Sections {
		if s.Addr <= start && start < s.Addr+s.Size {
			s.ReadAt(code, int64(start-s.Addr))
		}
	}
	var ret uint64
	for off := 0; off < len(code) && ret == 0; {
		inst, err := x86asm.Decode(code[off:], 64)
		if err != nil {
			t.Fatal(err)
		}
		if rel, ok := inst.Args[0].(x86asm.Rel); inst.Op == x86asm.CALL && ok && start+uint64(off+inst.Len)+uint64(int64(rel)) == target {
			ret = start + uint64(off+inst.Len)
		}
		off += inst.Len
	}
	if ret == 0 {
		t.Fatal("no call of returnAddress in caller")
	}
	frames := k.Frames(ret - 1)
	if len(frames) != 2 || frames[0].Func != "main.inlined" || !frames[0].Inline || frames[1].Func != "main.caller" || frames[1].Inline ||
		!strings.HasSuffix(frames[0].File, "inline/main.go") || frames[0].Line != lineOf(t, "return returnAddress() + x") ||
		frames[1].Line != lineOf(t, "func caller(x int) int { return inlined(x) * 2 }") {
		t.Fatalf("frames of %#x: %+v", ret-1, frames)
	}
	if name, off := k.Func(ret - 1); name != "main.caller" || off == 0 {
		t.Errorf("Func(%#x) = %s+%#x", ret-1, name, off)
	}
}

func lineOf(t *testing.T, s string) int {
	b, err := os.ReadFile("testdata/inline/main.go")
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range strings.Split(string(b), "\n") {
		if strings.Contains(l, s) {
			return i + 1
		}
	}
	t.Fatalf("no %q", s)
	return 0
}
