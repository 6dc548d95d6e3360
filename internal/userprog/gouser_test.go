package userprog

import (
	"debug/elf"
	"os"
	"path/filepath"
	"testing"
)

// TestGoInitrd: user/init builds with the stock toolchain into a static
// x86-64 Linux executable (no PT_INTERP: gokern loads static programs
// only) and is packed as /init.
func TestGoInitrd(t *testing.T) {
	dir := t.TempDir()
	cpio := filepath.Join(dir, "goinit.cpio")
	if err := GoInitrd(filepath.Join(Root(), "user", "init"), cpio, nil); err != nil {
		t.Fatal(err)
	}
	f, err := elf.Open(filepath.Join(dir, "goinit.init"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.Machine != elf.EM_X86_64 || f.Type != elf.ET_EXEC || f.OSABI != elf.ELFOSABI_NONE {
		t.Errorf("machine %v type %v osabi %v, want a static x86-64 ET_EXEC", f.Machine, f.Type, f.OSABI)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			t.Errorf("program header %v: not a static binary", p.Type)
		}
	}
	if f.Section(".go.buildinfo") == nil {
		t.Error("no .go.buildinfo: not built by the Go toolchain")
	}
	b, err := os.ReadFile(cpio)
	if err != nil {
		t.Fatal(err)
	}
	if string(b[:6]) != "070701" || len(b)%4 != 0 {
		t.Errorf("not a newc archive")
	}
}

// TestBuildGoFile: a single main.go outside the user module builds
// (GOINIT=path/to/main.go), and a broken one reports the compiler's error.
func TestBuildGoFile(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "main.go")
	os.WriteFile(src, []byte("package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"hi\") }\n"), 0o644)
	if _, err := BuildGo(src, filepath.Join(dir, "hi")); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(src, []byte("package main\n\nfunc main() { undefined() }\n"), 0o644)
	if _, err := BuildGo(src, filepath.Join(dir, "bad")); err == nil {
		t.Fatal("a program that does not compile built")
	}
}
