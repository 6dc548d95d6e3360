// Command build is gokern's image builder, the counterpart of Linux's host
// tools arch/x86/boot/compressed/mkpiggy.c and arch/x86/boot/tools/build.c.
// ./qemu.sh build (cmd/kbuild) does both steps through the same library;
// this command runs them one at a time, for a student following the build:
//
//	build piggy build/vmlinux build/compressed/piggy.bin
//	build image build/setup.elf build/setup.bin build/compressed/vmlinux build/compressed/vmlinux.bin build/vmlinux build/bzImage
package main

import (
	"fmt"
	"os"

	"gokern/internal/bzimage"
	"gokern/internal/kbuild"
)

func usage() {
	fmt.Fprintln(os.Stderr, "usage: build piggy VMLINUX PIGGY.BIN\n       build image SETUP.ELF SETUP.BIN PAYLOAD.ELF PAYLOAD.BIN VMLINUX BZIMAGE")
	os.Exit(2)
}

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	switch {
	case os.Args[1] == "piggy" && len(os.Args) == 4:
		p, err := bzimage.MkPiggy(os.Args[2], os.Args[3])
		if err != nil {
			fmt.Fprintln(os.Stderr, "build:", err)
			os.Exit(1)
		}
		fmt.Printf("piggy: %d segments, kernel at %#x-%#x, entry %#x\n", len(p.Segments), p.Start, p.End, p.Entry)
	case os.Args[1] == "image" && len(os.Args) == 8:
		k, err := bzimage.ReadKernel(os.Args[6])
		if err != nil {
			fmt.Fprintln(os.Stderr, "build:", err)
			os.Exit(1)
		}
		img, err := bzimage.Build(bzimage.Inputs{SetupELF: os.Args[2], SetupBin: os.Args[3], PayloadELF: os.Args[4], PayloadBin: os.Args[5],
			KernelEnd: k.End, VersionString: kbuild.VersionString(false)})
		if err == nil {
			err = os.WriteFile(os.Args[7], img.Bytes, 0o644)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "build:", err)
			os.Exit(1)
		}
		fmt.Printf("Setup is %d bytes (padded to %d sectors).\nSystem is %d bytes (syssize %#x paragraphs), init_size %#x.\n",
			512*(img.SetupSects+1), img.SetupSects+1, len(img.Bytes)-512*(img.SetupSects+1), img.Syssize, img.InitSize)
	default:
		usage()
	}
}
