package boottest

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	q "gokern/internal/qemutest"
)

// TestGDB drives gdb -batch with tools/gdb/gokern.gdb against QEMU's gdb
// stub and stops in every mode: at _start (real mode, linear 0x10200),
// startup_32 (32-bit), the kernel's startup_64 (64-bit, physical address)
// and start_kernel (Go), printing Go variables there.
func TestGDB(t *testing.T) {
	if _, err := exec.LookPath("gdb"); err != nil {
		t.Fatal("gdb not found: ./qemu.sh test installs it (apt-get install gdb)")
	}
	img := q.Image(t, false)
	port := q.FreePort(t)
	args := q.Args(t, q.Config{Append: "exit_at_idle", GDBPort: port, Stopped: true})
	ctx, cancel := context.WithTimeout(context.Background(), 2*q.DefaultTimeout)
	defer cancel()
	qemu := exec.CommandContext(ctx, "qemu-system-x86_64", args...)
	var qout bytes.Buffer
	qemu.Stdout, qemu.Stderr = &qout, &qout
	if err := qemu.Start(); err != nil {
		t.Fatal(err)
	}
	defer qemu.Process.Kill()

	cmds := []string{
		fmt.Sprintf("gk-connect 127.0.0.1:%d", port),
		"gk-break-setup", "continue",
		`printf "REALMODE cs=%x ip=%x\n", $cs, $pc`, "gk-linear", "info symbol 0x10200", "delete",
		"gk-break-startup_32", "continue",
		`printf "PM32 eip=%x\n", $pc`, "delete",
		"gk-break-startup_64", "continue",
		`printf "LONG64 rip=%lx\n", $pc`, "delete",
		"gk-break-start_kernel", "continue",
		"bt 2", "print 'main.gokern_version'", "print 'gokern/cmdline.BootCommandLineLen'", "delete",
		"kill",
	}
	gargs := []string{"-batch", "-nx", "-x", "tools/gdb/gokern.gdb"}
	for _, c := range cmds {
		gargs = append(gargs, "-ex", c)
	}
	// QEMU needs a moment to open the port.
	time.Sleep(300 * time.Millisecond)
	gdb := exec.CommandContext(ctx, "gdb", gargs...)
	gdb.Dir = q.Root(t)
	out, err := gdb.CombinedOutput()
	o := string(out)
	if err != nil {
		t.Fatalf("gdb: %v\n%s\n--- qemu ---\n%s", err, o, qout.String())
	}
	phys := fmt.Sprintf("%x", img.Piggy.Entry)
	for _, want := range []string{
		"REALMODE cs=1020 ip=0", "linear 0x10200", "_start in section .header",
		"startup_32 () at boot/compressed/head_64.S", "PM32 eip=100000",
		"LONG64 rip=" + phys,
		"main.start_kernel () at ", "kmain.go",
		"gokern/arch/amd64.x86_64_start_kernel",
	} {
		if !strings.Contains(o, want) {
			t.Fatalf("gdb output lacks %q\n%s", want, o)
		}
	}
	// The Go variables: the version string, and the command line length
	// (len("earlyprintk=serial exit_at_idle") = 31).
	if !regexp.MustCompile(`= 0x[0-9a-f]+ "0\.1"`).MatchString(o) || !regexp.MustCompile(`(?m)^\$\d+ = 31$`).MatchString(o) {
		t.Fatalf("Go variables not printed as expected\n%s", o)
	}
}
