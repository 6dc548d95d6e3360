// Command kbuild builds gokern: build/vmlinux, build/setup.elf,
// build/System.map and the bootable build/bzImage, running only the steps
// whose inputs changed. `./qemu.sh build` runs it.
//
//	go run ./cmd/kbuild [-debug] [-v] [-B] [-q] [-o build]
//
// It prints one line per step, as Linux's kbuild does ("  AS      boot/header.o");
// -v (V=1 in qemu.sh) prints the commands instead.
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
	quiet := flag.Bool("q", false, "print only errors and warnings")
	verbose := flag.Bool("v", false, "print every command in full (V=1)")
	force := flag.Bool("B", false, "run every step, even those that are up to date")
	flag.Parse()
	wd, _ := os.Getwd()
	root, err := kbuild.FindRoot(wd)
	if err != nil {
		fmt.Fprintln(os.Stderr, "kbuild:", err)
		os.Exit(1)
	}
	o := kbuild.Options{Root: root, Out: *out, Debug: *debug, Verbose: *verbose, Force: *force}
	o.Log = func(format string, args ...any) {
		line := fmt.Sprintf(format, args...)
		if len(line) >= 8 && line[:8] == "WARNING:" {
			fmt.Fprintln(os.Stderr, line)
		} else if !*quiet {
			fmt.Println(line)
		}
	}
	if _, err := kbuild.Build(o); err != nil {
		fmt.Fprintln(os.Stderr, "kbuild:", err)
		os.Exit(1)
	}
}
