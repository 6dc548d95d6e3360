// Command gen_initramfs writes the busybox initramfs (Linux
// usr/gen_initramfs.sh with usr/gen_init_cpio): Debian's static busybox,
// its applet links, user/busybox/init as /init and the device nodes, as a
// newc cpio archive (internal/userprog.BusyboxEntries). ./qemu.sh busybox
// runs it; the archive is rewritten only when its content changes, so it
// is made once and kept in build/.
//
//	go run ./cmd/gen_initramfs -o build/busybox.cpio
package main

import (
	"bytes"
	"flag"
	"fmt"
	"log"
	"os"

	"gokern/internal/userprog"
)

func main() {
	out := flag.String("o", "build/busybox.cpio", "the archive to write")
	flag.Parse()
	es, err := userprog.BusyboxEntries(nil)
	if err != nil {
		log.Fatal(err)
	}
	data := userprog.Cpio(es)
	if old, err := os.ReadFile(*out); err == nil && bytes.Equal(old, data) {
		fmt.Fprintf(os.Stderr, "  CPIO    %s is up to date\n", *out)
		return
	}
	if err := os.WriteFile(*out, data, 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Fprintf(os.Stderr, "  CPIO    %s (%d entries, %d bytes)\n", *out, len(es), len(data))
}
