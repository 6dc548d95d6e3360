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
func BuildFloor(dir string) (string, error) {
	_, self, _, _ := runtime.Caller(0)
	src := filepath.Join(filepath.Dir(self), "floor.S")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	obj, img := filepath.Join(dir, "floor.o"), filepath.Join(dir, "floor.img")
	for _, c := range [][]string{
		{"as", "--32", "-o", obj, src},
		{"objcopy", "-O", "binary", "-j", ".text", obj, img},
	} {
		if b, err := exec.Command(c[0], c[1:]...).CombinedOutput(); err != nil {
			return "", fmt.Errorf("%s: %v\n%s", strings.Join(c, " "), err, b)
		}
	}
	return img, nil
}

// Boot runs QEMU as the boot tests do (TCG, -machine pc, 128 MiB,
// isa-debug-exit) on image under bios ("seabios" or "qboot") and returns
// the wall time from start to exit and the console. An exit other than 33
// (exit_at_idle, or the floor's first instruction) is an error.
func Boot(image, bios, cmdline string) (time.Duration, string, error) {
	args := []string{"-accel", "tcg", "-machine", "pc", "-m", "128M", "-display", "none", "-monitor", "none",
		"-serial", "stdio", "-no-reboot", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
		"-kernel", image, "-append", cmdline}
	if bios == "qboot" {
		args = append(args, "-bios", "qboot.rom")
	}
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
		return 0, "", fmt.Errorf("%s under %s: %v\n%s", image, bios, err, b.String())
	}
	return wall, strings.ReplaceAll(b.String(), "\r\n", "\n"), nil
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
