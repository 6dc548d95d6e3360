// Command goinit builds a Go program with the stock toolchain
// (CGO_ENABLED=0 GOOS=linux GOARCH=amd64 go build) and packs it as /init
// into a newc initramfs for gokern: ./qemu.sh uses it for the Go userland
// (user/init) and for GOINIT=path/to/main.go (docs/go-on-gokern.md).
//
//	go run ./cmd/goinit [-o build/goinit.cpio] [user/init | path/to/main.go]
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"gokern/internal/userprog"
)

func main() {
	out := flag.String("o", filepath.Join("build", "goinit.cpio"), "the initramfs to write")
	flag.Parse()
	src := filepath.Join(userprog.Root(), "user", "init")
	if flag.NArg() > 0 {
		src = flag.Arg(0)
	}
	if err := userprog.GoInitrd(src, *out, nil); err != nil {
		fmt.Fprintln(os.Stderr, "goinit:", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "  GOINIT  %s -> %s\n", src, *out)
}
