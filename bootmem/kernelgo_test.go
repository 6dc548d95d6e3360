package bootmem_test

import (
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gokern/internal/kcheck"
)

// The kernel-Go rules of DESIGN.md §4, checked on the compiled code, since
// only the compiler knows what allocates.

var kernelPkgs = []string{"gokern/e820", "gokern/memblock", "gokern/bootmem"}

// TestNoInitCode: the kernel never runs package initialisers, so the
// compiler must not have generated any work for them — no init()
// functions, no variable initialised at run time. (Go still emits an empty
// <pkg>.init, a lone RET, for packages that import others.)
func TestNoInitCode(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles the packages")
	}
	for _, pkg := range kernelPkgs {
		out, err := exec.Command("go", "build", "-o", "/dev/null", "-gcflags="+pkg+"=-S", pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", pkg, err, out)
		}
		re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(pkg) + `\.init(\.\d+)? STEXT.*size=(\d+)`)
		ms := re.FindAllStringSubmatch(string(out), -1)
		if len(ms) == 0 && !strings.Contains(string(out), " STEXT") {
			t.Fatalf("%s: no assembly listing from the compiler", pkg)
		}
		for _, m := range ms {
			if m[1] != "" || m[2] != "1" {
				t.Errorf("%s: %s.init%s has %s bytes of code: a variable is initialised at run time, or there is an init()",
					pkg, pkg, m[1], m[2])
			}
		}
	}
}

// TestKernelGo links testdata/kernelgo, which calls every API of the three
// packages, and lets kcheck look for calls into the Go allocator or
// scheduler.
func TestKernelGo(t *testing.T) {
	if testing.Short() {
		t.Skip("links a program")
	}
	bin := filepath.Join(t.TempDir(), "kernelgo")
	if out, err := exec.Command("go", "build", "-o", bin, "./testdata/kernelgo").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	var prefixes []string
	for _, p := range kernelPkgs {
		prefixes = append(prefixes, p+".")
	}
	// gokern's policy (its allow-list covers kallsyms, which memblock=debug
	// uses to name callers), with these packages and kallsyms as the kernel.
	opt := kcheck.Gokern()
	opt.KernelPrefixes = append(prefixes, "gokern/kallsyms.")
	r, err := kcheck.Analyze(bin, opt)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range r.Violations {
		t.Error(v)
	}
	if r.KernelFuncs < 50 {
		t.Errorf("only %d kernel functions checked", r.KernelFuncs)
	}
	t.Logf("%d kernel functions, %d calls checked", r.KernelFuncs, r.CallsChecked)
}
