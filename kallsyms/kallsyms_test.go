package kallsyms

import (
	"runtime"
	"strings"
	"testing"
)

//go:noinline
func here() uintptr {
	pc, _, _, _ := runtime.Caller(0)
	return pc
}

func TestLookupMatchesRuntime(t *testing.T) {
	pc := here()
	sym, ok := Lookup(pc)
	if !ok {
		t.Fatal("Lookup found nothing")
	}
	f := runtime.FuncForPC(pc)
	file, line := f.FileLine(pc)
	if sym.Name != f.Name() || sym.Entry != f.Entry() || sym.File != file || sym.Line != line {
		t.Fatalf("Lookup = %+v, runtime says %s %#x %s:%d", sym, f.Name(), f.Entry(), file, line)
	}
	if sym.Name != "gokern/kallsyms.here" || !strings.HasSuffix(sym.File, "kallsyms_test.go") {
		t.Fatalf("unexpected symbol %+v", sym)
	}
	var buf [128]byte
	n := Sprint_symbol(buf[:], pc)
	if want := "gokern/kallsyms.here+0x"; !strings.HasPrefix(string(buf[:n]), want) {
		t.Fatalf("Sprint_symbol = %q", buf[:n])
	}
	if _, ok := Lookup(1); ok {
		t.Fatal("Lookup(1) found a function")
	}
	if n := Sprint_symbol(buf[:], 0x1234); string(buf[:n]) != "0x1234" {
		t.Fatalf("Sprint_symbol(0x1234) = %q", buf[:n])
	}
}

func TestIsRuntime(t *testing.T) {
	for name, want := range map[string]bool{"runtime.mallocgc": true, "internal/runtime/maps.f": true, "gokern/x.f": false, "main.start_kernel": false} {
		if IsRuntime(name) != want {
			t.Errorf("IsRuntime(%q) != %v", name, want)
		}
	}
}

func TestLookupDoesNotAllocate(t *testing.T) {
	pc := here()
	if a := testing.AllocsPerRun(100, func() { Lookup(pc) }); a != 0 {
		t.Fatalf("Lookup allocates %v times", a)
	}
}
