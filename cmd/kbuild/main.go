// Command kbuild builds gokern: build/vmlinux, build/setup.elf,
// build/System.map and the bootable build/bzImage, running only the steps
// whose inputs changed. `./qemu.sh build` runs it.
//
//	go run ./cmd/kbuild [-debug] [-v] [-B] [-q] [-o build]
//	go run ./cmd/kbuild -iso [-entry linux|linux16|multiboot|multiboot2] [-append "..."] [-initrd FILE]
//
// -iso also makes build/gokern.iso, a GRUB rescue CD (BIOS and UEFI) whose
// menu boots build/bzImage through GRUB's linux, linux16, multiboot and
// multiboot2 (`./qemu.sh grub`; docs/loaders.md).
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
	iso := flag.Bool("iso", false, "also build the GRUB ISO build/gokern.iso")
	entry := flag.String("entry", "", "-iso: the default menu entry (linux, linux16, multiboot, multiboot2); none: a 5-second menu")
	appendCmd := flag.String("append", "", "-iso: the kernel command line of every entry")
	initrd := flag.String("initrd", "", "-iso: a file every entry passes as the initrd")
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
	if *iso {
		if _, err := kbuild.GrubISO(o, kbuild.GrubOptions{Entry: *entry, Append: *appendCmd, Initrd: *initrd}); err != nil {
			fmt.Fprintln(os.Stderr, "kbuild:", err)
			os.Exit(1)
		}
	}
}
