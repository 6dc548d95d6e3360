// Command bootbench measures how long QEMU takes to boot gokern to its idle
// line, against a floor: an image whose first instruction ends the run
// (internal/bench/floor.S), which costs what QEMU and the firmware cost
// before any kernel runs. It boots the two alternately, several times
// under each firmware (SeaBIOS, qboot), and prints the medians and their
// ratio, then the median time of each start_kernel step from
// initcall_debug. ./qemu.sh bench runs it.
//
//	go run ./cmd/bootbench [-n 7] [-kernel build/bzImage] [-append ""]
package main

import (
	"flag"
	"fmt"
	"os"
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

func main() {
	flag.Parse()
	floor, err := bench.BuildFloor(*out)
	if err != nil {
		fail(err)
	}
	base := strings.TrimSpace("earlyprintk=serial exit_at_idle " + *extra)
	fmt.Printf("QEMU wall time, start to exit, TCG, -machine pc -m 128M, %d boots each, alternating\n", *runs)
	fmt.Printf("%-8s %10s %10s %7s %16s\n", "firmware", "floor ms", "gokern ms", "ratio", "startup_32-idle")
	stages := map[string][]float64{}
	var order []string
	for _, bios := range []string{"seabios", "qboot"} {
		var fl, kw, ki []float64
		for i := 0; i < *runs; i++ {
			w, _, err := bench.Boot(floor, bios, "")
			if err != nil {
				fail(err)
			}
			fl = append(fl, w.Seconds()*1000)
			w, o, err := bench.Boot(*kernel, bios, base)
			if err != nil {
				fail(err)
			}
			kw = append(kw, w.Seconds()*1000)
			ki = append(ki, bench.IdleMs(o))
			// The stages come from a boot with initcall_debug, whose own
			// lines cost time: it is not the boot timed above.
			_, o, err = bench.Boot(*kernel, bios, base+" initcall_debug loglevel=8")
			if err != nil {
				fail(err)
			}
			for _, s := range bench.Initcalls(o) {
				key := bios + " " + s.Name
				if _, ok := stages[key]; !ok {
					order = append(order, key)
				}
				stages[key] = append(stages[key], s.Us)
			}
		}
		f, k := bench.Median(fl), bench.Median(kw)
		fmt.Printf("%-8s %10.1f %10.1f %7.2f %13.1f ms\n", bios, f, k, k/f, bench.Median(ki))
	}
	fmt.Printf("\nstart_kernel's steps (initcall_debug), median us over %d boots\n", *runs)
	for _, key := range order {
		fmt.Printf("  %-40s %8.0f\n", key, bench.Median(stages[key]))
	}
}
