package labs

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"gokern/internal/kbuild"
	q "gokern/internal/qemutest"
)

// The checks that keep the labs honest (issue 16 item 5): every lab's
// markers are balanced and carry a skeleton, its grader names tests that
// exist, the skeleton round trip is byte-exact, each skeleton builds and
// scores below full marks, and the reference scores full marks.

func root(t *testing.T) string {
	wd, _ := os.Getwd()
	r, err := kbuild.FindRoot(wd)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func scan(t *testing.T) (*Tree, []string) {
	t.Helper()
	r := root(t)
	tr, err := Scan(r) // fails on unbalanced markers
	if err != nil {
		t.Fatal(err)
	}
	names, err := LabNames(r)
	if err != nil {
		t.Fatal(err)
	}
	return tr, names
}

// TestMarkers: each lab with markers has a grader and a README and each
// lab directory has markers; every region holds the reference and a
// skeleton; every graded test, and every test of the "also" lines (a
// test renamed or removed would leave a stale line), exists in its
// package.
func TestMarkers(t *testing.T) {
	tr, names := scan(t)
	if strings.Join(tr.Labs(), " ") != strings.Join(names, " ") {
		t.Fatalf("labs with markers %v, labs with a grader (labs/NAME/grade.txt) %v", tr.Labs(), names)
	}
	r := root(t)
	for _, lab := range names {
		for _, rg := range tr.Of(lab) {
			if !rg.Reference() {
				t.Errorf("%s: no LAB %s SKELETON: the reference tree must carry the skeleton beside the reference", rg, lab)
			}
			if rg.Skel == rg.Begin+1 {
				t.Errorf("%s: an empty reference body", rg)
			}
		}
		if _, err := os.Stat(filepath.Join(r, "labs", lab, "README.md")); err != nil {
			t.Errorf("lab %s has no README.md", lab)
		}
		m, err := LoadManifest(r, lab)
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range append(append([]Test(nil), m.Tests...), m.Also...) {
			if !testExists(t, filepath.Join(r, tc.Pkg), tc.Name) {
				t.Errorf("labs/%s/grade.txt: no func %s in %s", lab, tc.Name, tc.Pkg)
			}
		}
		if StudentLines(tr, lab) == 0 {
			t.Errorf("lab %s: nothing to write", lab)
		}
	}
}

func testExists(t *testing.T, dir, name string) bool {
	fs, _ := filepath.Glob(filepath.Join(dir, "*_test.go"))
	re := regexp.MustCompile(`(?m)^func ` + name + `\((t \*testing\.T|f \*testing\.F)\)`)
	for _, f := range fs {
		if b, err := os.ReadFile(f); err == nil && re.Match(b) {
			return true
		}
	}
	return false
}

// copyRoot copies the tree under test into a temporary directory.
func copyRoot(t *testing.T) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "tree")
	if err := CopyTree(root(t), dst); err != nil {
		t.Fatal(err)
	}
	return dst
}

// TestRoundTrip: applying each lab and restoring the reference from the
// tree gives the tree back byte for byte, so a skeleton differs from the
// reference only inside the markers; the skeletons are gofmt-clean
// (Apply checks) and go vet passes on them.
func TestRoundTrip(t *testing.T) {
	_, names := scan(t)
	r := root(t)
	for _, lab := range names {
		t.Run(lab, func(t *testing.T) { inScratch(t, func(dst string) { roundTrip(t, r, dst, lab) }) })
	}
}

func roundTrip(t *testing.T, r, dst, lab string) {
	changed, err := Apply(dst, lab)
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := Diff(r, dst); len(d) != len(changed) {
		t.Fatalf("apply changed %v, the trees differ in %v", changed, d)
	}
	pkgs := map[string]bool{}
	for _, f := range changed {
		if strings.HasSuffix(f, ".go") {
			pkgs["./"+filepath.Dir(f)] = true
		}
	}
	for p := range pkgs {
		cmd := exec.Command("go", "vet", p)
		cmd.Dir = dst
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("go vet %s on the skeleton: %v\n%s", p, err, out)
		}
	}
	if _, err := SpliceTree(dst, r, lab); err != nil {
		t.Fatal(err)
	}
	if d, err := Diff(r, dst); err != nil || len(d) != 0 {
		t.Fatalf("after restoring the reference the trees differ in %v (%v)", d, err)
	}
}

// TestStartLab: ./qemu.sh lab buddy's flow in a git copy of the tree —
// refused while the tree is dirty (nothing changed), an unknown name
// refused, then branch lab-buddy with the skeleton committed; a broken
// body there grades 0 with the compiler's message; restoring the
// reference bodies gives the reference tree back exactly.
func TestStartLab(t *testing.T) {
	t.Parallel() // its own copy (a git repository): beside the scratch tree's builds and boots
	dst := copyRoot(t)
	run := func(name string, args ...string) (string, error) {
		cmd := exec.Command(name, args...)
		cmd.Dir = dst
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@t", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@t")
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	for _, c := range [][]string{{"init", "-q"}, {"add", "-A"}, {"commit", "-q", "-m", "reference"}} {
		if out, err := run("git", c...); err != nil {
			t.Fatalf("git %v: %v\n%s", c, err, out)
		}
	}
	lab := filepath.Join(t.TempDir(), "lab")
	if out, err := exec.Command("go", "build", "-o", lab, filepath.Join(root(t), "cmd", "lab")).CombinedOutput(); err != nil {
		t.Fatalf("building cmd/lab: %v\n%s", err, out)
	}
	if out, err := run(lab, "start", "nosuchlab"); err == nil || !strings.Contains(out, `unknown lab "nosuchlab"`) {
		t.Fatalf("an unknown lab: %v\n%s", err, out)
	}
	readme := filepath.Join(dst, "README.md")
	orig, _ := os.ReadFile(readme)
	os.WriteFile(readme, append(orig, "student notes\n"...), 0o644)
	if out, err := run(lab, "start", "buddy"); err == nil || !strings.Contains(out, "uncommitted changes") {
		t.Fatalf("a dirty tree: %v\n%s", err, out)
	}
	if b, _ := os.ReadFile(readme); !strings.HasSuffix(string(b), "student notes\n") {
		t.Fatal("the refused start lost the uncommitted change")
	}
	if out, _ := run("git", "branch", "--list", "lab-buddy"); strings.TrimSpace(out) != "" {
		t.Fatal("the refused start made a branch")
	}
	os.WriteFile(readme, orig, 0o644)
	out, err := run(lab, "start", "buddy")
	if err != nil {
		t.Fatalf("lab start buddy: %v\n%s", err, out)
	}
	if !strings.Contains(out, "First steps") {
		t.Errorf("no first steps printed:\n%s", out)
	}
	if b, _ := run("git", "rev-parse", "--abbrev-ref", "HEAD"); strings.TrimSpace(b) != "lab-buddy" {
		t.Fatalf("on branch %q, want lab-buddy", b)
	}
	if st, _ := run("git", "status", "--porcelain", "--untracked-files=no"); strings.TrimSpace(st) != "" {
		t.Fatalf("the skeleton was not committed:\n%s", st)
	}
	if d, _ := Diff(root(t), dst); len(d) == 0 {
		t.Fatal("the lab branch is the reference")
	}
	// The exported tarball, taken as a submission into the reference
	// tree, is this skeleton branch exactly.
	tgz := filepath.Join(t.TempDir(), "lab-buddy.tar.gz")
	if out, err := exec.Command(lab, "export", "buddy", "-o", tgz).CombinedOutput(); err != nil {
		t.Fatalf("lab export buddy: %v\n%s", err, out)
	}
	sub, err := Submission(root(t), tgz, "buddy")
	defer os.RemoveAll(sub)
	if err != nil {
		t.Fatal(err)
	}
	if d, err := Diff(dst, filepath.Join(sub, "tree")); err != nil || len(d) != 0 {
		t.Fatalf("the exported skeleton graded as a submission differs from branch lab-buddy in %v (%v)", d, err)
	}
	// A submission that does not compile scores 0 with the compiler's
	// message, in the CSV too.
	pa := filepath.Join(dst, "mm", "page_alloc.go")
	skel, _ := os.ReadFile(pa)
	broken := strings.Replace(string(skel), "\tpanic(\"LAB buddy: expand not implemented yet\")", "\tundefined_in_lab(zone)", 1)
	if broken == string(skel) {
		t.Fatal("the buddy skeleton has no expand panic to break")
	}
	os.WriteFile(pa, []byte(broken), 0o644)
	csvFile := filepath.Join(t.TempDir(), "scores.csv")
	out, err = run(lab, "grade", "buddy", "-csv", csvFile)
	if err == nil || !strings.Contains(out, "undefined: undefined_in_lab") || !strings.HasSuffix(out, "buddy: score 0/100\n") {
		t.Fatalf("grading a submission that does not compile: %v\n%s", err, out)
	}
	if b, _ := os.ReadFile(csvFile); !strings.HasPrefix(string(b), "submission,lab,score,max,failed\n.,buddy,0,100,TestSplitAndMerge ") {
		t.Fatalf("the CSV:\n%s", b)
	}
	os.WriteFile(pa, skel, 0o644)
	if out, err := run(lab, "restore", "buddy", "-from", root(t)); err != nil {
		t.Fatalf("restore: %v\n%s", err, out)
	}
	if d, err := Diff(root(t), dst); err != nil || len(d) != 0 {
		t.Fatalf("the restored tree differs from the reference in %v (%v)", d, err)
	}
}

// TestGrades: each lab's skeleton builds and scores less than full marks
// (graded up to its first failed test: that proves it), and the rest of
// the suite passes on it (restOfSuiteInTree, bootSkeleton); the reference
// scores full marks on the memblock lab's grader, run end to end here
// (host tests and a boot test). The other labs' graded tests are ordinary tests of their
// packages, which ./qemu.sh test runs anyway, and TestMarkers checks that
// each exists: grading them all again here would double their cost in
// CI. The skeletons take turns in the scratch tree (build and grade);
// each one's boot (bootSkeleton) runs from a copy of its image while the
// next one builds, and the reference grading beside them.
func TestGrades(t *testing.T) {
	t.Parallel()
	tr, names := scan(t)
	r := root(t)
	t.Run("reference-memblock", func(t *testing.T) {
		t.Parallel()
		m, err := LoadManifest(r, "memblock")
		if err != nil {
			t.Fatal(err)
		}
		rep := Grade(r, m, GradeOptions{})
		var b strings.Builder
		rep.Print(&b)
		if rep.Score != rep.Max || len(rep.Outcomes) != len(m.Tests) {
			t.Errorf("the reference scores %d/%d on the memblock grader:\n%s", rep.Score, rep.Max, b.String())
		}
		t.Logf("reference memblock: %d/%d in %.1fs", rep.Score, rep.Max, rep.Wall.Seconds())
	})
	for _, lab := range names {
		m, err := LoadManifest(r, lab)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(lab, func(t *testing.T) {
			t.Parallel()
			var img string
			var selftests []string
			inScratch(t, func(skel string) {
				if _, err := Apply(skel, lab); err != nil {
					t.Fatal(err)
				}
				rep := Grade(skel, m, GradeOptions{FirstFailure: true})
				var b strings.Builder
				rep.Print(&b)
				if rep.BuildError != "" {
					t.Fatalf("the skeleton does not build:\n%s", b.String())
				}
				if rep.Score >= rep.Max {
					t.Fatalf("the skeleton scores full marks:\n%s", b.String())
				}
				t.Logf("skeleton: %d/%d in %.1fs\n%s", rep.Score, rep.Max, rep.Wall.Seconds(), b.String())
				if restOfSuiteInTree(t, skel, m, tr) {
					return
				}
				img = filepath.Join(t.TempDir(), "bzImage")
				if b, err := os.ReadFile(filepath.Join(skel, "build", "bzImage")); err != nil || os.WriteFile(img, b, 0o644) != nil {
					t.Fatalf("the skeleton's image: %v", err)
				}
				if m.Boots {
					selftests = SelftestNames(t, skel)
				}
			})
			if img != "" {
				bootSkeleton(t, img, m, selftests)
			}
		})
	}
}

// restOfSuiteInTree and bootSkeleton (issue 16 item 5): on the skeleton
// tree at skel, built, everything outside the lab still passes — every
// failure is one of the lab's own tests (grade.txt's, and its "also"
// lines: tests outside the grader that run the lab's code). In ./qemu.sh
// test, a representative subset at the cost of one boot per lab
// (bootSkeleton): the skeleton kernel with every selftest of
// selftest=all, the in-kernel tests of every subsystem, which must each
// pass but the selftests grade.txt's "skeleton boots" line names; a
// skeleton that cannot boot ("skeleton panics") must stop with the
// kernel's panic, not hang or reset. GOKERN_LABS_SUITE=packages adds the
// host tests of the packages that hold the lab's regions (the tests
// nearest to the change; a package whose test panics is run test by
// test: minutes for mm under load, so not in ./qemu.sh test); with
// GOKERN_LABS_SUITE=full (./qemu.sh labsuite) it runs the whole suite
// instead, go test ./... in the skeleton tree, boot tests included (those
// of a skeleton that cannot boot may all fail): about a full ./qemu.sh
// test per lab. restOfSuiteInTree runs what needs the tree, and reports
// whether that was all (full).
func restOfSuiteInTree(t *testing.T, skel string, m *Manifest, tr *Tree) bool {
	t.Helper()
	if os.Getenv("GOKERN_LABS_SUITE") == "full" {
		boot := map[string]bool{}
		if !m.Boots {
			var err error
			if boot, err = BootPackages(skel); err != nil {
				t.Fatal(err)
			}
		}
		// internal/labs's own checks need the reference tree (its
		// markers), not the kernel.
		failed, err := GoTestFailures(skel, 3*time.Hour, []string{"./..."}, "-skip", "^(TestMarkers|TestRoundTrip|TestStartLab|TestGrades|TestHangAndResetVerdicts)$")
		if err != nil {
			t.Fatal(err)
		}
		logFailures(t, m, failed)
		reportUnexpected(t, m, Unexpected(m, failed, boot), len(failed))
		return true
	}
	if os.Getenv("GOKERN_LABS_SUITE") == "packages" {
		if pkgs := RegionPackages(tr, m.Lab); len(pkgs) > 0 {
			failed, err := GoTestFailures(skel, 10*time.Minute, pkgs)
			if err != nil {
				t.Fatal(err)
			}
			reportUnexpected(t, m, Unexpected(m, failed, nil), len(failed))
		}
	}
	return false
}

// bootSkeleton boots the skeleton's image img: selftests are those
// selftest=all runs in its tree.
func bootSkeleton(t *testing.T, img string, m *Manifest, names []string) {
	t.Helper()
	cfg := q.Config{Image: img, Timeout: 2 * time.Minute}
	if !m.Boots {
		// A clean stop: the kernel's panic and exit 35, not a hang or a
		// reset, and the panic line names the function to write (the oops
		// reads the string the skeleton's panic was called with: paging
		// cannot print, mm/slab.go does not import printk).
		r := q.Boot(t, cfg)
		if r.TimedOut || r.ExitCode != q.ExitFailure {
			t.Fatalf("the skeleton of lab %s stops at boot (grade.txt: skeleton panics), but not with a panic: %s\n%s", m.Lab, r.Verdict(), r.Describe())
		}
		if !regexp.MustCompile(`Kernel panic - not syncing: .*LAB ` + m.Lab + `: \S+ not implemented yet`).MatchString(r.Output) {
			t.Fatalf("the skeleton of lab %s panics at boot without naming the function to write (\"LAB %s: FUNCTION not implemented yet\") in its panic line:\n%s", m.Lab, m.Lab, r.Describe())
		}
		t.Logf("the skeleton stops at boot: %s", r.Verdict())
		return
	}
	// Every selftest selftest=all runs, but the lab's own (a failure in
	// one could leave state behind that fails the next).
	own := map[string]bool{}
	for _, s := range m.SkelSelftests {
		own[s] = true
	}
	var rest []string
	for _, n := range names {
		if !own[n] {
			rest = append(rest, n)
		}
	}
	if len(rest) != len(names)-len(own) {
		t.Fatalf("grade.txt's \"skeleton boots\" line names selftests that do not exist: %v", m.SkelSelftests)
	}
	cfg.Append = "selftest=" + strings.Join(rest, ",")
	r := q.Boot(t, cfg)
	res, plan := r.KTAP()
	if r.TimedOut || plan != len(rest) || len(res) != plan {
		t.Fatalf("the skeleton kernel did not run its selftests (%s): plan %d, %d results, want %d\n%s", r.Verdict(), plan, len(res), len(rest), r.Describe())
	}
	// A selftest that failed here is booted again on its own, and must
	// pass there: the timing checks (sched_preempt, sched_msleep) can
	// fail on a loaded host, and a failure can follow from an earlier
	// one's leftovers; either way the subsystem itself must work on the
	// skeleton.
	var again []string
	for _, x := range res {
		if !x.OK {
			cfg.Append = "selftest=" + x.Name
			r1 := q.Boot(t, cfg)
			if res1, _ := r1.KTAP(); len(res1) != 1 || !res1[0].OK {
				t.Errorf("selftest %s fails on the skeleton of lab %s, with the others and alone, and it is not one of the lab's own (grade.txt's \"skeleton boots\" line)\n%s", x.Name, m.Lab, r1.Describe())
			}
			again = append(again, x.Name)
		}
	}
	if t.Failed() {
		t.Fatalf("the boot with all of them:\n%s", r.Describe())
	}
	t.Logf("rest of the suite on the skeleton: all %d other selftests pass (%d are the lab's; passed when booted alone: %v)", plan, len(own), again)
}

var selftestRE = regexp.MustCompile(`(?m)^\t\{Name: "([a-z0-9_]+)", Run: [^\n]*\},$`)

// SelftestNames lists the selftests selftest=all runs in the tree at
// dir: kmain.go's table, without the Explicit ones.
func SelftestNames(t *testing.T, dir string) []string {
	b, err := os.ReadFile(filepath.Join(dir, "kmain.go"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range selftestRE.FindAllSubmatch(b, -1) {
		if !strings.Contains(string(m[0]), "Explicit: true") {
			out = append(out, string(m[1]))
		}
	}
	if len(out) < 50 {
		t.Fatalf("kmain.go's selftests table: %d entries found (has its format changed?)", len(out))
	}
	return out
}

// logFailures lists every test that failed on the skeleton outside its
// grader, by package, and what its output says the skeleton reached: the
// record from which grade.txt's "also" lines are written and checked.
func logFailures(t *testing.T, m *Manifest, failed []Failure) {
	t.Helper()
	graded := map[string]bool{}
	for _, tc := range m.Tests {
		graded[importPath(tc.Pkg)+" "+tc.Name] = true
	}
	var b strings.Builder
	n := 0
	for _, f := range failed {
		if graded[f.Pkg+" "+f.Name] {
			continue
		}
		n++
		named := "names no LAB function"
		if len(f.Named) > 0 {
			named = strings.Join(f.Named, "; ")
		}
		fmt.Fprintf(&b, "\n\t%s: %s", f, named)
	}
	t.Logf("%d tests outside the grader fail on the skeleton of lab %s:%s", n, m.Lab, b.String())
}

func reportUnexpected(t *testing.T, m *Manifest, bad []Failure, all int) {
	t.Helper()
	for _, f := range bad {
		t.Errorf("%s fails on the skeleton of lab %s, and it is not one of the lab's tests (grade.txt, its \"also\" lines):\n%s", f, m.Lab, f.Output)
	}
	if len(bad) == 0 {
		t.Logf("rest of the suite on the skeleton: %d failures, all the lab's", all)
	}
}

// TestHangAndResetVerdicts: a submission that hangs or triple-faults the
// machine scores 0 on that test with the reason "hang" or "reset", and the
// grading itself ends normally: the realmode lab with a detect_memory_e820
// that loops forever (graded with a 20 s bound, which the test binary's
// own deadline enforces: "the test did not finish"), and one that loads
// an empty real-mode IDT and raises int3 (each exception then faults
// again: a double fault, then a triple fault, which under -no-reboot
// stops QEMU without the kernel's exit).
func TestHangAndResetVerdicts(t *testing.T) {
	t.Parallel() // beside TestGrades, taking turns with its skeletons in the scratch tree
	for _, c := range []struct{ name, body, want string }{
		{"reset", "\tlidtl\t9f\t\t# an IDT of limit 0\n\tint3\n9:\t.word\t0\n\t.long\t0\n", "reset: "},
		{"hang", "1:\tjmp\t1b\n", "hang: "},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			inScratch(t, func(dst string) { hangOrReset(t, dst, c.body, c.want) })
		})
	}
}

func hangOrReset(t *testing.T, dst, body, want string) {
	f := filepath.Join(dst, "boot", "memory.S")
	b, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	begin := "SYM_FUNC_START detect_memory_e820\n# LAB realmode BEGIN\n"
	i, j := strings.Index(string(b), begin), strings.Index(string(b), "# LAB realmode SKELETON\n")
	if i < 0 || j < i {
		t.Fatal("boot/memory.S: no realmode region in detect_memory_e820")
	}
	os.WriteFile(f, []byte(string(b[:i+len(begin)])+body+string(b[j:])), 0o644)
	m, err := LoadManifest(dst, "realmode")
	if err != nil {
		t.Fatal(err)
	}
	rep := Grade(dst, m, GradeOptions{FirstFailure: true, Timeout: 20 * time.Second})
	var out strings.Builder
	rep.Print(&out)
	if rep.BuildError != "" || len(rep.Outcomes) == 0 || rep.Outcomes[0].Pass || !strings.HasPrefix(rep.Outcomes[0].Reason, want) || rep.Score != 0 {
		t.Fatalf("want the first test failed with %q:\n%s", want+"...", out.String())
	}
	t.Logf("%s", out.String())
}
