package labs

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// The rest of the suite on a skeleton (issue 16 item 5: "the rest of the
// kernel's tests still pass on it where the lab leaves the kernel
// bootable"). A test that fails on a skeleton must be one of the lab's
// own (grade.txt's tests and its "also" lines); where the skeleton panics
// at boot, every test that boots the kernel may fail too.

// Failure is a test that failed in a go test run, or a package that
// failed without one (it did not build, or its binary died outside a
// test): Name "".
type Failure struct {
	Pkg, Name string // the package's import path, the top-level test
	Output    string // its last lines
	// Named: the skeleton functions its output says it reached ("LAB
	// NAME: FUNCTION not implemented yet", the skeleton's warning or the
	// kernel's panic line), anywhere in it.
	Named []string
}

// names reports whether f's output names a function of lab's skeleton.
func (f Failure) names(lab string) bool {
	for _, s := range f.Named {
		if strings.HasPrefix(s, "LAB "+lab+": ") {
			return true
		}
	}
	return false
}

// addNamed adds the "LAB ..." lines of out to named, each once.
func addNamed(named []string, out string) []string {
	for _, s := range notImplementedRE.FindAllString(out, -1) {
		if !slices.Contains(named, s) {
			named = append(named, s)
		}
	}
	return named
}

func (f Failure) String() string {
	if f.Name == "" {
		return f.Pkg + " (the package)"
	}
	return f.Pkg + " " + f.Name
}

// testEvent is one line of go test -json (cmd/test2json).
type testEvent struct {
	Action  string
	Package string
	Test    string
	Output  string
}

// GoTestFailures runs go test -json -count=1 on the package patterns pkgs
// (with the test flags flags) in dir and returns the top-level tests and
// the packages that failed, sorted. A test that panics ends its package's
// binary, and the tests after it never run: such a package's tests are
// run again one by one, each in a process of its own (as the grader
// does), so that every test gets its own verdict. err is set only when go
// test could not be run or its output not read; failing tests are not an
// error.
func GoTestFailures(dir string, timeout time.Duration, pkgs []string, flags ...string) ([]Failure, error) {
	failed, crashed, err := goTestOnce(dir, timeout, pkgs, flags)
	if err != nil {
		return nil, err
	}
	var keep []Failure
	for _, f := range failed {
		if !crashed[f.Pkg] {
			keep = append(keep, f)
		}
	}
	var names []string
	for p := range crashed {
		names = append(names, p)
	}
	sort.Strings(names)
	for _, p := range names {
		fs, err := oneByOne(dir, p, timeout)
		if err != nil {
			return nil, err
		}
		keep = append(keep, fs...)
	}
	sort.Slice(keep, func(i, j int) bool { return keep[i].String() < keep[j].String() })
	return keep, nil
}

// oneByOne compiles pkg's tests once and runs each top-level test (and
// fuzz target's seed corpus) in a process of its own, two at a time.
func oneByOne(dir, pkg string, timeout time.Duration) ([]Failure, error) {
	tmp, err := os.MkdirTemp("", "gokern-suite-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, "pkg.test")
	if out, err := goCmd(dir, "test", "-c", "-o", bin, pkg); err != nil {
		return []Failure{{Pkg: pkg, Output: string(out)}}, nil
	}
	pkgDir := filepath.Join(dir, strings.TrimPrefix(pkg, ModulePath+"/"))
	list := exec.Command(bin, "-test.list", ".*")
	list.Dir = pkgDir
	out, err := list.Output()
	if err != nil {
		return nil, fmt.Errorf("%s -test.list: %v", pkg, err)
	}
	var tests []string
	for _, l := range strings.Split(string(out), "\n") {
		if testNameRE.MatchString(l) {
			tests = append(tests, l)
		}
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	var failed []Failure
	sem := make(chan struct{}, 2)
	for _, name := range tests {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			if oc := runTest(bin, pkgDir, name, timeout); !oc.Pass {
				mu.Lock()
				failed = append(failed, Failure{Pkg: pkg, Name: name, Output: oc.Reason, Named: addNamed(nil, oc.Reason)})
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return failed, nil
}

// goTestOnce is one go test run; crashed are the packages whose binary
// died in a panic.
func goTestOnce(dir string, timeout time.Duration, pkgs, flags []string) ([]Failure, map[string]bool, error) {
	args := append([]string{"test", "-json", "-count=1", "-timeout", timeout.String()}, pkgs...)
	cmd := exec.Command("go", append(args, flags...)...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, _ := cmd.Output() // exit status 1 when a test fails: read the events
	type key struct{ pkg, test string }
	logs := map[key][]string{}
	named := map[key][]string{}
	var failed []Failure
	testFailed := map[string]bool{}
	crashed := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	n := 0
	for sc.Scan() {
		var e testEvent
		if json.Unmarshal(sc.Bytes(), &e) != nil {
			continue
		}
		n++
		top, _, _ := strings.Cut(e.Test, "/")
		k := key{e.Package, top}
		switch e.Action {
		case "output":
			named[k] = addNamed(named[k], e.Output)
			if ls := logs[k]; len(ls) < 400 {
				logs[k] = append(ls, strings.TrimRight(e.Output, "\n"))
			}
			if strings.HasPrefix(e.Output, "panic: ") {
				crashed[e.Package] = true
			}
		case "fail":
			switch {
			case e.Test == "":
				if !testFailed[e.Package] {
					failed = append(failed, Failure{Pkg: e.Package, Output: lastLines(logs[k], 20), Named: named[k]})
				}
			case !strings.Contains(e.Test, "/"):
				testFailed[e.Package] = true
				failed = append(failed, Failure{Pkg: e.Package, Name: e.Test, Output: lastLines(logs[k], 20), Named: named[k]})
			}
		}
	}
	if n == 0 {
		return nil, nil, fmt.Errorf("go %s in %s gave no results:\n%s", strings.Join(args, " "), dir, stderr.String())
	}
	// A package that does not build reports only on stderr and as
	// "FAIL pkg [build failed]" output.
	for _, l := range strings.Split(stderr.String(), "\n") {
		if strings.HasPrefix(l, "FAIL\t") && strings.HasSuffix(l, "[setup failed]") {
			failed = append(failed, Failure{Pkg: strings.Fields(l)[1], Output: stderr.String()})
		}
	}
	return failed, crashed, nil
}

func lastLines(ls []string, n int) string {
	if len(ls) > n {
		ls = ls[len(ls)-n:]
	}
	return strings.Join(ls, "\n")
}

// ModulePath is the tree's module path (go.mod's first line): "gokern".
const ModulePath = "gokern"

// ownTests are the tests the skeleton may fail: grade.txt's and the
// "also" lines, by import path and name.
func ownTests(m *Manifest) map[string]bool {
	own := map[string]bool{}
	for _, t := range append(append([]Test(nil), m.Tests...), m.Also...) {
		own[importPath(t.Pkg)+" "+t.Name] = true
	}
	return own
}

// importPath turns "./mm" into "gokern/mm".
func importPath(pkg string) string {
	return ModulePath + "/" + strings.TrimPrefix(filepath.ToSlash(pkg), "./")
}

// Unexpected returns the failures that are not the lab's own: with
// bootPkgs (import paths of packages whose tests boot the kernel) a test
// of those is the lab's too when its output names the skeleton's
// function ("LAB NAME: FUNCTION not implemented yet": the boot stopped
// at the skeleton's panic, which a skeleton that cannot boot does in
// every boot). A failure there that does not name it (a test that does
// not boot, or failed before or beside the boot) must be listed.
func Unexpected(m *Manifest, failed []Failure, bootPkgs map[string]bool) []Failure {
	own := ownTests(m)
	var out []Failure
	for _, f := range failed {
		if own[f.Pkg+" "+f.Name] || bootPkgs[f.Pkg] && f.names(m.Lab) {
			continue
		}
		out = append(out, f)
	}
	return out
}

// RegionPackages lists the Go packages ("./mm") that hold lab's regions
// in the tree at root: the host tests nearest to the skeleton.
func RegionPackages(t *Tree, lab string) []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range t.Of(lab) {
		if !strings.HasSuffix(r.File, ".go") {
			continue
		}
		p := "./" + filepath.ToSlash(filepath.Dir(r.File))
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

// BootPackages lists the packages of the tree at dir whose tests boot the
// kernel: those that import internal/qemutest (import paths).
func BootPackages(dir string) (map[string]bool, error) {
	cmd := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .TestImports " "}} {{join .XTestImports " "}}`, "./...")
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list in %s: %v", dir, err)
	}
	boot := map[string]bool{}
	for _, l := range strings.Split(string(out), "\n") {
		f := strings.Fields(l)
		for _, imp := range f[min(1, len(f)):] {
			if imp == ModulePath+"/internal/qemutest" {
				boot[f[0]] = true
			}
		}
	}
	return boot, nil
}
