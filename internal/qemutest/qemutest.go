// Package qemutest boots gokern under QEMU for tests: it builds the image
// once per test process (and once at a time across processes, with a lock
// file), starts qemu-system-x86_64 with TCG, the isa-debug-exit device,
// the serial console captured, -no-reboot and a timeout, and returns what
// the kernel printed and how QEMU exited.
//
// The kernel's side of the protocol (DESIGN.md §5, kmain.go):
//   - exit_at_idle: print the idle line, write 0x10 to port 0xf4 → QEMU exits 33
//   - a fatal error in any mode, or a failed selftest: 0x11 → QEMU exits 35
//   - selftest=all|name,...: KTAP lines ("ok 3 name", "not ok 4 name")
package qemutest

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"gokern/internal/kbuild"
)

// Exit statuses of QEMU through isa-debug-exit: (code << 1) | 1.
const (
	ExitSuccess = 0x10<<1 | 1 // 33
	ExitFailure = 0x11<<1 | 1 // 35
)

// DefaultTimeout bounds one boot. It is a hang guard, not a speed
// assertion: a boot under TCG takes about a second.
const DefaultTimeout = 120 * time.Second

var (
	buildOnce [2]sync.Once
	built     [2]*kbuild.Result
	buildErr  [2]error
)

// Root is the repository root.
func Root(t testing.TB) string {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	root, err := kbuild.FindRoot(wd)
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// Image builds the kernel (debug: the -N -l build in build/debug) once per
// test process and returns the paths. Concurrent test processes take
// turns through an flock on build/.lock.
func Image(t testing.TB, debug bool) *kbuild.Result {
	t.Helper()
	i := 0
	if debug {
		i = 1
	}
	buildOnce[i].Do(func() {
		root := Root(t)
		out := filepath.Join(root, "build")
		if debug {
			out = filepath.Join(out, "debug")
		}
		if err := os.MkdirAll(out, 0o755); err != nil {
			buildErr[i] = err
			return
		}
		lock, err := os.OpenFile(filepath.Join(root, "build", ".lock"), os.O_CREATE|os.O_RDWR, 0o644)
		if err != nil {
			buildErr[i] = err
			return
		}
		defer lock.Close()
		if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
			buildErr[i] = err
			return
		}
		defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
		built[i], buildErr[i] = kbuild.Build(kbuild.Options{Root: root, Out: out, Debug: debug})
	})
	if buildErr[i] != nil {
		t.Fatalf("building the kernel: %v", buildErr[i])
	}
	return built[i]
}

// Config describes one boot.
type Config struct {
	Append  string        // kernel command line after "earlyprintk=serial"
	Mem     string        // -m, default 128M
	Machine string        // -machine, default pc
	BIOS    string        // "" (SeaBIOS) or "qboot"
	CPU     string        // -cpu, default QEMU's
	SMP     int           // -smp, default 1
	Initrd  string        // -initrd
	Extra   []string      // more QEMU arguments
	Timeout time.Duration // default DefaultTimeout
	Debug   bool          // boot the -N -l debug build
	Image   string        // a bzImage other than the built one
	CDROM   string        // boot this ISO (e.g. GRUB's) instead of -kernel; Append is then unused
	GDBPort int           // -gdb tcp::PORT when non-zero
	Stopped bool          // -S: wait for gdb before the first instruction
	COM2    bool          // capture the second UART (ttyS1, I/O 0x2f8) too: Result.COM2

	com2Path string // where Boot/Start let QEMU write COM2
	qmpPath  string // Start's QMP socket
}

// Result is what one boot produced.
type Result struct {
	Output   string        // the serial console
	ExitCode int           // QEMU's exit status (33 success, 35 failure)
	TimedOut bool          // killed after Timeout
	Wall     time.Duration // QEMU start to exit
	Args     []string      // the QEMU command line
	COM2     string        // the second UART, with Config.COM2
}

// Args returns the QEMU command line for cfg.
func Args(t testing.TB, cfg Config) []string {
	img := cfg.Image
	if img == "" && cfg.CDROM == "" {
		img = Image(t, cfg.Debug).BzImage
	}
	mem, machine := cfg.Mem, cfg.Machine
	if mem == "" {
		mem = "128M"
	}
	if machine == "" {
		machine = "pc"
	}
	args := []string{
		"-accel", "tcg", "-machine", machine, "-m", mem,
		"-display", "none", "-monitor", "none", "-serial", "stdio",
		"-no-reboot", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
	}
	if cfg.CDROM != "" {
		args = append(args, "-cdrom", cfg.CDROM, "-boot", "d")
	} else {
		args = append(args, "-kernel", img, "-append", strings.TrimSpace("earlyprintk=serial "+cfg.Append))
	}
	if cfg.BIOS == "qboot" {
		args = append(args, "-bios", "qboot.rom")
	}
	if cfg.CPU != "" {
		args = append(args, "-cpu", cfg.CPU)
	}
	if cfg.SMP > 1 {
		args = append(args, "-smp", strconv.Itoa(cfg.SMP))
	}
	if cfg.Initrd != "" {
		args = append(args, "-initrd", cfg.Initrd)
	}
	if cfg.GDBPort != 0 {
		args = append(args, "-gdb", fmt.Sprintf("tcp:127.0.0.1:%d", cfg.GDBPort))
	}
	if cfg.Stopped {
		args = append(args, "-S")
	}
	if cfg.com2Path != "" {
		args = append(args, "-serial", "file:"+cfg.com2Path)
	}
	if cfg.qmpPath != "" {
		args = append(args, "-qmp", "unix:"+cfg.qmpPath+",server=on,wait=off")
	}
	return append(args, cfg.Extra...)
}

// Boot runs QEMU to its end (exit through port 0xf4, a QEMU error, or the
// timeout) and returns the result. It fails the test only if QEMU cannot
// start; callers assert on the result.
func Boot(t testing.TB, cfg Config) *Result {
	t.Helper()
	if _, err := exec.LookPath("qemu-system-x86_64"); err != nil {
		t.Fatal("qemu-system-x86_64 not found: run ./qemu.sh test, which installs it (apt-get install qemu-system-x86)")
	}
	timeout := cfg.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	if cfg.COM2 {
		cfg.com2Path = filepath.Join(t.TempDir(), "com2")
	}
	args := Args(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "qemu-system-x86_64", args...)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	start := time.Now()
	err := cmd.Run()
	r := &Result{Output: strings.ReplaceAll(out.String(), "\r\n", "\n"), Wall: time.Since(start), Args: args}
	r.readCOM2(cfg)
	if ctx.Err() == context.DeadlineExceeded {
		r.TimedOut = true
		r.ExitCode = -1
		return r
	}
	if ee, ok := err.(*exec.ExitError); ok {
		r.ExitCode = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("qemu: %v\n%s", err, r.Output)
	}
	return r
}

func (r *Result) readCOM2(cfg Config) {
	if cfg.com2Path != "" {
		b, _ := os.ReadFile(cfg.com2Path) // absent if QEMU never started
		r.COM2 = strings.ReplaceAll(string(b), "\r\n", "\n")
	}
}

// Describe is a failure message: the command line and the output.
func (r *Result) Describe() string {
	s := fmt.Sprintf("qemu-system-x86_64 %s\nexit %d (timed out: %v) after %v\n--- console ---\n%s",
		strings.Join(r.Args, " "), r.ExitCode, r.TimedOut, r.Wall, r.Output)
	if r.COM2 != "" {
		s += "\n--- COM2 ---\n" + r.COM2
	}
	return s
}

// Lines returns the console lines.
func (r *Result) Lines() []string {
	var lines []string
	sc := bufio.NewScanner(strings.NewReader(r.Output))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	return lines
}

// Stamp is one printk line: its time stamp and text.
type Stamp struct {
	Time float64 // seconds since startup_32
	Text string
}

var stampRE = regexp.MustCompile(`^\[\s*(\d+)\.(\d{6})\] (.*)$`)

// Stamps returns the time-stamped (kernel) lines.
func (r *Result) Stamps() []Stamp {
	var s []Stamp
	for _, l := range r.Lines() {
		m := stampRE.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		sec, _ := strconv.Atoi(m[1])
		usec, _ := strconv.Atoi(m[2])
		s = append(s, Stamp{Time: float64(sec) + float64(usec)/1e6, Text: m[3]})
	}
	return s
}

// KTAPResult is one "ok N name" / "not ok N name" line.
type KTAPResult struct {
	OK   bool
	N    int
	Name string
}

var ktapRE = regexp.MustCompile(`(?:^|\] )(not ok|ok) (\d+) (\S+)`)

// KTAP returns the selftest results, in order, and the plan ("1..N": N, or
// -1 if absent).
func (r *Result) KTAP() (res []KTAPResult, plan int) {
	plan = -1
	planRE := regexp.MustCompile(`(?:^|\] )1\.\.(\d+)$`)
	for _, l := range r.Lines() {
		if m := planRE.FindStringSubmatch(l); m != nil {
			plan, _ = strconv.Atoi(m[1])
		}
		if m := ktapRE.FindStringSubmatch(l); m != nil {
			n, _ := strconv.Atoi(m[2])
			res = append(res, KTAPResult{OK: m[1] == "ok", N: n, Name: m[3]})
		}
	}
	return res, plan
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago (for
// QEMU's gdb stub; port 1234 may be taken, DESIGN.md §6).
func FreePort(t testing.TB) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
