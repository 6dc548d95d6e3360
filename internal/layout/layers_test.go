package layout

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

type listedPkg struct {
	ImportPath string
	Dir        string
	GoFiles    []string
	Imports    []string
	Deps       []string
}

// kernelPackages lists the module's packages but the host tools (cmd/,
// internal/): the kernel's, linked into build/vmlinux yet or not.
func kernelPackages(t *testing.T) []string {
	t.Helper()
	cmd := exec.Command("go", "list", "./...")
	cmd.Dir = repoRoot(t)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list ./...: %v", err)
	}
	var pkgs []string
	for _, path := range strings.Fields(string(out)) {
		if !strings.HasPrefix(path, "gokern/cmd/") && !strings.HasPrefix(path, "gokern/internal/") {
			pkgs = append(pkgs, path)
		}
	}
	return pkgs
}

// goList runs go list -deps -json over the kernel's packages (for
// GOOS=linux GOARCH=amd64, as internal/kbuild builds them) and returns the
// gokern packages among them and their dependencies.
func goList(t *testing.T) map[string]listedPkg {
	t.Helper()
	cmd := exec.Command("go", append([]string{"list", "-deps", "-json"}, kernelPackages(t)...)...)
	cmd.Dir = repoRoot(t)
	cmd.Env = append(cmd.Environ(), "GOOS=linux", "GOARCH=amd64", "CGO_ENABLED=0")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	pkgs := map[string]listedPkg{}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p listedPkg
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		if p.ImportPath == "gokern" || strings.HasPrefix(p.ImportPath, "gokern/") {
			pkgs[p.ImportPath] = p
			// Read the directory and the sources, so that go test's
			// cache knows this result depends on them (it does not see
			// what go list read).
			if _, err := os.ReadDir(p.Dir); err != nil {
				t.Fatal(err)
			}
			for _, f := range p.GoFiles {
				if _, err := os.ReadFile(filepath.Join(p.Dir, f)); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	return pkgs
}

func isGokern(path string) bool { return path == "gokern" || strings.HasPrefix(path, "gokern/") }

// TestLayering: every kernel package is in Layers, imports only what its
// row allows, and every package it allows comes before it in the table.
func TestLayering(t *testing.T) {
	pkgs := goList(t)
	if len(pkgs) < 10 {
		t.Fatalf("only %d kernel packages: is go list looking at the right module?", len(pkgs))
	}
	row := map[string]int{}
	for i, l := range Layers {
		if _, dup := row[l.Pkg]; dup {
			t.Errorf("%s is in Layers twice", l.Pkg)
		}
		row[l.Pkg] = i
	}
	for i, l := range Layers {
		for _, m := range l.May {
			if m == "*" {
				continue
			}
			if j, ok := row[m]; !ok || j >= i {
				t.Errorf("Layers: %s may import %s, which is not listed before it", l.Pkg, m)
			}
		}
	}
	for path, p := range pkgs {
		i, ok := row[path]
		if strings.HasPrefix(path, "gokern/internal/") || strings.HasPrefix(path, "gokern/cmd/") {
			t.Errorf("%s is a host package, but kernel code imports it", path)
			continue
		}
		if !ok {
			t.Errorf("%s is a kernel package but not in internal/layout.Layers: add a row at the layer it belongs to (and to docs/layout.md)", path)
			continue
		}
		l := Layers[i]
		for _, imp := range p.Imports {
			if !isGokern(imp) {
				continue
			}
			j, known := row[imp]
			allowed := known && j < i && (contains(l.May, "*") || contains(l.May, imp))
			if !allowed {
				t.Errorf("%s imports %s: not allowed by internal/layout.Layers (%s may import: %s)",
					path, imp, path, strings.Join(l.May, ", "))
			}
		}
	}
	// The bottom imports nothing of gokern, not even indirectly.
	for _, d := range pkgs[asm].Deps {
		if isGokern(d) {
			t.Errorf("%s depends on %s: the bottom layer imports no gokern package", asm, d)
		}
	}
}

func contains(s []string, x string) bool {
	for _, v := range s {
		if v == x {
			return true
		}
	}
	return false
}

// TestLayersDocumented: docs/layout.md's table of layers lists every
// package of Layers (it mirrors the table; this keeps the two together).
func TestLayersDocumented(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join(repoRoot(t), "docs", "layout.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range Layers {
		name := "`" + strings.TrimPrefix(l.Pkg, "gokern/") + "`"
		if l.Pkg == "gokern" {
			name = "`gokern`"
		}
		if !strings.Contains(string(doc), "| ["+name+"]") && !strings.Contains(string(doc), "| "+name+" ") {
			t.Errorf("docs/layout.md has no row for %s (internal/layout.Layers has one)", l.Pkg)
		}
	}
}
