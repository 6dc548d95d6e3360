// Command kcheck checks that the kernel's Go code never calls into the Go
// allocator or scheduler (DESIGN.md §4; the rules are in package
// gokern/internal/kcheck).
//
//	go run ./cmd/kcheck [-prefix main.,gokern/] build/vmlinux
//
// It prints one line per offending call and exits 1, or prints a summary
// and exits 0.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"gokern/internal/kcheck"
)

func main() {
	prefix := flag.String("prefix", "main.,gokern/", "comma-separated symbol prefixes of kernel functions")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: kcheck [-prefix main.,gokern/] vmlinux\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}

	opt := kcheck.Gokern()
	opt.KernelPrefixes = nil
	for _, p := range strings.Split(*prefix, ",") {
		if p = strings.TrimSpace(p); p != "" {
			opt.KernelPrefixes = append(opt.KernelPrefixes, p)
		}
	}
	r, err := kcheck.Analyze(flag.Arg(0), opt)
	if err != nil {
		fmt.Fprintf(os.Stderr, "kcheck: %v\n", err)
		os.Exit(2)
	}
	wd, _ := os.Getwd()
	for _, v := range r.Violations {
		// Print source paths relative to the current directory when they
		// are below it, so that they are short and still clickable.
		if rel, err := filepath.Rel(wd, v.File); err == nil && filepath.IsAbs(v.File) && !strings.HasPrefix(rel, "..") {
			v.File = rel
		}
		fmt.Println(v)
	}
	for _, a := range r.Allowed {
		fmt.Printf("allowed: %v (%s)\n", a.Violation, a.Why)
	}
	if len(r.Violations) > 0 {
		fmt.Fprintf(os.Stderr, "kcheck: %d calls into the Go allocator or scheduler\n", len(r.Violations))
		os.Exit(1)
	}
	fmt.Printf("kcheck: %d kernel functions, %d calls checked, no allocator or scheduler calls\n",
		r.KernelFuncs, r.CallsChecked)
}
