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
	"encoding/json"
	"fmt"
	"io"
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

// OVMF is the UEFI firmware (Debian's ovmf package; qemu.sh installs it).
const OVMF = "/usr/share/ovmf/OVMF.fd"

// DefaultTimeout bounds one boot. It is a hang guard, not a speed
// assertion: a boot under TCG takes about a second. Boots with more than
// 1 GiB get PerGiBTimeout more for each further GiB (hangGuard): an 8 GiB
// boot initialises two million struct pages, and on a host loaded with
// parallel test runs it once took more than 120 s without hanging.
const (
	DefaultTimeout = 120 * time.Second
	PerGiBTimeout  = 30 * time.Second
)

// hangGuard is the time a boot of cfg may take before it counts as hung:
// cfg.Timeout when set, else DefaultTimeout and PerGiBTimeout for each
// GiB of -m above the first.
func hangGuard(cfg Config) time.Duration {
	if cfg.Timeout != 0 {
		return cfg.Timeout
	}
	t := DefaultTimeout
	if gib := memGiB(cfg.Mem); gib > 1 {
		t += time.Duration(gib-1) * PerGiBTimeout
	}
	return t
}

// memGiB reads QEMU's -m size ("128M", "8G", "2048", a number alone
// being MiB as QEMU takes it) in whole GiB, rounded up; 0 for ""
// or what it cannot read.
func memGiB(m string) int64 {
	if m == "" {
		return 0
	}
	unit := int64(1 << 20)
	switch m[len(m)-1] {
	case 'G', 'g':
		unit, m = 1<<30, m[:len(m)-1]
	case 'M', 'm':
		m = m[:len(m)-1]
	case 'T', 't':
		unit, m = 1<<40, m[:len(m)-1]
	}
	n, err := strconv.ParseInt(m, 10, 64)
	if err != nil || n <= 0 {
		return 0
	}
	return (n*unit + 1<<30 - 1) >> 30
}

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
	BIOS    string        // "" (SeaBIOS), "qboot" or "ovmf" (UEFI: Debian's ovmf package)
	CPU     string        // -cpu, default QEMU's
	SMP     int           // -smp, default 1
	Initrd  string        // -initrd
	Extra   []string      // more QEMU arguments
	Timeout time.Duration // default hangGuard's
	Debug   bool          // boot the -N -l debug build
	Image   string        // a bzImage other than the built one
	CDROM   string        // boot this ISO (e.g. GRUB's) instead of -kernel; Append is then unused
	GDBPort int           // -gdb tcp::PORT when non-zero
	Stopped bool          // -S: wait for gdb before the first instruction
	COM2    bool          // capture the second UART (ttyS1, I/O 0x2f8) too: Result.COM2
	// MonStdio: COM1 on -serial mon:stdio, as ./qemu.sh run has it: QEMU's
	// multiplexer reads Ctrl-a escapes from the input (Machine.Sysrq sends
	// Ctrl-a b, a BREAK); a Ctrl-a meant for the guest must be doubled.
	MonStdio bool

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
	serial := "stdio"
	if cfg.MonStdio {
		serial = "mon:stdio"
	}
	args := []string{
		"-accel", "tcg", "-machine", machine, "-m", mem,
		"-display", "none", "-monitor", "none", "-serial", serial,
		"-no-reboot", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
	}
	if cfg.CDROM != "" {
		args = append(args, "-cdrom", cfg.CDROM, "-boot", "d")
	} else {
		args = append(args, "-kernel", img, "-append", strings.TrimSpace("earlyprintk=serial "+cfg.Append))
	}
	switch cfg.BIOS {
	case "qboot":
		args = append(args, "-bios", "qboot.rom")
	case "ovmf":
		args = append(args, "-bios", OVMF)
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
	timeout := hangGuard(cfg)
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
	s := fmt.Sprintf("qemu-system-x86_64 %s\nexit %d (timed out: %v) after %v\nverdict: %s\n%s--- console ---\n%s",
		strings.Join(r.Args, " "), r.ExitCode, r.TimedOut, r.Wall, r.Verdict(), r.failures(), r.Output)
	if r.COM2 != "" {
		s += "\n--- COM2 ---\n" + r.COM2
	}
	return s
}

// failures lists the console's failure lines (failureRE), each "not ok"
// with the "# ..." diagnostics the selftest printed just before it, ahead
// of the console: a CI log that keeps only the head and tail of a long
// console still names what failed.
func (r *Result) failures() string {
	lines := strings.Split(r.Output, "\n")
	// A failed selftest is the news; the BUG lines before it are often
	// the selftests' own, on purpose (bad_page, slab_bad_pointer...).
	re := failureRE
	if notOkRE.MatchString(r.Output) {
		re = notOkRE
	}
	var b strings.Builder
	n := 0
	for i, l := range lines {
		if !re.MatchString(l) {
			continue
		}
		if n++; n > 20 {
			b.WriteString("  ...\n")
			break
		}
		j := i
		for j > 0 && i-j < 8 && strings.Contains(lines[j-1], "    # ") {
			j--
		}
		for _, c := range lines[j : i+1] {
			b.WriteString("  " + strings.TrimSpace(c) + "\n")
		}
	}
	if b.Len() == 0 {
		return ""
	}
	return "--- failures ---\n" + b.String()
}

var notOkRE = regexp.MustCompile(`not ok \d+ \S+|Kernel panic - not syncing: .*|LAB [a-z0-9_]+: .*`)

var failureRE = regexp.MustCompile(`LAB [a-z0-9_]+: .*|Kernel panic - not syncing: .*|panic: .*|not ok \d+ \S+|BUG: .*|general protection fault.*|PANIC: .*`)

// Verdict says in one line how the boot ended, for a failure message
// (the lab grader shows it): "hang" (killed after the timeout), "reset"
// (QEMU stopped by itself without the kernel's exit: under -no-reboot that
// is a triple fault), the kernel's own failure line, or a clean exit.
func (r *Result) Verdict() string {
	switch {
	case r.TimedOut:
		return fmt.Sprintf("hang: no exit within %v", r.Wall.Round(time.Second))
	case r.ExitCode == ExitSuccess:
		return "the kernel exited successfully (33)"
	case r.ExitCode == ExitFailure:
		m := notOkRE.FindString(r.Output)
		if m == "" {
			m = failureRE.FindString(r.Output)
		}
		if m != "" {
			return "the kernel failed (35): " + strings.TrimSpace(m)
		}
		return "the kernel failed (35)"
	case r.ExitCode == 0:
		return "reset: QEMU stopped without the kernel's exit (a triple fault under -no-reboot)"
	}
	return fmt.Sprintf("QEMU exited %d", r.ExitCode)
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

// midLineKernel is a printk line that began in the middle of a line a
// program was writing: the serial console prints a kernel message the
// moment it is made (Linux's too), between two bytes of a user line.
var midLineKernel = regexp.MustCompile(`([^\n])\[ *\d+\.\d{6}\] [^\n]*\n`)

// UserText is Output with every printk line that cut into another line
// taken out, and that line joined again: a program's
// "goinit: ... mod[    0.243753] cpu_idle: ...\ne preempt" reads
// "goinit: ... mode preempt" here. Kernel lines that start a line stay.
func (r *Result) UserText() string {
	return midLineKernel.ReplaceAllString(r.Output, "$1")
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

// Machine is a QEMU left running, for tests that look at the guest while
// it runs: wait for a console line, read guest memory through QEMU's
// machine protocol (QMP: -qmp on a unix socket), then stop it.
type Machine struct {
	t     testing.TB
	cfg   Config
	args  []string
	cmd   *exec.Cmd
	out   *syncBuffer
	done  chan struct{} // closed when QEMU has exited
	err   error         // cmd.Wait's, valid after done
	start time.Time
	qmp   net.Conn
	rd    *bufio.Reader
	stdin io.WriteCloser // QEMU's stdin: the guest's COM1 (-serial stdio)
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.ReplaceAll(s.b.String(), "\r\n", "\n")
}

// Start boots cfg and returns at once; the test's cleanup kills QEMU if
// it is still running.
func Start(t testing.TB, cfg Config) *Machine {
	t.Helper()
	dir, err := os.MkdirTemp("", "gokern-qmp-") // short: a unix socket path has ~100 bytes
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	cfg.qmpPath = filepath.Join(dir, "qmp")
	if cfg.COM2 {
		cfg.com2Path = filepath.Join(dir, "com2")
	}
	m := &Machine{t: t, cfg: cfg, args: Args(t, cfg), out: &syncBuffer{}, done: make(chan struct{})}
	m.cmd = exec.Command("qemu-system-x86_64", m.args...)
	m.cmd.Stdout, m.cmd.Stderr = m.out, m.out
	if m.stdin, err = m.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	m.run()
	t.Cleanup(func() {
		m.cmd.Process.Kill()
		<-m.done
		if m.qmp != nil {
			m.qmp.Close()
		}
	})
	return m
}

// run starts m.cmd, and closes m.done once it has exited and everything
// it printed is in m.out (exec's Wait returns only after copying its
// output to the end).
func (m *Machine) run() {
	m.start = time.Now()
	if err := m.cmd.Start(); err != nil {
		m.t.Fatalf("qemu: %v", err)
	}
	go func() { m.err = m.cmd.Wait(); close(m.done) }()
}

// WaitFor waits until the console shows a match of re and returns it; it
// fails the test if QEMU exits first or timeout passes.
func (m *Machine) WaitFor(re *regexp.Regexp, timeout time.Duration) []string {
	m.t.Helper()
	return m.WaitForNth(re, 1, timeout)
}

// WaitForNth waits until the console shows n matches of re and returns the
// nth.
func (m *Machine) WaitForNth(re *regexp.Regexp, n int, timeout time.Duration) []string {
	m.t.Helper()
	s, exited := m.waitNth(re, n, timeout)
	switch {
	case s != nil:
		return s
	case exited:
		m.t.Fatalf("QEMU exited before the console showed %q\n%s", re, m.result(true).Describe())
	default:
		m.t.Fatalf("no %q on the console after %v\n%s", re, timeout, m.result(false).Describe())
	}
	return nil
}

// Shows is WaitFor that does not fail: whether the console shows re
// within timeout (false too when QEMU has exited without it).
func (m *Machine) Shows(re *regexp.Regexp, timeout time.Duration) bool {
	s, _ := m.waitNth(re, 1, timeout)
	return s != nil
}

// waitNth is the nth match of re once the console shows it, or nil at
// the timeout or when QEMU exited (exited true) without it.
func (m *Machine) waitNth(re *regexp.Regexp, n int, timeout time.Duration) (match []string, exited bool) {
	deadline := time.Now().Add(timeout)
	for {
		if s := re.FindAllStringSubmatch(m.out.String(), n); len(s) == n {
			return s[n-1], false
		}
		select {
		case <-m.done:
			// QEMU may have printed the line and exited since the
			// look above: its output is complete now, look once more.
			if s := re.FindAllStringSubmatch(m.out.String(), n); len(s) == n {
				return s[n-1], false
			}
			return nil, true
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return nil, false
		}
	}
}

// Type sends s to the guest's first serial port, as if typed on its
// terminal (QEMU's -serial stdio reads its stdin).
func (m *Machine) Type(s string) {
	m.t.Helper()
	if _, err := io.WriteString(m.stdin, s); err != nil {
		m.t.Fatalf("writing %q to the guest's serial port: %v", s, err)
	}
}

// Sysrq sends a SysRq key as a student does on ./qemu.sh run's terminal:
// a BREAK (QEMU's Ctrl-a b, Config.MonStdio), then the key. The BREAK
// goes to the UART at once, ahead of input QEMU still holds for the
// guest: type it only when the guest has taken what came before.
func (m *Machine) Sysrq(key string) {
	m.t.Helper()
	if !m.cfg.MonStdio {
		m.t.Fatalf("Sysrq needs Config.MonStdio (QEMU's Ctrl-a b)")
	}
	m.Type("\x01b")
	time.Sleep(100 * time.Millisecond)
	m.Type(key)
}

// Wait waits for QEMU to exit by itself and returns what it printed; it
// fails the test if that takes longer than timeout.
func (m *Machine) Wait(timeout time.Duration) *Result {
	m.t.Helper()
	select {
	case <-m.done:
		return m.result(true)
	case <-time.After(timeout):
		m.t.Fatalf("QEMU still running after %v\n%s", timeout, m.result(false).Describe())
	}
	return nil
}

// QMP runs one command and returns its "return" value.
func (m *Machine) QMP(command string, args any) (json.RawMessage, error) {
	if m.qmp == nil {
		if err := m.qmpConnect(); err != nil {
			return nil, err
		}
	}
	return m.qmpCall(command, args)
}

func (m *Machine) qmpConnect() error {
	var err error
	for i := 0; i < 500; i++ { // QEMU makes the socket as it starts
		if m.qmp, err = net.Dial("unix", m.cfg.qmpPath); err == nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err != nil {
		return fmt.Errorf("QMP socket: %v", err)
	}
	m.rd = bufio.NewReader(m.qmp)
	if _, err := m.rd.ReadBytes('\n'); err != nil { // the greeting
		return fmt.Errorf("QMP greeting: %v", err)
	}
	_, err = m.qmpCall("qmp_capabilities", nil)
	return err
}

func (m *Machine) qmpCall(command string, args any) (json.RawMessage, error) {
	req := map[string]any{"execute": command}
	if args != nil {
		req["arguments"] = args
	}
	b, _ := json.Marshal(req)
	if _, err := m.qmp.Write(append(b, '\n')); err != nil {
		return nil, err
	}
	for {
		line, err := m.rd.ReadBytes('\n')
		if err != nil {
			return nil, fmt.Errorf("QMP %s: %v", command, err)
		}
		var resp struct {
			Return json.RawMessage `json:"return"`
			Error  *struct{ Class, Desc string }
			Event  string `json:"event"`
		}
		if err := json.Unmarshal(line, &resp); err != nil {
			return nil, fmt.Errorf("QMP %s: %v in %q", command, err, line)
		}
		switch {
		case resp.Event != "":
			continue // asynchronous: not our answer
		case resp.Error != nil:
			return nil, fmt.Errorf("QMP %s: %s: %s", command, resp.Error.Class, resp.Error.Desc)
		default:
			return resp.Return, nil
		}
	}
}

// QMPEvent waits up to timeout for QEMU to send the asynchronous event
// name (SHUTDOWN, RESET, ...) and returns its data. Events sent before
// the QMP connection existed are lost: call QMP once (query-status) to
// connect before the guest can send it. Events of other names, and
// those before, are skipped.
func (m *Machine) QMPEvent(name string, timeout time.Duration) (map[string]any, error) {
	if m.qmp == nil {
		if err := m.qmpConnect(); err != nil {
			return nil, err
		}
	}
	m.qmp.SetReadDeadline(time.Now().Add(timeout))
	defer m.qmp.SetReadDeadline(time.Time{})
	for {
		line, err := m.rd.ReadBytes('\n')
		if err != nil {
			return nil, fmt.Errorf("QMP event %s: %v", name, err)
		}
		var ev struct {
			Event string         `json:"event"`
			Data  map[string]any `json:"data"`
		}
		if json.Unmarshal(line, &ev) == nil && ev.Event == name {
			return ev.Data, nil
		}
	}
}

// Pmemsave reads size bytes of guest physical memory at addr (QMP
// pmemsave, through a file).
func (m *Machine) Pmemsave(addr, size uint64) ([]byte, error) {
	f := filepath.Join(filepath.Dir(m.cfg.qmpPath), fmt.Sprintf("mem-%x", addr))
	if _, err := m.QMP("pmemsave", map[string]any{"val": addr, "size": size, "filename": f}); err != nil {
		return nil, err
	}
	defer os.Remove(f)
	return os.ReadFile(f)
}

// Stop ends QEMU (QMP quit) and returns what it printed.
func (m *Machine) Stop() *Result {
	m.t.Helper()
	if _, err := m.QMP("quit", nil); err != nil {
		m.cmd.Process.Kill()
	}
	<-m.done
	return m.result(true)
}

// Result is what the machine printed so far (ExitCode -1: still running).
func (m *Machine) Result() *Result { return m.result(false) }

// result is the Result so far; exited says QEMU is gone.
func (m *Machine) result(exited bool) *Result {
	r := &Result{Output: m.out.String(), Wall: time.Since(m.start), Args: m.args, ExitCode: -1}
	r.readCOM2(m.cfg)
	if exited {
		r.ExitCode = m.cmd.ProcessState.ExitCode()
	}
	return r
}
