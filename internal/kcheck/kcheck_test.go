package kcheck

import (
	"bufio"
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// buildFixture links testdata/fixture with the stock toolchain, as the
// kernel is linked, and returns the path of the ELF.
func buildFixture(t *testing.T) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "fixture")
	cmd := exec.Command("go", "build", "-o", out, "./testdata/fixture")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the fixture: %v\n%s", err, b)
	}
	return out
}

// fixtureLine returns the line of testdata/fixture/main.go that contains s.
func fixtureLine(t *testing.T, s string) int {
	t.Helper()
	f, err := os.Open("testdata/fixture/main.go")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		if strings.Contains(sc.Text(), s) {
			return n
		}
	}
	t.Fatalf("fixture has no line containing %q", s)
	return 0
}

func TestFixture(t *testing.T) {
	elfPath := buildFixture(t)
	opt := Options{KernelPrefixes: []string{"main.kern"}}
	r, err := Analyze(elfPath, opt)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range r.Violations {
		t.Logf("%v", v)
	}

	c := classifier{kernelPrefixes: opt.KernelPrefixes}
	bad := []struct {
		fn     string
		line   string   // text of the offending line in the fixture
		callee []string // acceptable callee prefixes
		path   bool     // reached only transitively
	}{
		{"main.kernBadMake", "make([]int, n)", []string{"runtime.makeslice"}, false},
		{"main.kernBadAppend", "append(s, v)", []string{"runtime.growslice"}, false},
		{"main.kernBadIface", "sinkAny = v", []string{"runtime.convT64"}, false},
		{"main.kernBadNew", "new([4]int)", []string{"runtime.newobject", "runtime.mallocgc"}, false},
		{"main.kernBadMap", "m[7]", []string{"runtime.mapaccess1"}, false},
		// strconv.Itoa is inlined; what is called is FormatInt (in Go 1.26
		// it lives in internal/strconv), which reaches the allocator.
		{"main.kernBadItoa", "strconv.Itoa(v)", []string{"strconv.", "internal/strconv."}, true},
	}
	reported := make(map[string][]Violation)
	for _, v := range r.Violations {
		reported[v.Func] = append(reported[v.Func], v)
	}
	for _, b := range bad {
		vs := reported[b.fn]
		if len(vs) != 1 {
			t.Errorf("%s: got %d violations, want 1", b.fn, len(vs))
			continue
		}
		v := vs[0]
		if !hasAnyPrefix(v.Callee, b.callee) {
			t.Errorf("%s: callee %s, want one of %v", b.fn, v.Callee, b.callee)
		}
		if want := fixtureLine(t, b.line); !strings.HasSuffix(v.File, "testdata/fixture/main.go") || v.Line != want {
			t.Errorf("%s: position %s:%d, want testdata/fixture/main.go:%d", b.fn, v.File, v.Line, want)
		}
		if !b.path {
			if v.Path != nil {
				t.Errorf("%s: direct call has path %v", b.fn, v.Path)
			}
			if c.kind(v.Callee) != kindForbidden {
				t.Errorf("%s: callee %s is not forbidden", b.fn, v.Callee)
			}
			continue
		}
		if len(v.Path) < 2 || v.Path[0] != v.Callee || c.kind(v.Path[len(v.Path)-1]) != kindForbidden {
			t.Errorf("%s: path %v should run from %s to a forbidden function", b.fn, v.Path, v.Callee)
		}
		for _, p := range v.Path[:len(v.Path)-1] {
			if c.kind(p) != kindOther {
				t.Errorf("%s: path %v goes through %s", b.fn, v.Path, p)
			}
		}
		if s := v.String(); !strings.Contains(s, "main.kernBadItoa (") || !strings.Contains(s, " via ") {
			t.Errorf("String() = %q", s)
		}
	}
	for fn, vs := range reported {
		if !strings.HasPrefix(fn, "main.kernBad") {
			t.Errorf("clean function reported: %v", vs)
		}
	}
	if len(r.Violations) != len(bad) {
		t.Errorf("got %d violations, want %d", len(r.Violations), len(bad))
	}
	// main.kernBad* (6), main.kernGood* (5) and kernGoodDefer.func1.
	if r.KernelFuncs != 12 || r.CallsChecked < 15 {
		t.Errorf("KernelFuncs = %d, CallsChecked = %d; want 12, >= 15", r.KernelFuncs, r.CallsChecked)
	}

	// The clean functions are clean for the right reason: they do call the
	// stop functions, and the checker saw those calls.
	f, err := elf.Open(elfPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	g, err := buildGraph(f, c)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range []struct{ from, to string }{
		{"main.kernGood", "runtime.panicBounds"},
		{"main.kernGood", "runtime.panicdivide"},
		{"main.kernGood", "runtime.memmove"},
		{"main.kernGood", "runtime.morestack_noctxt.abi0"},
		{"main.kernGoodPtr", "runtime.gcWriteBarrier"},
		{"main.kernGoodCopy", "runtime.wbMove"},
		{"main.kernGoodCopy", "runtime.typedslicecopy"},
		{"main.kernGoodDefer", "runtime.deferreturn"},
		{"main.kernGoodCaller", "main.kernGood"},
	} {
		if !g.hasCallTo(e.from, e.to) {
			t.Errorf("no call from %s to %s* in the graph", e.from, e.to)
		}
	}
}

// hasCallTo reports whether function from calls a function whose name starts
// with to.
func (g *callGraph) hasCallTo(from, to string) bool {
	n, ok := g.index[from]
	if !ok {
		return false
	}
	for _, s := range g.calls[n] {
		if strings.HasPrefix(g.names[s.to], to) {
			return true
		}
	}
	return false
}

func TestCheckGraph(t *testing.T) {
	g := newCallGraph()
	for _, e := range []struct {
		from, to string
		pc       uint64
	}{
		{"k.direct", "runtime.growslice", 0x10},
		{"k.direct", "runtime.memmove", 0x11}, // leaf: fine
		{"k.direct", "runtime.panicBounds", 0x12},
		{"runtime.panicBounds", "runtime.printlock", 0},

		{"k.deep", "lib.f", 0x20},
		{"k.deep", "lib.f", 0x28}, // two call sites: two violations
		{"lib.f", "lib.g", 0},
		{"lib.g", "runtime.mallocgcTiny", 0},

		// Shortest path wins: lib.p -> runtime.makemap beats lib.p -> lib.q -> ...
		{"k.short", "lib.p", 0x30},
		{"lib.p", "lib.q", 0},
		{"lib.q", "lib.r", 0},
		{"lib.r", "runtime.newobject", 0},
		{"lib.p", "runtime.makemap_small", 0},

		// The crash path is not followed.
		{"k.crash", "lib.check", 0x40},
		{"lib.check", "runtime.throw", 0},
		{"runtime.throw", "runtime.systemstack", 0},
		{"lib.check", "runtime.morestack_noctxt.abi0", 0},
		{"runtime.morestack_noctxt.abi0", "runtime.newstack", 0},
		{"runtime.newstack", "runtime.gopark", 0},

		// Kernel functions are not entered: k.caller is clean even though
		// k.direct is not, and a library function that calls back into the
		// kernel does not inherit the kernel's violations.
		{"k.caller", "k.direct", 0x50},
		{"k.caller", "lib.cb", 0x51},
		{"lib.cb", "k.direct", 0},

		// Cycles terminate; a cycle that reaches the allocator is found.
		{"k.cycle", "lib.c1", 0x60},
		{"lib.c1", "lib.c2", 0},
		{"lib.c2", "lib.c1", 0},
		{"k.cycle2", "lib.d1", 0x70},
		{"lib.d1", "lib.d2", 0},
		{"lib.d2", "lib.d1", 0},
		{"lib.d2", "runtime.systemstack.abi0", 0},

		// The map implementation is forbidden as a whole.
		{"k.maps", "internal/runtime/maps.(*Map).putSlotSmall", 0x80},
	} {
		g.addCall(e.from, e.to, e.pc)
	}
	g.node("k.empty")

	viol, nk, calls := g.check(classifier{kernelPrefixes: []string{"k."}})
	want := []Violation{
		{Func: "k.cycle2", PC: 0x70, Callee: "lib.d1", Path: []string{"lib.d1", "lib.d2", "runtime.systemstack.abi0"}},
		{Func: "k.deep", PC: 0x20, Callee: "lib.f", Path: []string{"lib.f", "lib.g", "runtime.mallocgcTiny"}},
		{Func: "k.deep", PC: 0x28, Callee: "lib.f", Path: []string{"lib.f", "lib.g", "runtime.mallocgcTiny"}},
		{Func: "k.direct", PC: 0x10, Callee: "runtime.growslice"},
		{Func: "k.maps", PC: 0x80, Callee: "internal/runtime/maps.(*Map).putSlotSmall"},
		{Func: "k.short", PC: 0x30, Callee: "lib.p", Path: []string{"lib.p", "runtime.makemap_small"}},
	}
	if !reflect.DeepEqual(viol, want) {
		t.Errorf("violations:\n%v\nwant:\n%v", viol, want)
	}
	if nk != 9 {
		t.Errorf("kernel functions = %d, want 9", nk)
	}
	// Calls out of kernel functions, not counting the one to k.direct.
	if calls != 11 {
		t.Errorf("calls checked = %d, want 11", calls)
	}
}

func TestClassifier(t *testing.T) {
	c := classifier{kernelPrefixes: []string{"main.", "gokern/"}}
	for name, want := range map[string]funcKind{
		"main.kmain":                             kindKernel,
		"gokern/memblock.memblock_add":           kindKernel,
		"gokern/mm.(*Cache[go.shape.int]).Alloc": kindKernel,
		"gokern/arch/amd64.lgdt.abi0":            kindKernel,
		"runtime.mallocgc":                       kindForbidden,
		"runtime.mallocgcSmallScanNoHeaderSC3":   kindForbidden,
		"runtime.newobject":                      kindForbidden,
		"runtime.growsliceNoAlias":               kindForbidden,
		"runtime.convTstring":                    kindForbidden,
		"runtime.mapassign_faststr":              kindForbidden,
		"internal/runtime/maps.newarray":         kindForbidden,
		"runtime.systemstack.abi0":               kindForbidden,
		"runtime.printlock":                      kindForbidden,
		"runtime.panicBounds":                    kindStop,
		"runtime.goPanicIndex":                   kindStop,
		"runtime.morestack_noctxt.abi0":          kindStop,
		"runtime.throw":                          kindStop,
		"runtime.gcWriteBarrier2":                kindStop,
		"runtime.memmove":                        kindOther,
		"runtime.typedmemmove":                   kindOther,
		"strconv.Itoa":                           kindOther,
		"mainly.notkernel":                       kindOther,
	} {
		if got := c.kind(name); got != want {
			t.Errorf("kind(%q) = %d, want %d", name, got, want)
		}
	}
}

// TestForbiddenNamesExist guards the exact-name list against typos and
// against renames in a future Go release: every name must still be a
// function of the runtime this module is built with.
func TestForbiddenNamesExist(t *testing.T) {
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		t.Skipf("go env GOROOT: %v", err)
	}
	files, _ := filepath.Glob(filepath.Join(strings.TrimSpace(string(out)), "src", "runtime", "*.go"))
	var src strings.Builder
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		src.Write(b)
	}
	all := src.String()
	for name := range forbiddenExact {
		fn := strings.TrimPrefix(name, "runtime.")
		if !strings.Contains(all, "\nfunc "+fn+"(") {
			t.Errorf("%s is not a function in this Go's runtime", name)
		}
	}
}

func TestViolationString(t *testing.T) {
	v := Violation{Func: "gokern/x.f", File: "x/f.go", Line: 12, Callee: "runtime.newobject"}
	if got, want := v.String(), "gokern/x.f (x/f.go:12): calls runtime.newobject"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	v.Callee, v.Path = "a", []string{"a", "b", "runtime.mallocgc"}
	if got, want := v.String(), "gokern/x.f (x/f.go:12): calls a via a -> b -> runtime.mallocgc"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
