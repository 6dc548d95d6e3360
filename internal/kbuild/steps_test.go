package kbuild

import (
	"debug/elf"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"gokern/arch/amd64/asm"
)

// TestStepUpToDate drives one step through every reason to run again, and
// every reason not to.
func TestStepUpToDate(t *testing.T) {
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.S"), filepath.Join(dir, "out.o")
	os.WriteFile(in, []byte("one"), 0o644)
	var logged []string
	b := &builder{o: Options{Root: dir, Out: dir, Log: func(f string, a ...any) { logged = append(logged, f) }}, hashes: map[string]string{}}
	runs, fail := 0, false
	extra := "as --32"
	mk := func() *step {
		return &step{tag: "AS", show: "in.o", inputs: []string{in}, extra: []string{extra}, outputs: []string{out},
			run: func() error {
				runs++
				if fail {
					return errors.New("assembler failed")
				}
				return os.WriteFile(out, []byte("built"), 0o644)
			}}
	}
	do := func(why string, wantRuns int) {
		t.Helper()
		b.hashes = map[string]string{} // a new build
		if err := b.do(mk()); err != nil && !fail {
			t.Fatalf("%s: %v", why, err)
		}
		if runs != wantRuns {
			t.Fatalf("%s: the step ran %d times, want %d", why, runs, wantRuns)
		}
	}
	do("first build", 1)
	do("nothing changed", 1)
	os.WriteFile(in, []byte("two"), 0o644)
	do("input changed", 2)
	do("nothing changed again", 2)
	extra = "as --64"
	do("command changed", 3)
	os.WriteFile(out, []byte("tampered"), 0o644)
	do("output changed since", 4)
	os.Remove(out)
	do("output missing", 5)
	os.Chtimes(out, time.Now().Add(time.Hour), time.Now().Add(time.Hour))
	do("output touched", 6)
	fail = true
	os.WriteFile(in, []byte("three"), 0o644)
	do("failing step", 7)
	fail = false
	do("after a failure the step runs again", 8)
	if len(logged) != 8 || !strings.Contains(logged[0], "%-7s") {
		t.Errorf("logged %q", logged)
	}
	b.o.Force = true
	do("forced", 9)
}

// TestIncludes: an object depends on what its source pulls in, found on
// as's search path.
func TestIncludes(t *testing.T) {
	r := kernel(t)
	wd, _ := os.Getwd()
	root, _ := FindRoot(wd)
	b := &builder{o: Options{Root: root, Out: r.Out}, hashes: map[string]string{}}
	cdir := filepath.Join(r.Out, "compressed")
	got, err := b.includes(filepath.Join(root, "boot", "compressed", "piggy.S"), []string{"boot", cdir})
	if err != nil {
		t.Fatal(err)
	}
	if !contains(got, filepath.Join(cdir, "piggy.bin")) {
		t.Errorf("piggy.S depends on %v, not on piggy.bin", got)
	}
	got, err = b.includes(filepath.Join(root, "boot", "main.S"), []string{"boot", b.incDir()})
	if err != nil {
		t.Fatal(err)
	}
	if !contains(got, filepath.Join(root, "boot", "boot.inc")) || !contains(got, filepath.Join(r.Out, ConstsInc)) {
		t.Errorf("main.S depends on %v, not on boot.inc and the generated consts.inc", got)
	}
	bad := filepath.Join(t.TempDir(), "bad.S")
	os.WriteFile(bad, []byte("\t.include \"nowhere.inc\"\n"), 0o644)
	if _, err := b.includes(bad, nil); err == nil || !strings.Contains(err.Error(), "nowhere.inc") {
		t.Errorf("a missing include: %v", err)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestRebuild: a second build with nothing changed runs no step and leaves
// every output alone; a lost object file is remade, and nothing else.
func TestRebuild(t *testing.T) {
	r := kernel(t)
	wd, _ := os.Getwd()
	root, _ := FindRoot(wd)
	before, _ := os.Stat(r.BzImage)
	var lines []string
	log := func(f string, a ...any) { lines = append(lines, strings.TrimSpace(fmt.Sprintf(f, a...))) }
	r2, err := Build(Options{Root: root, Out: r.Out, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	after, _ := os.Stat(r.BzImage)
	if r2.Steps != 0 || !after.ModTime().Equal(before.ModTime()) || len(lines) != 1 || !strings.Contains(lines[0], "is up to date") {
		t.Fatalf("no-op build: %d steps, log %q", r2.Steps, lines)
	}
	if r2.Piggy == nil || r2.Image == nil || r2.Piggy.Entry != r.Piggy.Entry || len(r2.Image.Bytes) != len(r.Image.Bytes) {
		t.Fatalf("no-op build: incomplete result %+v", r2)
	}
	os.Remove(filepath.Join(r.Out, "boot", "pm.o"))
	lines = nil
	r3, err := Build(Options{Root: root, Out: r.Out, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	if r3.Steps != 1 || len(lines) != 2 || lines[0] != "AS      boot/pm.o" {
		t.Fatalf("after removing pm.o: %d steps, log %q", r3.Steps, lines)
	}
}

// TestTextStart: -T gives the Go linker _text + one page in the signed
// spelling it parses, and the kernel as linked starts at __START_KERNEL,
// physical LOAD_PHYSICAL_ADDR (the page before .text holds the ELF
// header).
func TestTextStart(t *testing.T) {
	v, err := strconv.ParseInt(TextStart, 0, 64)
	if err != nil || uint64(v) != asm.X__START_KERNEL+asm.PAGE_SIZE {
		t.Errorf("TextStart %q = %#x (%v), want __START_KERNEL + PAGE_SIZE", TextStart, uint64(v), err)
	}
	if got := linkerAddr(0x1000); got != "0x1000" {
		t.Errorf("linkerAddr(0x1000) = %q", got)
	}
	f, err := elf.Open(kernel(t).Vmlinux)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	const text = uint64(asm.X__START_KERNEL)
	if s := f.Section(".text"); s == nil || s.Addr != text+asm.PAGE_SIZE {
		t.Fatalf(".text %v, want it at %#x", s, text+asm.PAGE_SIZE)
	}
	// The kernel's first segment (a PVH entry segment may lie low).
	var first *elf.Prog
	for _, p := range f.Progs {
		if p.Type == elf.PT_LOAD && p.Vaddr >= asm.X__START_KERNEL_map && (first == nil || p.Vaddr < first.Vaddr) {
			first = p
		}
	}
	if first == nil || first.Vaddr != text || first.Paddr != asm.LOAD_PHYSICAL_ADDR {
		t.Errorf("the kernel's first PT_LOAD %+v, want _text = %#x at physical %#x", first, text, asm.LOAD_PHYSICAL_ADDR)
	}
}

// TestFreshenForGDB: after a rebase rewrites sources with the same bytes,
// nothing is rebuilt, but gdb must not find a source newer than the
// executable ("Source file is more recent than executable"): the build
// brings the outputs' times forward, through every step (the object
// files, then setup.elf and the boot stage).
func TestFreshenForGDB(t *testing.T) {
	gdb, err := exec.LookPath("gdb")
	if err != nil {
		t.Fatal("gdb not found: ./qemu.sh test installs it (apt-get install gdb)")
	}
	r := kernel(t)
	wd, _ := os.Getwd()
	root, _ := FindRoot(wd)
	later := time.Now().Add(2 * time.Second) // past the build, whatever the clock's grain
	for _, src := range []string{"kmain.go", "boot/main.S", "boot/compressed/head_64.S"} {
		p := filepath.Join(root, src)
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, later, later); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Chtimes(p, st.ModTime(), st.ModTime()) })
	}
	r2, err := Build(Options{Root: root, Out: r.Out, Log: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	if r2.Steps != 0 {
		t.Fatalf("touching sources ran %d steps: the check is by content", r2.Steps)
	}
	for _, c := range []struct{ elf, fn, line string }{
		{r.Vmlinux, "start_kernel", "func start_kernel() {"},
		{r.SetupELF, "main", "main:"},
		{filepath.Join(r.Out, "compressed", "vmlinux"), "startup_32", "startup_32:"},
	} {
		// (The Go runtime's runtime-gdb.py is declined, as tools/gdb does.)
		cmd := exec.Command(gdb, "-batch", "-nx", "-iex", "set auto-load python-scripts off", "-ex", "file "+c.elf, "-ex", "list "+c.fn)
		cmd.Dir = root
		var out, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("gdb: %v\n%s%s", err, out.String(), stderr.String())
		}
		if stderr.Len() != 0 || !strings.Contains(out.String(), c.line) {
			t.Errorf("gdb list %s in %s: stdout\n%s\nstderr\n%s", c.fn, filepath.Base(c.elf), out.String(), stderr.String())
		}
	}
	// A third build finds everything up to date, stamps included.
	r3, err := Build(Options{Root: root, Out: r.Out})
	if err != nil || r3.Steps != 0 {
		t.Fatalf("after freshening: %d steps, %v", r3.Steps, err)
	}
}
