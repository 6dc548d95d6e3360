// Command lab hands out and grades gokern's course labs (labs/README.md);
// ./qemu.sh lab and ./qemu.sh grade run it.
//
//	lab list                       the labs, their points and the lines to write
//	lab start NAME                 branch lab-NAME with the skeleton, built (a clean tree only)
//	lab export NAME [-o FILE]      the skeleton tree as a tarball (build/lab-NAME.tar.gz)
//	lab apply NAME                 replace NAME's reference bodies by the skeleton, in place
//	lab restore NAME -from DIR     put DIR's bodies of NAME back (DIR: the reference tree)
//	lab grade NAME|all [-tree DIR]... [-csv FILE] [-v]
//	                               grade this tree, or each submission DIR (a checkout
//	                               or an exported tarball) spliced into this tree
//	lab initrd                     build/user.cpio: the test programs of user/ (the
//	                               syscall lab's /mysyscall among them), for INITRD=
package main

import (
	"encoding/csv"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"gokern/internal/kbuild"
	"gokern/internal/labs"
	"gokern/internal/userprog"
)

func usage() {
	fmt.Fprint(os.Stderr, `usage:
  ./qemu.sh lab list
  ./qemu.sh lab NAME [--export [-o FILE]]
  ./qemu.sh grade NAME|all [--tree DIR]... [--csv FILE] [-v]
  go run ./cmd/lab apply NAME | restore NAME -from DIR | initrd
`)
	os.Exit(2)
}

func fatal(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "lab: "+format+"\n", args...)
	os.Exit(2)
}

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	wd, _ := os.Getwd()
	root, err := kbuild.FindRoot(wd)
	if err != nil {
		fatal("%v", err)
	}
	cmd, args := os.Args[1], os.Args[2:]
	switch cmd {
	case "list":
		list(root)
	case "start":
		need(args, 1)
		start(root, args[0])
	case "export":
		fl := flag.NewFlagSet("export", flag.ExitOnError)
		out := fl.String("o", "", "the tarball (default build/lab-NAME.tar.gz)")
		need(args, 1)
		fl.Parse(args[1:])
		export(root, args[0], *out)
	case "apply":
		need(args, 1)
		manifest(root, args[0])
		changed, err := labs.Apply(root, args[0])
		if err != nil {
			fatal("%v", err)
		}
		fmt.Printf("lab %s: the skeleton is in %s\n", args[0], strings.Join(changed, ", "))
	case "restore":
		fl := flag.NewFlagSet("restore", flag.ExitOnError)
		from := fl.String("from", "", "the tree whose bodies to take (the reference)")
		need(args, 1)
		fl.Parse(args[1:])
		if *from == "" {
			usage()
		}
		changed, err := labs.SpliceTree(root, *from, args[0])
		if err != nil {
			fatal("%v", err)
		}
		fmt.Printf("lab %s: bodies from %s put into %s\n", args[0], *from, strings.Join(changed, ", "))
	case "grade":
		grade(root, args)
	case "initrd":
		initrd(root)
	default:
		usage()
	}
}

// initrd writes build/user.cpio, the initramfs the boot tests give the
// user programs (internal/userprog.InitInitrd), so that a student can
// run one by hand: INITRD=build/user.cpio APPEND=rdinit=/mysyscall ./qemu.sh.
func initrd(root string) {
	tmp, err := os.MkdirTemp("", "gokern-user-")
	if err != nil {
		fatal("%v", err)
	}
	defer os.RemoveAll(tmp)
	cpio, _, err := userprog.InitInitrd(tmp)
	if err != nil {
		fatal("%v", err)
	}
	b, err := os.ReadFile(cpio)
	if err != nil {
		fatal("%v", err)
	}
	out := filepath.Join(root, "build", "user.cpio")
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		fatal("%v", err)
	}
	if err := os.WriteFile(out, b, 0o644); err != nil {
		fatal("%v", err)
	}
	fmt.Printf("%s: /init, /systest, /mysyscall, ... (INITRD=%s APPEND=rdinit=/mysyscall ./qemu.sh)\n", out, out)
}

func need(args []string, n int) {
	if len(args) < n || strings.HasPrefix(args[0], "-") {
		usage()
	}
}

func manifest(root, lab string) *labs.Manifest {
	m, err := labs.LoadManifest(root, lab)
	if err != nil {
		fatal("%v", err)
	}
	return m
}

func list(root string) {
	names, err := labs.LabNames(root)
	if err != nil {
		fatal("%v", err)
	}
	t, err := labs.Scan(root)
	if err != nil {
		fatal("%v", err)
	}
	for _, n := range names {
		m := manifest(root, n)
		fmt.Printf("%-9s %3d points, %3d lines to write  %s\n", n, m.Max(), labs.StudentLines(t, n), m.Title)
	}
}

func git(root string, args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// start makes branch lab-NAME holding the skeleton, in a clean tree.
func start(root, lab string) {
	manifest(root, lab)
	st, err := git(root, "status", "--porcelain", "--untracked-files=no")
	if err != nil {
		fatal("%s is not a git work tree (%v); use --export for a tarball", root, err)
	}
	if st != "" {
		fatal("the work tree has uncommitted changes; commit or stash them first (nothing was changed):\n%s", st)
	}
	branch := "lab-" + lab
	if _, err := git(root, "rev-parse", "--verify", "--quiet", "refs/heads/"+branch); err == nil {
		fatal("branch %s exists already (git checkout %s to go on with it, or git branch -D %s to start over)", branch, branch, branch)
	}
	if out, err := git(root, "checkout", "-q", "-b", branch); err != nil {
		fatal("git checkout -b %s: %v\n%s", branch, err, out)
	}
	changed, err := labs.Apply(root, lab)
	if err != nil {
		git(root, "checkout", "-q", "-")
		git(root, "branch", "-q", "-D", branch)
		fatal("%v", err)
	}
	if out, err := git(root, append([]string{"commit", "-q", "-m", "lab " + lab + ": the skeleton (./qemu.sh lab " + lab + ")", "--"}, changed...)...); err != nil {
		fatal("git commit: %v\n%s", err, out)
	}
	fmt.Printf("lab %s: on branch %s, the skeleton in %s\n", lab, branch, strings.Join(changed, ", "))
	build := exec.Command("go", "run", "./cmd/kbuild")
	build.Dir, build.Stdout, build.Stderr = root, os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		fatal("the skeleton does not build: %v", err)
	}
	firstSteps(root, lab)
}

// firstSteps prints the "First steps" section of the lab's README.
func firstSteps(root, lab string) {
	b, err := os.ReadFile(filepath.Join(root, "labs", lab, "README.md"))
	if err != nil {
		return
	}
	_, rest, ok := strings.Cut(string(b), "\n## First steps\n")
	if !ok {
		return
	}
	if i := strings.Index(rest, "\n## "); i >= 0 {
		rest = rest[:i]
	}
	fmt.Printf("\nFirst steps (labs/%s/README.md):%s\n", lab, strings.TrimRight(rest, "\n"))
}

// export writes the skeleton tree as a tarball without touching this one.
func export(root, lab, out string) {
	manifest(root, lab)
	if out == "" {
		out = filepath.Join(root, "build", "lab-"+lab+".tar.gz")
	}
	tmp, err := os.MkdirTemp("", "gokern-export-")
	if err != nil {
		fatal("%v", err)
	}
	defer os.RemoveAll(tmp)
	top := "gokern-lab-" + lab
	tree := filepath.Join(tmp, top)
	if err := labs.CopyTree(root, tree); err != nil {
		fatal("%v", err)
	}
	if _, err := labs.Apply(tree, lab); err != nil {
		fatal("%v", err)
	}
	abs, _ := filepath.Abs(out)
	os.MkdirAll(filepath.Dir(abs), 0o755)
	if b, err := exec.Command("tar", "-czf", abs, "-C", tmp, top).CombinedOutput(); err != nil {
		fatal("tar: %v\n%s", err, b)
	}
	fmt.Printf("lab %s: the skeleton tree is %s (unpack, then ./qemu.sh build; first steps in labs/%s/README.md)\n", lab, out, lab)
}

type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(s string) error { *m = append(*m, s); return nil }

func grade(root string, args []string) {
	need(args, 1)
	fl := flag.NewFlagSet("grade", flag.ExitOnError)
	var trees multi
	fl.Var(&trees, "tree", "a submission to grade (repeatable): a checkout or an exported .tar.gz")
	csvFile := fl.String("csv", "", "append one row per submission and lab: submission,lab,score,max,failed")
	verbose := fl.Bool("v", false, "progress lines")
	fl.Parse(args[1:])
	var names []string
	if args[0] == "all" {
		var err error
		if names, err = labs.LabNames(root); err != nil {
			fatal("%v", err)
		}
	} else {
		names = []string{args[0]}
	}
	ms := map[string]*labs.Manifest{}
	for _, n := range names {
		ms[n] = manifest(root, n)
	}
	o := labs.GradeOptions{}
	if *verbose {
		o.Log = os.Stderr
	}
	var w *csv.Writer
	if *csvFile != "" {
		f, err := os.OpenFile(*csvFile, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			fatal("%v", err)
		}
		defer f.Close()
		if st, _ := f.Stat(); st.Size() == 0 {
			f.WriteString("submission,lab,score,max,failed\n")
		}
		w = csv.NewWriter(f)
		defer w.Flush()
	}
	subs := []string(trees)
	if len(subs) == 0 {
		subs = []string{""}
	}
	full := true
	total, max := 0, 0
	for _, sub := range subs {
		for _, n := range names {
			dir, cleanup := root, func() {}
			label := "."
			if sub != "" {
				label = sub
				fmt.Printf("== %s: %s\n", n, sub)
				tmp, err := labs.Submission(root, sub, n)
				cleanup = func() { os.RemoveAll(tmp) }
				if err != nil {
					cleanup()
					fmt.Printf("%v\n%s: score 0/%d\n", err, n, ms[n].Max())
					full = false
					max += ms[n].Max()
					row(w, label, n, 0, ms[n].Max(), "the submission's markers: "+err.Error())
					continue
				}
				dir = filepath.Join(tmp, "tree")
			}
			r := labs.Grade(dir, ms[n], o)
			cleanup()
			r.Print(os.Stdout)
			var failed []string
			for _, oc := range r.Outcomes {
				if !oc.Pass {
					failed = append(failed, oc.Name)
				}
			}
			row(w, label, n, r.Score, r.Max, strings.Join(failed, " "))
			total, max = total+r.Score, max+r.Max
			full = full && r.Score == r.Max
		}
	}
	if len(names) > 1 || len(subs) > 1 {
		fmt.Printf("all: score %d/%d\n", total, max)
	}
	if w != nil {
		w.Flush() // before os.Exit, which runs no deferred call
	}
	if !full {
		os.Exit(1)
	}
}

func row(w *csv.Writer, sub, lab string, score, max int, failed string) {
	if w != nil {
		w.Write([]string{sub, lab, strconv.Itoa(score), strconv.Itoa(max), failed})
	}
}
