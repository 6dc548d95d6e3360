package bench

import (
	"os"
	"path/filepath"
	"testing"
)

// TestCountTranslated: blocks and instructions of a -d in_asm log as QEMU
// 7.2 writes it (a "----------------" separator, "IN:" and an optional
// symbol line, then one line per instruction).
func TestCountTranslated(t *testing.T) {
	log := "----------------\nIN: \n0xfffffff0:  ea 5b e0 00 f0           ljmpw    $0xf000:$0xe05b\n\n" +
		"----------------\nIN: start_kernel\n0xffffffff81000000:  55                       pushq    %rbp\n" +
		"0xffffffff81000001:  48 89 e5                 movq     %rsp, %rbp\n\n"
	f := filepath.Join(t.TempDir(), "in_asm.log")
	if err := os.WriteFile(f, []byte(log), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := CountTranslated(f)
	if err != nil || got != (Translated{Blocks: 2, Insns: 3}) {
		t.Fatalf("CountTranslated = %+v, %v; want 2 blocks, 3 instructions", got, err)
	}
	if _, err := CountTranslated(filepath.Join(t.TempDir(), "none")); err == nil {
		t.Fatal("no error for a missing log")
	}
}
