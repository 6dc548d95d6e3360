package paging_test

import (
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"path/filepath"
	"strings"
	"testing"
)

// TestLevelsDoNotMix proves the package doc's claim that mixing levels (or
// physical and virtual addresses) is a compile error: it type-checks the
// package's own source together with one extra file per snippet, as the
// compiler would, and asserts which snippets fail. A Go test cannot contain
// code that does not compile; go/types is the compiler's type checker
// packaged as a library.
func TestLevelsDoNotMix(t *testing.T) {
	fset := token.NewFileSet()
	var pkgFiles []*ast.File
	names, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		pkgFiles = append(pkgFiles, f)
	}
	if len(pkgFiles) == 0 {
		t.Fatal("no package sources found")
	}
	// The package imports gokern/arch/amd64/asm: type-check that from
	// source too (the gc export data of a module package is not on disk).
	imp := importer.ForCompiler(fset, "source", nil)
	check := func(snippet string) error {
		src := "package paging\n" + snippet + "\n"
		f, err := parser.ParseFile(fset, "snippet.go", src, 0)
		if err != nil {
			t.Fatalf("parse %q: %v", snippet, err)
		}
		var first error
		conf := types.Config{
			Importer: imp,
			Error: func(err error) {
				if first == nil {
					first = err
				}
			},
		}
		conf.Check("gokern/paging", fset, append(pkgFiles[:len(pkgFiles):len(pkgFiles)], f), nil)
		return first
	}

	// The package alone type-checks: the failures below are the snippets'.
	if err := check(""); err != nil {
		t.Fatalf("package does not type-check on its own: %v", err)
	}
	for _, c := range []struct {
		snippet string
		errText string // "" means it must compile
	}{
		// The doc comment's example.
		{"var p PMD = PTE(0)", "cannot use PTE(0) (constant 0 of uint64 type PTE) as PMD value in variable declaration"},
		{"func f(e PTE) PMD { return e }", "cannot use e (variable of uint64 type PTE) as PMD value in return statement"},
		{"func f(p *PMD, e PTE) { Set_pmd(p, e) }", "cannot use e (variable of uint64 type PTE) as PMD value in argument to Set_pmd"},
		{"func f(p *PUD) *PMD { return p }", "cannot use p (variable of type *PUD) as *PMD value in return statement"},
		{"func f(g PGD) PUD { return g }", "cannot use g (variable of uint64 type PGD) as PUD value in return statement"},
		{"func f(e PTE) PgProt { return e }", "cannot use e (variable of uint64 type PTE) as PgProt value in return statement"},
		// The __pa/__va mix-up.
		{"func f(v VirtAddr) PhysAddr { return v }", "cannot use v (variable of uint64 type VirtAddr) as PhysAddr value in return statement"},
		{"func f(v VirtAddr) VirtAddr { return Va(v) }", "cannot use v (variable of uint64 type VirtAddr) as PhysAddr value in argument to Va"},
		{"func f(p PhysAddr) PhysAddr { return Pa(p) }", "cannot use p (variable of uint64 type PhysAddr) as VirtAddr value in argument to Pa"},
		{"func f(n PFN) PhysAddr { return n }", "cannot use n (variable of uint64 type PFN) as PhysAddr value in return statement"},
		// Controls: what is allowed does compile.
		{"var p PMD = PMD(PTE(0))", ""},
		{"var p PMD = 0", ""},
		{"func f(p PhysAddr) VirtAddr { return Va(p) }", ""},
		{"func f(p *PGD) *P4D { return P4d_offset(p, 0) }", ""},
	} {
		err := check(c.snippet)
		switch {
		case c.errText == "" && err != nil:
			t.Errorf("%q: unexpected error %v", c.snippet, err)
		case c.errText != "" && err == nil:
			t.Errorf("%q compiles; want error %q", c.snippet, c.errText)
		case c.errText != "" && !strings.Contains(err.Error(), c.errText):
			t.Errorf("%q: error %q, want %q", c.snippet, err, c.errText)
		case c.errText != "" && !strings.HasPrefix(err.Error(), "snippet.go:"):
			t.Errorf("%q: error %q is not in the snippet", c.snippet, err)
		}
	}
}
