package layout

import (
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	kasm "gokern/arch/amd64/asm"
)

// repoRoot is the module root, two directories up from this package.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(root, "go.mod")); err != nil || !strings.HasPrefix(string(b), "module gokern\n") {
		t.Fatalf("%s is not gokern's root", root)
	}
	return root
}

// sources walks the tree (not build/, .git or testdata) and calls fn for
// every file whose name ends in one of exts.
func sources(t *testing.T, root string, fn func(rel string, src []byte), exts ...string) {
	t.Helper()
	if err := WalkSources(root, fn, exts...); err != nil {
		t.Fatal(err)
	}
}

func facts() (byName map[string]Fact) {
	byName = map[string]Fact{}
	for _, f := range Owners {
		byName[f.Name] = f
		if f.Linux != "" {
			byName[f.Linux] = f
		}
	}
	return byName
}

// hasLiteral reports whether e spells a number out (rather than only
// naming other constants).
func hasLiteral(e ast.Expr) bool {
	lit := false
	ast.Inspect(e, func(n ast.Node) bool {
		if b, ok := n.(*ast.BasicLit); ok && (b.Kind == token.INT || b.Kind == token.FLOAT) {
			lit = true
		}
		return !lit
	})
	return lit
}

// hexInString finds the numbers in a string literal, signed or not.
var hexInString = regexp.MustCompile(`-?0[xX][0-9a-fA-F]+`)

// inKernelMap reports whether lit, a Go integer literal that may carry a
// minus sign, is an address of the kernel text mapping
// [__START_KERNEL_map, + KERNEL_IMAGE_SIZE), and its offset there. The Go
// linker takes such an address as a negative number (DESIGN.md §6:
// -T -0x7efff000 is 0xffffffff81001000), so both spellings count.
func inKernelMap(lit string) (uint64, bool) {
	neg := strings.HasPrefix(lit, "-")
	v, err := strconv.ParseUint(strings.TrimPrefix(lit, "-"), 0, 64)
	if err != nil || v == 0 {
		return 0, false
	}
	if neg {
		v = -v
	}
	if v < kasm.X__START_KERNEL_map || v-kasm.X__START_KERNEL_map >= kasm.KERNEL_IMAGE_SIZE {
		return 0, false
	}
	return v - kasm.X__START_KERNEL_map, true
}

// TestSingleDefinition: each fact of Owners gets its value in its owner
// only. Elsewhere a Go constant of that name may refer to the owner
// (NAME = asm.NAME, or an expression of named constants), but not write a
// number; no Go assembly #defines it; no GNU as source or linker script
// .sets it (but those of AsmAllowed); no package but the owner declares
// one of the watched variables; and the layout's distinctive addresses
// are written out only in their owner (comments and tests aside: a test
// pins a value on purpose), as is any address of the kernel text mapping,
// in either sign and in a string too (the linker's -T).
func TestSingleDefinition(t *testing.T) {
	root := repoRoot(t)
	byName := facts()
	checked := 0
	sources(t, root, func(rel string, src []byte) {
		if strings.HasSuffix(rel, "_test.go") {
			return
		}
		pkg := "gokern"
		if d := filepath.ToSlash(filepath.Dir(rel)); d != "." {
			pkg += "/" + d
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, rel, src, 0)
		if err != nil {
			t.Errorf("%s: %v", rel, err)
			return
		}
		checked++
		ast.Inspect(f, func(n ast.Node) bool {
			gd, ok := n.(*ast.GenDecl)
			if !ok || (gd.Tok != token.CONST && gd.Tok != token.VAR) {
				return true
			}
			for _, s := range gd.Specs {
				vs := s.(*ast.ValueSpec)
				for i, name := range vs.Names {
					fact, watched := byName[name.Name]
					if !watched || pkg == fact.Owner {
						continue
					}
					where := fset.Position(name.Pos())
					switch {
					case fact.Var || gd.Tok == token.VAR:
						t.Errorf("%s: declares %s, which %s owns: use that one", where, name.Name, fact.Owner)
					case i >= len(vs.Values):
						t.Errorf("%s: %s gets a value by iota or repetition; it belongs to %s", where, name.Name, fact.Owner)
					case hasLiteral(vs.Values[i]):
						t.Errorf("%s: %s is given a number here; it belongs to %s: refer to it (%s.%s)",
							where, name.Name, fact.Owner, filepath.Base(fact.Owner), fact.Name)
					}
				}
			}
			return true
		})
		// Literals, outside the owner of each.
		var s scanner.Scanner
		file := token.NewFileSet().AddFile(rel, -1, len(src))
		s.Init(file, src, nil, 0)
		neg := false
		for {
			pos, tok, lit := s.Scan()
			if tok == token.EOF {
				break
			}
			if tok == token.SUB {
				neg = true
				continue
			}
			wasNeg := neg
			neg = false
			var nums []string
			switch tok {
			case token.INT:
				if wasNeg {
					lit = "-" + lit
				}
				nums = []string{lit}
			case token.STRING:
				// A number handed to a tool: the Go linker's -T. (Not
				// in the table of Literals, this package's own data.)
				if pkg != "gokern/internal/layout" {
					nums = hexInString.FindAllString(lit, -1)
				}
			default:
				continue
			}
			for _, lit := range nums {
				if name, ok := Literals[strings.ToLower(lit)]; ok && byName[name].Owner != pkg {
					t.Errorf("%s: %s written out: it is %s (%s)", file.Position(pos), lit, name, byName[name].Owner)
				} else if off, ok := inKernelMap(lit); ok && pkg != asm {
					t.Errorf("%s: %s written out: it is __START_KERNEL_map + %#x: derive it from %s's constants", file.Position(pos), lit, off, asm)
				}
			}
		}
	}, ".go")
	if checked < 50 {
		t.Fatalf("only %d Go files checked", checked)
	}

	goDefine := regexp.MustCompile(`(?m)^\s*#define\s+(\w+)`)
	gnuSet := regexp.MustCompile(`(?m)^\s*(?:\.(?:set|equ|equiv)\s+(\w+)\s*,|#define\s+(\w+)|(\w+)\s*=[^=])`)
	comment := regexp.MustCompile(`(?s)/\*.*?\*/|//[^\n]*|(?m)^\s*#\s*[^di\n][^\n]*`)
	asmFiles := 0
	sources(t, root, func(rel string, src []byte) {
		asmFiles++
		code := comment.ReplaceAllString(string(src), "")
		goAsm := strings.HasSuffix(rel, ".s")
		re := gnuSet
		if goAsm {
			re = goDefine
		}
		for _, m := range re.FindAllStringSubmatch(code, -1) {
			name := m[1]
			for _, g := range m[2:] {
				if name == "" {
					name = g
				}
			}
			fact, ok := byName[name]
			if !ok {
				continue
			}
			if why, allowed := AsmAllowed[rel]; allowed && !goAsm {
				t.Logf("%s: defines %s itself (allowed: %s)", rel, name, why)
				continue
			}
			if goAsm {
				t.Errorf("%s: #define %s: take const_%s from go_asm.h instead (a constant of the package referring to %s)", rel, name, name, fact.Owner)
			} else {
				t.Errorf("%s: defines %s: take it from generated/consts.inc (its owner is %s)", rel, name, fact.Owner)
			}
		}
		for lit, name := range Literals {
			if strings.Contains(strings.ToLower(code), lit) {
				t.Errorf("%s: %s written out: it is %s (%s)", rel, lit, name, byName[name].Owner)
			}
		}
	}, ".s", ".S", ".inc", ".ld", ".lds")
	if asmFiles < 10 {
		t.Fatalf("only %d assembly files checked", asmFiles)
	}
}
