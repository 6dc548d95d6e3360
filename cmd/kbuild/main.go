// Command kbuild builds gokern: build/vmlinux, build/setup.elf,
// build/System.map and the bootable build/bzImage. `./qemu.sh build` runs it.
//
//	go run ./cmd/kbuild [-debug] [-o build]
package main

import (
	"flag"
	"fmt"
	"os"

	"gokern/internal/kbuild"
)

func main() {
	debug := flag.Bool("debug", false, "build the kernel without optimisation or inlining (-gcflags=all=-N -l), for gdb")
	out := flag.String("o", "", "output directory (default: build/ in the repository)")
	quiet := flag.Bool("q", false, "print only errors")
	flag.Parse()
	wd, _ := os.Getwd()
	root, err := kbuild.FindRoot(wd)
	if err != nil {
		fmt.Fprintln(os.Stderr, "kbuild:", err)
		os.Exit(1)
	}
	o := kbuild.Options{Root: root, Out: *out, Debug: *debug}
	if !*quiet {
		o.Log = func(format string, args ...any) { fmt.Printf(format+"\n", args...) }
	}
	if _, err := kbuild.Build(o); err != nil {
		fmt.Fprintln(os.Stderr, "kbuild:", err)
		os.Exit(1)
	}
}
