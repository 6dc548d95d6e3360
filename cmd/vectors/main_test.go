package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGeneratedFilesUpToDate regenerates every checked-in output and fails
// when one differs: edit cmd/vectors or asm.EXCEPTION_ERRCODE_MASK, then
// run go generate ./arch/amd64.
func TestGeneratedFilesUpToDate(t *testing.T) {
	for _, c := range []struct {
		cfg Config
		dir string
	}{{Early, "../../arch/amd64"}, {Entry, "../../arch/amd64/entry"}} {
		s, g := Generate(c.cfg)
		for ext, want := range map[string][]byte{".s": s, ".go": g} {
			path := filepath.Join(c.dir, c.cfg.Out+ext)
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s is stale: run go generate ./%s (cmd/vectors)", path, filepath.ToSlash(filepath.Clean(c.dir[len("../../"):])))
			}
		}
	}
}

// The error-code vectors are SDM Vol. 3A Table 6-1's "Error Code: Yes"
// rows (#DF, #TS, #NP, #SS, #GP, #PF, #AC, #CP) and AMD's #VC and #SX
// (APM Vol. 2 Table 8-1); the stubs of all others push a zero.
func TestErrorCodeVectors(t *testing.T) {
	want := map[int]bool{8: true, 10: true, 11: true, 12: true, 13: true, 14: true, 17: true, 21: true, 29: true, 30: true}
	for v := 0; v < 256; v++ {
		if hasErrorCode(v) != want[v] {
			t.Errorf("vector %d: error code %v, want %v", v, hasErrorCode(v), want[v])
		}
	}
	s, _ := Generate(Config{Pkg: "x", Prefix: "v", Common: "common", Array: "tbl", N: 256, Out: "x", Doc: "All"})
	text := string(s)
	for _, v := range []struct {
		stub, body string
	}{
		{"TEXT ·v_8(SB)", "\t// the CPU pushed an error code\n\tPUSHQ\t$8\n\tJMP\t·common(SB)\n"},
		{"TEXT ·v_9(SB)", "\tPUSHQ\t$0\t\t\t// no error code from the CPU\n\tPUSHQ\t$9\n\tJMP\t·common(SB)\n"},
		{"TEXT ·v_255(SB)", "\tPUSHQ\t$0\t\t\t// no error code from the CPU\n\tPUSHQ\t$255\n"},
	} {
		i := strings.Index(text, v.stub)
		if i < 0 || !strings.HasPrefix(text[i+len(v.stub)+len(",NOSPLIT|NOFRAME,$0\n"):], v.body) {
			t.Errorf("stub %s is not %q", v.stub, v.body)
		}
	}
	if !strings.Contains(text, "DATA ·tbl+2040(SB)/8, $·v_255(SB)\nGLOBL ·tbl(SB), NOPTR|RODATA, $2048\n") {
		t.Error("the table of 256 stubs is wrong")
	}
}

// The final IDT's stubs carry Linux 4.x's entry_64.S names, external
// interrupts, but not the int $0x80 gate, go to common_interrupt, and the
// four IST exceptions (#DB, NMI, #DF, #MC) to paranoid_entry.
func TestEntryStubs(t *testing.T) {
	s, g := Generate(Entry)
	text := string(s)
	for _, v := range []struct{ stub, body string }{
		{"TEXT ·divide_error(SB)", "\tPUSHQ\t$0\t\t\t// no error code from the CPU\n\tPUSHQ\t$0\n\tJMP\t·error_entry(SB)\n"},
		{"TEXT ·page_fault(SB)", "\t// the CPU pushed an error code\n\tPUSHQ\t$14\n\tJMP\t·error_entry(SB)\n"},
		{"TEXT ·debug(SB)", "\tPUSHQ\t$0\t\t\t// no error code from the CPU\n\tPUSHQ\t$1\n\tJMP\t·paranoid_entry(SB)\n"},
		{"TEXT ·nmi(SB)", "\tPUSHQ\t$0\t\t\t// no error code from the CPU\n\tPUSHQ\t$2\n\tJMP\t·paranoid_entry(SB)\n"},
		{"TEXT ·double_fault(SB)", "\t// the CPU pushed an error code\n\tPUSHQ\t$8\n\tJMP\t·paranoid_entry(SB)\n"},
		{"TEXT ·machine_check(SB)", "\tPUSHQ\t$0\t\t\t// no error code from the CPU\n\tPUSHQ\t$18\n\tJMP\t·paranoid_entry(SB)\n"},
		{"TEXT ·int3(SB)", "\tPUSHQ\t$0\t\t\t// no error code from the CPU\n\tPUSHQ\t$3\n\tJMP\t·error_entry(SB)\n"},
		{"TEXT ·reserved_22(SB)", "\tPUSHQ\t$0\t\t\t// no error code from the CPU\n\tPUSHQ\t$22\n\tJMP\t·error_entry(SB)\n"},
		{"TEXT ·entry_INT80_compat(SB)", "\tPUSHQ\t$0\t\t\t// no error code from the CPU\n\tPUSHQ\t$128\n\tJMP\t·error_entry(SB)\n"},
		{"TEXT ·irq_entries_start_32(SB)", "\tPUSHQ\t$0\t\t\t// no error code from the CPU\n\tPUSHQ\t$32\n\tJMP\t·common_interrupt(SB)\n"},
		{"TEXT ·irq_entries_start_255(SB)", "\tPUSHQ\t$0\t\t\t// no error code from the CPU\n\tPUSHQ\t$255\n\tJMP\t·common_interrupt(SB)\n"},
	} {
		i := strings.Index(text, v.stub)
		if i < 0 || !strings.HasPrefix(text[i+len(v.stub)+len(",NOSPLIT|NOFRAME,$0\n"):], v.body) {
			t.Errorf("stub %s is not %q", v.stub, v.body)
		}
	}
	if strings.Count(text, "JMP\t·paranoid_entry(SB)") != 4 {
		t.Errorf("%d stubs jump to paranoid_entry, want 4", strings.Count(text, "JMP\t·paranoid_entry(SB)"))
	}
	if strings.Count(text, "TEXT ·") != 256 || !strings.Contains(text, "DATA ·Idt_entries+1024(SB)/8, $·entry_INT80_compat(SB)\n") {
		t.Error("the table of 256 stubs is wrong")
	}
	if !strings.Contains(string(g), "func general_protection()\n") || !strings.Contains(string(g), "var Idt_entries [256]uintptr\n") {
		t.Error("Go declarations missing")
	}
}
