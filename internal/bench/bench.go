// Package bench is ./qemu.sh bench's library (cmd/bootbench): the floor
// image, a boot timed by the wall clock, and the figures read from the
// kernel's output.
package bench

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"
)

// BuildFloor assembles floor.S (beside this file) into a flat image in
// dir with GNU as and objcopy, and returns its path.
func BuildFloor(dir string) (string, error) { return BuildFloorPayload(dir, 0) }

// BuildFloorPayload is BuildFloor with a payload of size bytes (0: the
// floor's 512): an image that still exits at its first instruction but
// gives the firmware as much to load as a kernel of that size.
func BuildFloorPayload(dir string, size int64) (string, error) {
	_, self, _, _ := runtime.Caller(0)
	src := filepath.Join(filepath.Dir(self), "floor.S")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	name, def := "floor", []string{}
	if size > 0 {
		name, def = fmt.Sprintf("floor-%d", size), []string{"--defsym", fmt.Sprintf("PAYLOAD=%d", size)}
	}
	obj, img := filepath.Join(dir, name+".o"), filepath.Join(dir, name+".img")
	for _, c := range [][]string{
		append(append([]string{"as", "--32"}, def...), "-o", obj, src),
		{"objcopy", "-O", "binary", "-j", ".text", obj, img},
	} {
		if b, err := exec.Command(c[0], c[1:]...).CombinedOutput(); err != nil {
			return "", fmt.Errorf("%s: %v\n%s", strings.Join(c, " "), err, b)
		}
	}
	return img, nil
}

// Icount makes QEMU's virtual clock, and with it the TSC the kernel
// stamps its lines with, count guest instructions: one nanosecond per
// instruction, whatever the host's load. The kernel's figures then say how
// many instructions each stage executed (not what they cost the host:
// TCG's translation of code that runs once and the emulated devices are
// not instructions).
var Icount = []string{"-icount", "shift=0,sleep=off"}

// Run is one timed boot.
type Run struct {
	Wall time.Duration // QEMU's start to its exit
	// CPU is the CPU time QEMU used (user and system, all its threads):
	// what the boot costs the host, which a busy host inflates far less
	// than the wall time (QEMU then waits for a CPU as well).
	CPU time.Duration
	Out string // the console
}

// Boot runs QEMU as the boot tests do (TCG, -machine pc, 128 MiB,
// isa-debug-exit) on image under bios ("seabios" or "qboot") and returns
// the times and the console; extra are more QEMU arguments (Icount). An
// exit other than 33 (exit_at_idle, or the
// floor's first instruction) is an error.
func Boot(image, bios, cmdline string, extra ...string) (Run, error) {
	args := []string{"-accel", "tcg", "-machine", "pc", "-m", "128M", "-display", "none", "-monitor", "none",
		"-serial", "stdio", "-no-reboot", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
		"-kernel", image, "-append", cmdline}
	if bios == "qboot" {
		args = append(args, "-bios", "qboot.rom")
	}
	args = append(args, extra...)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "qemu-system-x86_64", args...)
	var b bytes.Buffer
	cmd.Stdout, cmd.Stderr = &b, &b
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if ctx.Err() != nil {
		err = fmt.Errorf("still running after a minute")
	} else if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == 33 {
		err = nil
	} else if err == nil {
		err = fmt.Errorf("QEMU exited 0: no isa-debug-exit write")
	}
	if err != nil {
		return Run{}, fmt.Errorf("%s under %s: %v\n%s", image, bios, err, b.String())
	}
	cpu := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	return Run{Wall: wall, CPU: cpu, Out: strings.ReplaceAll(b.String(), "\r\n", "\n")}, nil
}

// Translated is what QEMU's TCG translated in a boot: blocks and the
// guest instructions in them, each translated once whatever how often it
// then runs. Translation, not running, is most of what a boot that runs
// most of its code once costs the host; unlike the wall clock, the count
// does not depend on the host's load.
type Translated struct{ Blocks, Insns int }

// TranslateArgs are the QEMU arguments that log every translation into
// file (-d in_asm), for CountTranslated.
func TranslateArgs(file string) []string { return []string{"-d", "in_asm", "-D", file} }

// CountTranslated reads a -d in_asm log: an "IN:" line opens each block,
// a line per guest instruction ("0x<address>:") follows.
func CountTranslated(file string) (Translated, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return Translated{}, err
	}
	var t Translated
	for _, l := range bytes.Split(b, []byte("\n")) {
		switch {
		case bytes.HasPrefix(l, []byte("IN:")):
			t.Blocks++
		case bytes.HasPrefix(l, []byte("0x")):
			t.Insns++
		}
	}
	return t, nil
}

// Median of d (0 if empty).
func Median(d []float64) float64 {
	s := append([]float64(nil), d...)
	sort.Float64s(s)
	switch {
	case len(s) == 0:
		return 0
	case len(s)%2 == 1:
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

var (
	idleRE     = regexp.MustCompile(`(?m)^\[\s*(\d+\.\d+)\] cpu_idle:`)
	initcallRE = regexp.MustCompile(`(?m)initcall (\S+?)\+0x[0-9a-f]+/0x[0-9a-f]+ returned \S+ after (\d+) usecs`)
)

// IdleMs is the idle line's time stamp (since startup_32) in ms, or -1.
func IdleMs(out string) float64 {
	m := idleRE.FindStringSubmatch(out)
	if m == nil {
		return -1
	}
	s, _ := strconv.ParseFloat(m[1], 64)
	return s * 1000
}

var bootTimesRE = regexp.MustCompile(`startup_32 ran (\d+\.\d+) ms after the CPU's reset \(TSC \d+\); the boot stage took (\d+) us`)

// BootTimes are x86_64_start_kernel's figures (loglevel=8): the ms from
// the machine's start to startup_32 (firmware, loading, the real-mode
// setup) and the ms of the boot stage (image check, move, page tables);
// -1, -1 if absent.
func BootTimes(out string) (preMs, stageMs float64) {
	m := bootTimesRE.FindStringSubmatch(out)
	if m == nil {
		return -1, -1
	}
	pre, _ := strconv.ParseFloat(m[1], 64)
	us, _ := strconv.ParseFloat(m[2], 64)
	return pre, us / 1000
}

// Stage is one initcall_debug line: a start_kernel step and its time.
type Stage struct {
	Name string
	Us   float64
}

// Initcalls returns the steps initcall_debug reported, in order.
func Initcalls(out string) []Stage {
	var s []Stage
	for _, m := range initcallRE.FindAllStringSubmatch(out, -1) {
		us, _ := strconv.ParseFloat(m[2], 64)
		s = append(s, Stage{m[1], us})
	}
	return s
}
