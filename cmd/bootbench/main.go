// Command bootbench measures how long QEMU takes to boot gokern to its idle
// line, against a floor: an image whose first instruction ends the run
// (internal/bench/floor.S), which costs what QEMU and the firmware cost
// before any kernel runs. It boots the two alternately, several times
// under each firmware (SeaBIOS, qboot), and prints the medians and their
// ratio, by the wall clock and by the CPU time QEMU used (which a host
// busy with other work inflates far less), then the median time of each
// start_kernel step from initcall_debug, the guest instructions each stage
// runs (-icount), and what QEMU's TCG translated for the floor and the
// kernel (-d in_asm: blocks and guest instructions, the host's main cost
// for code that runs once, which no instruction count shows). A third
// image, the floor with a payload as big as the kernel's, says what
// loading the kernel costs the firmware; the ratios stay against the true
// floor. ./qemu.sh bench runs it.
//
//	go run ./cmd/bootbench [-n 7] [-kernel build/bzImage] [-append ""]
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"gokern/internal/bench"
)

var (
	runs   = flag.Int("n", 7, "boots of each image under each firmware")
	kernel = flag.String("kernel", "build/bzImage", "the kernel image")
	extra  = flag.String("append", "", "more kernel command line")
	out    = flag.String("o", "build/bench", "where the floor image is built")
)

func fail(err error) {
	fmt.Fprintln(os.Stderr, "bootbench:", err)
	os.Exit(1)
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Join(strings.Fields(string(b))[:3], " ")
}

func ms(r bench.Run) (wall, cpu float64) { return r.Wall.Seconds() * 1000, r.CPU.Seconds() * 1000 }

func main() {
	flag.Parse()
	floor, err := bench.BuildFloor(*out)
	if err != nil {
		fail(err)
	}
	fi, err := os.Stat(*kernel)
	if err != nil {
		fail(err)
	}
	loaded, err := bench.BuildFloorPayload(*out, fi.Size())
	if err != nil {
		fail(err)
	}
	base := strings.TrimSpace("earlyprintk=serial exit_at_idle " + *extra)
	fmt.Printf("QEMU start to exit, TCG, -machine pc -m 128M, %d boots each, alternating; load average %s\n", *runs, loadavg())
	fmt.Printf("%-8s %-6s %9s %9s %7s %14s %16s\n", "firmware", "", "floor ms", "gokern ms", "ratio", "floor+load ms", "startup_32-idle")
	stages := map[string][]float64{}
	var order []string
	for _, bios := range []string{"seabios", "qboot"} {
		var fw, fc, lw, lc, kw, kc, ki, pre, bs []float64
		for i := 0; i < *runs; i++ {
			r, err := bench.Boot(floor, bios, "")
			if err != nil {
				fail(err)
			}
			w, c := ms(r)
			fw, fc = append(fw, w), append(fc, c)
			if r, err = bench.Boot(loaded, bios, ""); err != nil {
				fail(err)
			}
			w, c = ms(r)
			lw, lc = append(lw, w), append(lc, c)
			if r, err = bench.Boot(*kernel, bios, base); err != nil {
				fail(err)
			}
			w, c = ms(r)
			kw, kc, ki = append(kw, w), append(kc, c), append(ki, bench.IdleMs(r.Out))
			// The stages come from a boot with initcall_debug, whose own
			// lines cost time: it is not the boot timed above.
			if r, err = bench.Boot(*kernel, bios, base+" initcall_debug loglevel=8"); err != nil {
				fail(err)
			}
			p, b := bench.BootTimes(r.Out)
			pre, bs = append(pre, p), append(bs, b)
			for _, s := range bench.Initcalls(r.Out) {
				key := bios + " " + s.Name
				if _, ok := stages[key]; !ok {
					order = append(order, key)
				}
				stages[key] = append(stages[key], s.Us)
			}
		}
		f, k := bench.Median(fw), bench.Median(kw)
		fmt.Printf("%-8s %-6s %9.1f %9.1f %7.2f %14.1f %13.1f ms\n", bios, "wall", f, k, k/f, bench.Median(lw), bench.Median(ki))
		f, k = bench.Median(fc), bench.Median(kc)
		fmt.Printf("%-8s %-6s %9.1f %9.1f %7.2f %14.1f\n", "", "CPU", f, k, k/f, bench.Median(lc))
		fmt.Printf("%-8s machine start to startup_32 %.1f ms (firmware, loading, setup), boot stage %.1f ms (TSC, initcall_debug boots)\n",
			"", bench.Median(pre), bench.Median(bs))
	}
	fmt.Printf("load average at the end %s\n", loadavg())
	// The same boot counted in guest instructions (-icount: the TSC
	// advances one cycle per instruction at a nominal 1 GHz), which
	// no host load changes: what each stage executes.
	fmt.Printf("\nguest instructions (QEMU -icount shift=0), millions\n")
	for _, bios := range []string{"seabios", "qboot"} {
		r, err := bench.Boot(*kernel, bios, base+" loglevel=8", bench.Icount...)
		if err != nil {
			fail(err)
		}
		pre, bs := bench.BootTimes(r.Out)
		fmt.Printf("%-8s machine start to startup_32 %.2f, boot stage %.2f, startup_32 to the idle line %.2f\n",
			bios, pre, bs, bench.IdleMs(r.Out))
	}
	// What TCG translated, floor and kernel: the host's cost that no
	// instruction count shows.
	fmt.Printf("\nQEMU's TCG translated (-d in_asm): blocks, guest instructions\n")
	logf := filepath.Join(*out, "in_asm.log")
	for _, bios := range []string{"seabios", "qboot"} {
		var t [2]bench.Translated
		for i, img := range []struct{ path, cmdline string }{{floor, ""}, {*kernel, base}} {
			if _, err := bench.Boot(img.path, bios, img.cmdline, bench.TranslateArgs(logf)...); err != nil {
				fail(err)
			}
			if t[i], err = bench.CountTranslated(logf); err != nil {
				fail(err)
			}
		}
		fmt.Printf("%-8s floor %d blocks %d instructions, gokern %d blocks %d instructions\n", bios, t[0].Blocks, t[0].Insns, t[1].Blocks, t[1].Insns)
	}
	os.Remove(logf)
	fmt.Printf("\nstart_kernel's steps (initcall_debug), median us over %d boots\n", *runs)
	for _, key := range order {
		fmt.Printf("  %-40s %8.0f\n", key, bench.Median(stages[key]))
	}
}
