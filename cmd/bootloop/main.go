// Command bootloop boots gokern again and again to catch a hang that
// comes once in tens or hundreds of boots. Each boot's console is watched:
// a boot that ends with the success text counts as ok, one that ends
// without it as failed (its console saved), and one silent for -silence
// (or running past -max) as hung: bootloop sends the SysRq keys of -keys
// over the serial line (QEMU's Ctrl-a b, then the key: 'l' every CPU's
// backtrace, 'w' the tasks in D state), twice, saves the console and
// kills QEMU. With -gdb PORT it instead leaves the hung QEMU running with
// its gdb stub on PORT and stops, so that gdb can look at it:
//
//	gdb -x tools/gdb/gokern.gdb -ex 'gk-connect 127.0.0.1:PORT' -ex gk-threads
//
// What to boot: -goinit MODE (user/init with init.mode=MODE, the success
// text "mode MODE ok"), -gostd PKG (a standard package's test binary as
// TestGoStd boots it, success "PASS"; more test flags after --), or any
// -initrd, -append and -ok. The kernel is build/bzImage (./qemu.sh build).
//
//	go run ./cmd/bootloop -goinit reaper -smp 4 -n 500 -gdb 1234
//	go run ./cmd/bootloop -gostd os/exec -smp 4 -n 20 -- -test.run '^TestWaitid$' -test.count 100
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"gokern/internal/userprog"
)

var (
	boots   = flag.Int("n", 10, "boots")
	smp     = flag.Int("smp", 4, "CPUs")
	mem     = flag.String("m", "256M", "memory")
	kernel  = flag.String("kernel", "build/bzImage", "the kernel image")
	initrd  = flag.String("initrd", "", "the initramfs (instead of -goinit or -gostd)")
	appendF = flag.String("append", "", "more kernel command line")
	okText  = flag.String("ok", "", "a regexp the console of a good boot matches (default from -goinit/-gostd)")
	goinit  = flag.String("goinit", "", "boot user/init with init.mode=MODE")
	gostd   = flag.String("gostd", "", "boot a standard package's test binary")
	silence = flag.Duration("silence", 30*time.Second, "a boot silent this long is hung")
	maxTime = flag.Duration("max", 15*time.Minute, "a boot running this long is hung")
	keys    = flag.String("keys", "l,w", "SysRq keys sent to a hung boot, comma-separated")
	gdbPort = flag.Int("gdb", 0, "QEMU's gdb port; a hung boot is left running and the loop stops")
	outDir  = flag.String("o", "build/bootloop", "where consoles are saved")
)

func fail(err error) {
	fmt.Fprintln(os.Stderr, "bootloop:", err)
	os.Exit(1)
}

// console is a boot's output so far and when it last grew.
type console struct {
	mu   sync.Mutex
	b    bytes.Buffer
	last time.Time
}

func (c *console) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.last = time.Now()
	return c.b.Write(p)
}

func (c *console) snapshot() (string, time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.b.String(), c.last
}

// what returns the initramfs, the command line and the success regexp.
func what() (string, string, string, error) {
	switch {
	case *goinit != "":
		path := filepath.Join(*outDir, "goinit.cpio")
		if err := userprog.GoInitrd(filepath.Join(userprog.Root(), "user", "init"), path, nil); err != nil {
			return "", "", "", err
		}
		return path, "init.mode=" + *goinit + " -- " + *goinit + " self", `goinit: mode ` + regexp.QuoteMeta(*goinit) + ` ok`, nil
	case *gostd != "":
		bin, err := userprog.GoTestBinary(*gostd)
		if err != nil {
			return "", "", "", err
		}
		skips, err := userprog.LoadSkips(filepath.Join(userprog.Root(), "user", "gotest", "skips"))
		if err != nil {
			return "", "", "", err
		}
		args := append(append(append([]string{}, userprog.GoTestFlags...), userprog.SkipArgs(*gostd, skips)...), flag.Args()...)
		path, err := userprog.GoTestInitrd(*gostd, bin, args)
		return path, "", `(?m)^PASS\r?$`, err
	case *initrd != "":
		return *initrd, "", "", nil
	}
	return "", "", "", fmt.Errorf("nothing to boot: -goinit MODE, -gostd PKG or -initrd FILE")
}

func main() {
	flag.Parse()
	if err := os.MkdirAll(*outDir, 0o755); err != nil {
		fail(err)
	}
	rd, cmdline, okRe, err := what()
	if err != nil {
		fail(err)
	}
	if *okText != "" {
		okRe = *okText
	}
	if okRe == "" {
		fail(fmt.Errorf("-initrd needs -ok, the text a good boot prints"))
	}
	good := regexp.MustCompile(okRe)
	ok, hung, failed := 0, 0, 0
	start := time.Now()
	for i := 0; i < *boots; i++ {
		args := []string{"-accel", "tcg", "-machine", "pc", "-m", *mem, "-display", "none", "-monitor", "none",
			"-serial", "mon:stdio", "-no-reboot", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
			"-kernel", *kernel, "-append", strings.TrimSpace("earlyprintk=serial " + *appendF + " " + cmdline),
			"-smp", fmt.Sprint(*smp), "-initrd", rd}
		if *gdbPort != 0 {
			args = append(args, "-gdb", fmt.Sprintf("tcp::%d", *gdbPort))
		}
		qemu := exec.Command("qemu-system-x86_64", args...)
		con := &console{last: time.Now()}
		qemu.Stdout, qemu.Stderr = con, con
		stdin, err := qemu.StdinPipe()
		if err != nil {
			fail(err)
		}
		if err := qemu.Start(); err != nil {
			fail(err)
		}
		done := make(chan error, 1)
		go func() { done <- qemu.Wait() }()
		t0 := time.Now()
		isHung := false
	watch:
		for {
			select {
			case <-done:
				break watch
			case <-time.After(500 * time.Millisecond):
				if _, last := con.snapshot(); time.Since(last) > *silence || time.Since(t0) > *maxTime {
					isHung = true
					break watch
				}
			}
		}
		out, _ := con.snapshot()
		switch {
		case isHung && *gdbPort != 0:
			f := filepath.Join(*outDir, fmt.Sprintf("hang-%d.log", i))
			os.WriteFile(f, []byte(out), 0o644)
			fmt.Printf("boot %d: hung after %v, console in %s; QEMU (pid %d) left running: gdb -x tools/gdb/gokern.gdb -ex 'gk-connect 127.0.0.1:%d' -ex gk-threads\n",
				i, time.Since(t0).Round(time.Second), f, qemu.Process.Pid, *gdbPort)
			return
		case isHung:
			for round := 0; round < 2; round++ {
				for _, k := range strings.Split(*keys, ",") {
					io.WriteString(stdin, "\x01b") // QEMU's mon:stdio: a BREAK on the serial line
					time.Sleep(300 * time.Millisecond)
					io.WriteString(stdin, k)
					time.Sleep(4 * time.Second)
				}
			}
			qemu.Process.Kill()
			<-done
			out, _ = con.snapshot()
			hung++
			f := filepath.Join(*outDir, fmt.Sprintf("hang-%d.log", i))
			os.WriteFile(f, []byte(out), 0o644)
			fmt.Printf("boot %d: hung after %v, console with SysRq %s in %s\n", i, time.Since(t0).Round(time.Second), *keys, f)
		case good.MatchString(out):
			ok++
		default:
			failed++
			f := filepath.Join(*outDir, fmt.Sprintf("fail-%d.log", i))
			os.WriteFile(f, []byte(out), 0o644)
			fmt.Printf("boot %d: ended without %q, console in %s\n", i, okRe, f)
		}
		fmt.Printf("boot %d: %v; %d ok, %d hung, %d failed in %v\n", i, time.Since(t0).Round(time.Second), ok, hung, failed, time.Since(start).Round(time.Second))
	}
	fmt.Printf("%d boots at -smp %d: %d ok, %d hung, %d failed in %v\n", *boots, *smp, ok, hung, failed, time.Since(start).Round(time.Second))
}
