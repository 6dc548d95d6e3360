package labs

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Test is one graded test: a Go test (host or boot test) and its points.
type Test struct {
	Points int
	Pkg    string // package pattern as go test takes it, "./mm"
	Name   string // top-level test function
}

// Manifest is a lab's grader, labs/NAME/grade.txt: one test a line,
// "points package TestName", "#" starting a comment. Two more kinds of
// line say what the rest of the suite does on the skeleton (item 5 of
// issue 16: everything outside the lab still passes, where the lab leaves
// the kernel bootable; TestGrades checks it):
//
//	skeleton boots [selftest...]   the skeleton kernel boots, and every
//	                               selftest passes on it but these
//	skeleton panics                it stops at boot with its "LAB NAME:"
//	                               panic (only host tests can pass)
//	also ./package TestName...     tests outside the grader that run the
//	                               lab's code, so the skeleton fails them
type Manifest struct {
	Lab   string
	Title string // the first line of labs/NAME/README.md, without "# "
	Tests []Test
	// Boots: the skeleton boots; SkelSelftests: the selftests that fail
	// on it; Also: the other tests that may fail on it.
	Boots         bool
	SkelSelftests []string
	Also          []Test
}

// Max is the lab's full marks.
func (m *Manifest) Max() int {
	n := 0
	for _, t := range m.Tests {
		n += t.Points
	}
	return n
}

// LabNames lists the labs that have a directory with a grader under
// root/labs, sorted.
func LabNames(root string) ([]string, error) {
	ents, err := os.ReadDir(filepath.Join(root, "labs"))
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range ents {
		if _, err := os.Stat(filepath.Join(root, "labs", e.Name(), "grade.txt")); e.IsDir() && err == nil {
			out = append(out, e.Name())
		}
	}
	sort.Strings(out)
	return out, nil
}

var testNameRE = regexp.MustCompile(`^(Test|Fuzz)[A-Za-z0-9_]*$`)

// LoadManifest reads labs/lab/grade.txt under root.
func LoadManifest(root, lab string) (*Manifest, error) {
	dir := filepath.Join(root, "labs", lab)
	b, err := os.ReadFile(filepath.Join(dir, "grade.txt"))
	if err != nil {
		names, _ := LabNames(root)
		return nil, fmt.Errorf("unknown lab %q (the labs are: %s)", lab, strings.Join(names, ", "))
	}
	m := &Manifest{Lab: lab}
	if rd, err := os.ReadFile(filepath.Join(dir, "README.md")); err == nil {
		first, _, _ := strings.Cut(string(rd), "\n")
		m.Title = strings.TrimPrefix(first, "# ")
	}
	for i, l := range strings.Split(string(b), "\n") {
		l, _, _ = strings.Cut(l, "#")
		f := strings.Fields(l)
		if len(f) == 0 {
			continue
		}
		if f[0] == "skeleton" && len(f) >= 2 && (f[1] == "boots" || f[1] == "panics" && len(f) == 2) {
			m.Boots, m.SkelSelftests = f[1] == "boots", f[2:]
			continue
		}
		if f[0] == "also" && len(f) >= 3 && strings.HasPrefix(f[1], "./") {
			ok := true
			for _, n := range f[2:] {
				ok = ok && testNameRE.MatchString(n)
				m.Also = append(m.Also, Test{Pkg: f[1], Name: n})
			}
			if ok {
				continue
			}
		}
		pts, err := strconv.Atoi(f[0])
		if len(f) != 3 || err != nil || pts <= 0 || !testNameRE.MatchString(f[2]) || !strings.HasPrefix(f[1], "./") {
			return nil, fmt.Errorf("labs/%s/grade.txt:%d: want \"points ./package TestName\", got %q", lab, i+1, strings.TrimSpace(l))
		}
		m.Tests = append(m.Tests, Test{Points: pts, Pkg: f[1], Name: f[2]})
	}
	if len(m.Tests) == 0 {
		return nil, fmt.Errorf("labs/%s/grade.txt: no tests", lab)
	}
	return m, nil
}

// Outcome is one test's result.
type Outcome struct {
	Test
	Pass    bool
	Reason  string // why it failed: the test's first message, "hang", "reset", "does not compile"
	Elapsed time.Duration
}

// Report is one grading.
type Report struct {
	Lab        string
	Outcomes   []Outcome
	Score, Max int
	BuildError string // the compiler's message when the tree does not build
	Wall       time.Duration
}

// Line is a test's line as the grader prints it.
func (o Outcome) Line() string {
	got, verdict := 0, "FAIL"
	if o.Pass {
		got, verdict = o.Points, "PASS"
	}
	s := fmt.Sprintf("%-4s %2d/%-2d %-18s %s (%.1fs)", verdict, got, o.Points, strings.TrimPrefix(o.Pkg, "./"), o.Name, o.Elapsed.Seconds())
	if !o.Pass {
		s += ": " + o.Reason
	}
	return s
}

// Print writes the report: one line per test, then "lab: score X/Y".
func (r *Report) Print(w io.Writer) {
	if r.BuildError != "" {
		fmt.Fprintf(w, "%s: the kernel does not build:\n%s\n", r.Lab, indent(r.BuildError))
	}
	for _, o := range r.Outcomes {
		fmt.Fprintln(w, o.Line())
	}
	fmt.Fprintf(w, "%s: graded in %.1fs\n", r.Lab, r.Wall.Seconds())
	fmt.Fprintf(w, "%s: score %d/%d\n", r.Lab, r.Score, r.Max)
}

func indent(s string) string {
	return "    " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n    ")
}

// GradeOptions tune a grading.
type GradeOptions struct {
	// Timeout bounds each package's go test (its -timeout): a test still
	// running then is reported as a hang. Default 10 minutes; the boot
	// tests time their own QEMU out well before.
	Timeout time.Duration
	Log     io.Writer // progress lines, or nil
	// FirstFailure stops at the first failed test (in grade.txt's order,
	// one at a time) and reports the rest as not run: enough to show that
	// a skeleton scores less than full marks, at a fraction of the cost.
	FirstFailure bool
}

// Grade builds the tree at dir and runs the manifest's tests in it.
func Grade(dir string, m *Manifest, o GradeOptions) *Report {
	start := time.Now()
	if o.Timeout == 0 {
		o.Timeout = 10 * time.Minute
	}
	r := &Report{Lab: m.Lab, Max: m.Max()}
	defer func() { r.Wall = time.Since(start) }()
	logf := func(format string, args ...any) {
		if o.Log != nil {
			fmt.Fprintf(o.Log, format+"\n", args...)
		}
	}
	logf("%s: building the kernel in %s", m.Lab, dir)
	if out, err := goCmd(dir, "run", "./cmd/kbuild"); err != nil {
		r.BuildError = compilerMessage(out, err)
		for _, t := range m.Tests {
			r.Outcomes = append(r.Outcomes, Outcome{Test: t, Reason: "does not compile"})
		}
		return r
	}
	if o.FirstFailure {
		sem := make(chan struct{}, 1)
		stopped := false
		for _, t := range m.Tests {
			oc := Outcome{Test: t, Reason: "not run (the grading stopped at the first failure)"}
			if !stopped {
				logf("%s: %s %s", m.Lab, t.Pkg, t.Name)
				oc = runPackage(dir, t.Pkg, []Test{t}, o.Timeout, sem)[t.Name]
				oc.Test = t
				stopped = !oc.Pass
			}
			if oc.Pass {
				r.Score += t.Points
			}
			r.Outcomes = append(r.Outcomes, oc)
		}
		return r
	}
	// One go test per package, the packages side by side.
	byPkg := map[string][]Test{}
	var pkgs []string
	for _, t := range m.Tests {
		if byPkg[t.Pkg] == nil {
			pkgs = append(pkgs, t.Pkg)
		}
		byPkg[t.Pkg] = append(byPkg[t.Pkg], t)
	}
	results := map[string]map[string]Outcome{}
	sem := make(chan struct{}, 2) // test processes at a time: boot tests start QEMUs of their own
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, p := range pkgs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			logf("%s: go test %s (%d tests)", m.Lab, p, len(byPkg[p]))
			res := runPackage(dir, p, byPkg[p], o.Timeout, sem)
			mu.Lock()
			results[p] = res
			mu.Unlock()
		}()
	}
	wg.Wait()
	for _, t := range m.Tests {
		oc := results[t.Pkg][t.Name]
		oc.Test = t
		if oc.Pass {
			r.Score += t.Points
		}
		r.Outcomes = append(r.Outcomes, oc)
	}
	return r
}

func goCmd(dir string, args ...string) ([]byte, error) {
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	return cmd.CombinedOutput()
}

var compilerLineRE = regexp.MustCompile(`^(# \S+|\S+\.(go|s|S|inc):\d+.*|.*: Error: .*)$`)

// compilerMessage keeps the compiler's (or the assembler's) lines of a
// failed build, or all of its output when it has none.
func compilerMessage(out []byte, err error) string {
	s := strings.TrimSpace(string(out))
	if s == "" {
		s = err.Error()
	}
	ls := strings.Split(s, "\n")
	var keep []string
	for _, l := range ls {
		if compilerLineRE.MatchString(l) {
			keep = append(keep, l)
		}
	}
	if len(keep) > 0 {
		ls = keep
	}
	if len(ls) > 40 {
		ls = append(ls[:40], fmt.Sprintf("... (%d more lines)", len(ls)-40))
	}
	return strings.Join(ls, "\n")
}

var (
	hangRE    = regexp.MustCompile(`(?m)^\s*(\S+\.go:\d+: )?hang: |timed out: true|panic: test timed out after`)
	resetRE   = regexp.MustCompile(`(?m)^\s*(\S+\.go:\d+: )?reset: |exit 0 \(timed out: false\)`)
	messageRE = regexp.MustCompile(`^\s+\S+\.go:\d+: (.*)$`)
)

// runPackage compiles one package's tests once and runs each graded test
// in a process of its own (a panic or a hang then costs only that test),
// at most cap(sem) at a time.
func runPackage(dir, pkg string, tests []Test, timeout time.Duration, sem chan struct{}) map[string]Outcome {
	out := map[string]Outcome{}
	tmp, err := os.MkdirTemp("", "gokern-grade-bin-")
	if err != nil {
		for _, t := range tests {
			out[t.Name] = Outcome{Reason: err.Error()}
		}
		return out
	}
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, "pkg.test")
	if b, err := goCmd(dir, "test", "-c", "-o", bin, pkg); err != nil {
		for _, t := range tests {
			out[t.Name] = Outcome{Reason: "does not compile: " + firstLines(string(b), 6)}
		}
		return out
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, t := range tests {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			oc := runTest(bin, filepath.Join(dir, pkg), t.Name, timeout)
			mu.Lock()
			out[t.Name] = oc
			mu.Unlock()
		}()
	}
	wg.Wait()
	return out
}

// runTest runs one top-level test of a compiled test binary in the
// package's directory and reads its verdict from -test.v's lines.
func runTest(bin, pkgDir, name string, timeout time.Duration) Outcome {
	start := time.Now()
	cmd := exec.Command(bin, "-test.run", "^"+name+"$", "-test.v", "-test.count=1", "-test.timeout", timeout.String())
	cmd.Dir = pkgDir
	// A process group of its own: a test stopped by its deadline (panic:
	// test timed out) exits without stopping the QEMU it started, which
	// would spin on for ever (a hung submission's kernel) and take a CPU
	// from every test after it. The group goes with the test.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	b, _ := cmd.CombinedOutput()
	if cmd.Process != nil {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	return outcome(name, string(b), timeout, time.Since(start))
}

// outcome reads a test's verdict from its -test.v output: passed, or why
// not — skipped, a hang (its own deadline or the binary's), a reset, no
// such test, or its first message.
func outcome(name, log string, timeout, elapsed time.Duration) Outcome {
	oc := Outcome{Elapsed: elapsed}
	verdict := ""
	for _, l := range strings.Split(log, "\n") {
		for _, v := range []string{"PASS", "FAIL", "SKIP"} {
			if strings.HasPrefix(l, "--- "+v+": "+name+" (") {
				verdict = v
			}
		}
	}
	switch {
	case verdict == "PASS":
		oc.Pass = true
	case verdict == "SKIP":
		oc.Reason = "skipped (a skipped test earns nothing)"
	case strings.Contains(log, "panic: test timed out after"):
		oc.Reason = "hang: the test did not finish within " + timeout.String()
	case strings.Contains(log, "testing: warning: no tests to run"):
		oc.Reason = "no such test in the package"
	case hangRE.MatchString(log):
		oc.Reason = "hang: " + strings.TrimPrefix(firstMessage(log), "hang: ")
	case resetRE.MatchString(log):
		oc.Reason = "reset: " + strings.TrimPrefix(firstMessage(log), "reset: ")
	default:
		oc.Reason = firstMessage(log)
	}
	if !oc.Pass {
		oc.Reason += notImplemented(log, oc.Reason)
	}
	return oc
}

var notImplementedRE = regexp.MustCompile(`LAB [a-z0-9]+: [A-Za-z0-9_]+ not implemented yet`)

// notImplemented names the skeleton functions a failed test's output
// says it reached ("LAB NAME: FUNCTION not implemented yet", printed by
// the skeleton or in the kernel's panic line), up to three, when the
// reason does not already: " [LAB ...; LAB ...]", or "".
func notImplemented(log, reason string) string {
	var seen []string
	for _, s := range notImplementedRE.FindAllString(log, -1) {
		if len(seen) < 3 && !strings.Contains(reason, s) && !slices.Contains(seen, s) {
			seen = append(seen, s)
		}
	}
	if len(seen) == 0 {
		return ""
	}
	return " [" + strings.Join(seen, "; ") + "]"
}

// firstMessage is a failed test's first message (t.Errorf/Fatalf's line),
// or its panic, or its first line of output.
func firstMessage(log string) string {
	ls := strings.Split(log, "\n")
	for _, l := range ls {
		if m := messageRE.FindStringSubmatch(l); m != nil {
			return clip(m[1])
		}
	}
	for _, l := range ls {
		if strings.HasPrefix(l, "panic: ") {
			return clip(l)
		}
	}
	for _, l := range ls {
		s := strings.TrimSpace(l)
		if s != "" && !strings.HasPrefix(s, "=== ") && !strings.HasPrefix(s, "--- ") {
			return clip(s)
		}
	}
	return "failed"
}

func firstLines(s string, n int) string {
	var keep []string
	for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "FAIL") {
			keep = append(keep, clip(l))
		}
		if len(keep) == n {
			break
		}
	}
	return strings.Join(keep, " | ")
}

func clip(s string) string {
	if len(s) > 200 {
		return s[:200] + "..."
	}
	return s
}
