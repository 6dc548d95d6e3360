package boottest

import (
	"flag"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"gokern/drivers/acpi"
	"gokern/drivers/tty"
	"gokern/internal/bench"
	"gokern/internal/fwtables"
	"gokern/internal/ktest"
	q "gokern/internal/qemutest"
)

var updateFW = flag.Bool("update-fwtables", false, "rewrite internal/fwtables/testdata from the tables QEMU builds")

// fwMachines are the machines whose firmware tables the host tests use.
var fwMachines = []struct {
	name          string
	machine, bios string
	noACPI        bool
}{
	{"pc-seabios", "pc", "", false},
	{"pc-qboot", "pc", "qboot", false},
	{"q35-seabios", "q35", "", false},
	{"q35-qboot", "q35", "qboot", false},
	{"pc-seabios-noacpi", "pc", "", true},
}

// TestFirmwareTables boots each machine to the idle loop, reads the
// firmware's tables out of the guest's memory (QMP pmemsave), and checks
// that the kernel printed exactly what the host build of the table code
// prints from those bytes — every table header and every MADT entry —
// and that the host tests' testdata are still what QEMU builds
// (-update-fwtables rewrites them).
func TestFirmwareTables(t *testing.T) {
	for _, m := range fwMachines {
		m := m
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			cfg := q.Config{Append: "loglevel=8", Machine: m.machine, BIOS: m.bios, Mem: "128M"}
			if m.noACPI {
				cfg.Extra = []string{"-no-acpi"}
			}
			vm := q.Start(t, cfg)
			vm.WaitFor(regexp.MustCompile(`cpu_idle: CPU 0 enters the idle loop`), 2*time.Minute)
			var mem fwtables.Sparse
			for _, r := range [][2]uint64{{0, 1 << 20}, {127 << 20, 1 << 20}} {
				b, err := vm.Pmemsave(r[0], r[1])
				if err != nil {
					t.Fatal(err)
				}
				mem = append(mem, fwtables.Chunk{Addr: r[0], Data: b})
			}
			res := vm.Stop()
			chunks, err := fwtables.Capture(mem)
			if err != nil {
				t.Fatal(err)
			}
			path := fwtables.Testdata("qemu-" + m.name + ".tables")
			if *updateFW {
				comment := "QEMU's firmware tables, -machine " + m.machine + " -m 128M"
				if m.bios == "qboot" {
					comment += " -bios qboot.rom"
				}
				if m.noACPI {
					comment += " -no-acpi"
				}
				comment += "\ncaptured from guest memory by internal/boottest TestFirmwareTables -update-fwtables"
				if err := fwtables.Write(path, comment, chunks); err != nil {
					t.Fatal(err)
				}
			}
			stored, err := fwtables.Read(path)
			if err != nil {
				t.Fatal(err)
			}
			if !sameChunks(stored, chunks) {
				t.Errorf("QEMU's tables differ from %s: run go test ./internal/boottest -run TestFirmwareTables -update-fwtables", path)
			}

			// The host's table code over the same bytes.
			out := ktest.StartCapture(t)
			osl := &fwtables.Osl{T: t, Mem: mem}
			if err := acpi.Acpi_table_init(osl, 0); err == 0 {
				for _, typ := range []uint8{acpi.ACPI_MADT_TYPE_LOCAL_APIC, acpi.ACPI_MADT_TYPE_LOCAL_APIC_NMI, acpi.ACPI_MADT_TYPE_IO_APIC, acpi.ACPI_MADT_TYPE_INTERRUPT_OVERRIDE} {
					acpi.Acpi_table_parse_madt(typ, func(e []byte) int { acpi.Acpi_table_print_madt_entry(e); return 0 }, 0)
				}
			}
			osl.Check()
			// The table lines only: not the ones of later steps, nor
			// the sleep states (acpi_sleep_init), read from the DSDT's
			// AML, which the capture holds the header of only.
			var kernel []string
			for _, s := range res.Stamps() {
				if strings.HasPrefix(s.Text, "ACPI: ") && !strings.HasPrefix(s.Text, "ACPI: Reserving") &&
					!strings.HasPrefix(s.Text, "ACPI: PM-Timer") && !strings.HasPrefix(s.Text, "ACPI: Using") && !strings.HasPrefix(s.Text, "ACPI: HPET id") &&
					!strings.HasPrefix(s.Text, "ACPI: PM: ") {
					kernel = append(kernel, s.Text)
				}
			}
			if host := out.Lines(); strings.Join(host, "\n") != strings.Join(kernel, "\n") {
				t.Errorf("the kernel printed\n%s\nthe host's table code, from the same memory\n%s\n%s",
					strings.Join(kernel, "\n"), strings.Join(host, "\n"), res.Describe())
			}
			if m.noACPI {
				mustContain(t, res, "found SMP MP-table at", "Intel MultiProcessor Specification v1.4", "IOAPIC[0]: apic_id 0, version 32, address 0xfec00000, GSI 0-23", "Processors: 1")
			} else if len(kernel) < 10 {
				t.Errorf("only %d ACPI lines\n%s", len(kernel), res.Describe())
			}
		})
	}
}

func sameChunks(a, b []fwtables.Chunk) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Addr != b[i].Addr || string(a[i].Data) != string(b[i].Data) {
			return false
		}
	}
	return true
}

// TestInterruptModes: the firmware's tables and the command line choose
// how interrupts reach the CPU, as Linux's apic_intr_mode_select does, and
// the controllers' selftests (state read back from the local APIC, the
// I/O APIC and the 8259s; the tick advancing jiffies while the CPU sits
// in HLT; a self-IPI on an unused vector and on the spurious vector
// counted and acknowledged) pass in each mode: ACPI's MADT (pc, q35); the
// MP table when there is no ACPI (-no-acpi, SeaBIOS and qboot), with the
// same routing; the 8259s through the local APIC's LINT0 (noapic); the
// 8259s alone with the PIT (nolapic); and the ISA-only PC (-machine
// isapc, with a 64-bit CPU), whose MP table (SeaBIOS's) lists an I/O APIC
// that is not there: its registers read as zeros, it is skipped, and the
// 8259s carry the interrupts through LINT0 (before, it was taken for a
// one-pin I/O APIC of version 0, IRQs were routed to pins it did not
// have, and the ioapic selftest failed).
func TestInterruptModes(t *testing.T) {
	for _, c := range []struct {
		name, append, machine, bios string
		noACPI                      bool
		want                        []string
	}{
		{"q35", "", "q35", "", false, []string{"ACPI: Using ACPI (MADT) for SMP configuration information", "APIC: Switch to symmetric I/O mode setup",
			"IOAPIC: 15 ISA IRQs routed through the I/O APIC; 8259A masked", "..TIMER: vector=0x30 apic1=0 pin1=2 apic2=-1 pin2=-1",
			"APIC timer: periodic at HZ=250 on vector 0xec"}},
		{"no-acpi", "", "pc", "", true, []string{"ACPI: no RSDP", "Intel MultiProcessor Specification v1.4", "APIC: Switch to symmetric I/O mode setup"}},
		{"no-acpi-qboot", "", "pc", "qboot", true, []string{"MPTABLE: OEM ID: QBOOT", "IOAPIC[0]: apic_id 2,", "APIC: Switch to symmetric I/O mode setup"}},
		{"acpi-off", "acpi=off", "pc", "", false, []string{"ACPI: disabled by acpi=off", "Intel MultiProcessor Specification v1.4", "APIC: Switch to symmetric I/O mode setup"}},
		{"noapic", "noapic", "pc", "", false, []string{"APIC: I/O APIC disabled via kernel command line (noapic)", "APIC: Switch to virtual wire mode setup"}},
		{"nolapic", "nolapic", "pc", "", false, []string{"APIC disabled via kernel command line", "APIC: Keep in PIC mode(8259)",
			"clockevent: i8253 (PIT channel 0) periodic at HZ=250 on IRQ 0, latch 4773"}},
		{"isapc", "", "isapc", "", false, []string{"ACPI: no RSDP", "Intel MultiProcessor Specification v1.4",
			"I/O APIC 0xfec00000 registers return all zeros (no I/O APIC has version 0), skipping!",
			"APIC: the tables name no usable I/O APIC", "APIC: Switch to virtual wire mode setup"}},
	} {
		c := c
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			cfg := q.Config{Append: "selftest=lapic,ioapic,i8259,tick,unexpected_ipi " + c.append, Machine: c.machine, BIOS: c.bios}
			if c.noACPI {
				cfg.Extra = []string{"-no-acpi"}
			}
			if c.machine == "isapc" {
				cfg.CPU = "qemu64" // isapc's own is a 486
			}
			r := q.Boot(t, cfg)
			allPassed(t, r)
			mustContain(t, r, c.want...)
			if c.machine == "isapc" && strings.Contains(r.Output, "IOAPIC[0]") {
				t.Fatalf("the I/O APIC that is not there was registered\n%s", r.Describe())
			}
		})
	}
}

// TestSysrq: the idle kernel answers SysRq keys typed on its serial line
// as Linux's does: a BREAK (QEMU's Ctrl-a b on -serial mon:stdio, as in
// ./qemu.sh run), then the key, through the receive interrupt of COM1, IRQ
// 4. A key without a BREAK is the tty's: it is echoed and no SysRq
// answers. 't' twice shows jiffies growing between the two while the CPU
// idles in HLT, and the interrupt counts of the timer and the serial line;
// 'h' the help; 'm' the zones and free lists; 'p' the page tables; 'r' the
// registers of the interrupted context, the idle loop's STI;HLT; 'l' the
// backtrace of every CPU (one here); 'x' the log; 'c' an oops and a
// panic, exit 35.
func TestSysrq(t *testing.T) {
	for _, c := range []struct {
		name, append string
		tick         string
	}{
		{"lapic", "", "local APIC timer"},
		{"pic", "nolapic", "PIT, IRQ 0"},
	} {
		c := c
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			vm := q.Start(t, q.Config{Append: c.append, MonStdio: true})
			vm.WaitFor(regexp.MustCompile(`cpu_idle: CPU 0 enters the idle loop`), 2*time.Minute)
			// Without a BREAK, 't' is input: the tty echoes it, SysRq
			// stays silent.
			vm.Type("t\r")
			vm.WaitFor(regexp.MustCompile(`(?m)^t\n`), time.Minute)
			jRE := regexp.MustCompile(`jiffies: (\d+) \(HZ=250, tick: ([^)]*)\)`)
			vm.Sysrq("t")
			j1 := vm.WaitForNth(jRE, 1, time.Minute)
			if n := strings.Count(vm.Result().Output, "sysrq:"); n != 1 {
				t.Fatalf("%d SysRq answers after a plain 't' and a BREAK with 't', want 1\n%s", n, vm.Result().Describe())
			}
			time.Sleep(300 * time.Millisecond)
			vm.Sysrq("t")
			j2 := vm.WaitForNth(jRE, 2, time.Minute)
			n1, _ := strconv.Atoi(j1[1])
			n2, _ := strconv.Atoi(j2[1])
			if n2 <= n1 || j1[2] != c.tick {
				t.Fatalf("jiffies %d then %d, tick %q (want %q)\n%s", n1, n2, j1[2], c.tick, vm.Result().Describe())
			}
			// The bytes came in on IRQ 4: the plain 't', its carriage
			// return, and the BREAK and 't' of the first SysRq before
			// the first report (a byte that comes while the handler
			// runs is taken in the same interrupt).
			ttyRE := regexp.MustCompile(`(?m)^\[[ .0-9]+\]\s+4:\s+(\d+)\s+(IO-APIC|XT-PIC)\s+4-\S+\s+ttyS0`)
			if m := ttyRE.FindAllStringSubmatch(vm.Result().Output, -1); len(m) != 2 {
				t.Fatalf("no IRQ 4 ttyS0 row in both reports\n%s", vm.Result().Describe())
			} else if k, _ := strconv.Atoi(m[0][1]); k < 2 {
				t.Fatalf("IRQ 4 counted %d after four bytes", k)
			}
			for _, k := range []struct{ key, want string }{
				{"h", "sysrq: HELP : help(h) crash(c) show-backtrace-all-active-cpus(l) show-memory-usage(m) show-pagetables(p) show-registers(r) show-timers-and-interrupts(t) show-blocked-tasks(w) show-log(x)"},
				{"m", "Node 0, zone    DMA32"},
				{"p", "sysrq: Show the kernel page tables"},
				{"r", "RIP: 0010:gokern/arch/amd64/asm.Native_safe_halt+"},
				{"l", "NMI backtrace for cpu 0 (the asking CPU)"},
				{"w", "sysrq: Show Blocked State"},
				{"x", "sysrq: end of the log"},
			} {
				vm.Sysrq(k.key)
				vm.WaitFor(regexp.MustCompile(regexp.QuoteMeta(k.want)), time.Minute)
			}
			// The log came out raw, levels and all: the banner is in it.
			if !strings.Contains(vm.Result().Output, "<5>[") {
				t.Fatalf("'l' printed no <level> lines\n%s", vm.Result().Describe())
			}
			vm.Sysrq("c")
			r := vm.Wait(time.Minute)
			mustExit(t, r, q.ExitFailure)
			mustContain(t, r, "sysrq: Trigger a crash", "BUG: kernel NULL pointer dereference, address: 0000000000000000",
				"in kernel code at gokern/drivers/tty/sysrq.sysrq_handle_crash", "Kernel panic - not syncing")
		})
	}
}

// TestTtyInput: bytes typed on COM1 reach a reader of /dev/console (ttyS0) through
// the 8250's receive interrupt and N_TTY (selftest tty_read): a line typed
// ahead while nobody reads waits in the line discipline, kept up to
// N_TTY_BUF_SIZE; a blocked reader wakes with the next line, echoed on
// the console; a SysRq key typed before that line (BREAK, then 't') is
// SysRq's and not part of it (its interrupt counts show IRQ 4). With the I/O APIC's routing and with the
// 8259s' (noapic).
func TestTtyInput(t *testing.T) {
	for _, c := range []struct{ name, append, chip string }{
		{"ioapic", "", "IO-APIC"},
		{"noapic", "noapic", "XT-PIC"},
	} {
		c := c
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			vm := q.Start(t, q.Config{Append: "selftest=tty_read " + c.append, MonStdio: true})
			vm.WaitFor(regexp.MustCompile(`# tty_read: type a line ahead`), 2*time.Minute)
			ahead := make([]byte, tty.TtyReadAhead)
			for i := range ahead {
				ahead[i] = byte('a' + i%26)
			}
			vm.Type(string(ahead) + "\r")
			vm.WaitFor(regexp.MustCompile(`# tty_read: reading: type a line`), 2*time.Minute)
			time.Sleep(200 * time.Millisecond) // the reader sleeps in n_tty_read
			vm.Sysrq("t")
			vm.WaitFor(regexp.MustCompile(`Vectors taken:`), time.Minute)
			vm.Type(tty.TtyReadLine + "\r")
			r := vm.Wait(2 * time.Minute)
			allPassed(t, r)
			mustContain(t, r, fmt.Sprintf("# tty_read: %d bytes waited in the line discipline before the first read", tty.N_TTY_BUF_SIZE),
				"# tty_read: read 20 bytes: "+tty.TtyReadLine+"\\x0a")
			// The echo: the typed-ahead line as the discipline kept it,
			// and the second line, each on its own console line. The
			// kernel's log shares the console with the echo, as on Linux:
			// a log line that came out in the middle of the echo (the
			// idle loop's first line, typically) is taken out first.
			echo := regexp.MustCompile(`\[[ .0-9]+\] [^\n]*\n`).ReplaceAllString(r.Output, "")
			for _, want := range []string{string(ahead[:tty.N_TTY_BUF_SIZE-1]), tty.TtyReadLine} {
				if !regexp.MustCompile(`(?m)^` + want + `$`).MatchString(echo) {
					t.Fatalf("no echo of %.40q... on the console\n%s", want, r.Describe())
				}
			}
			if !regexp.MustCompile(`(?m)^\[[ .0-9]+\]\s+4:\s+\d+\s+` + c.chip + `\s+4-\S+\s+ttyS0`).MatchString(r.Output) {
				t.Fatalf("IRQ 4 not on the %s\n%s", c.chip, r.Describe())
			}
		})
	}
}

// TestFloorImage: ./qemu.sh bench's floor image is a boot-protocol image
// QEMU accepts as a kernel, and its first instruction ends the run (exit
// 33) under both firmwares, also with a payload of a kernel's size; the
// times are logged (the bench compares them with the kernel's; no test
// holds a time limit).
func TestFloorImage(t *testing.T) {
	img, err := bench.BuildFloor(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, bios := range []string{"seabios", "qboot"} {
		r, err := bench.Boot(img, bios, "")
		if err != nil {
			t.Fatal(err)
		}
		if strings.TrimSpace(r.Out) != "" {
			t.Fatalf("the floor printed %q", r.Out)
		}
		t.Logf("floor image under %s: %v wall, %v CPU", bios, r.Wall, r.CPU)
	}
	// With a payload of a kernel's size it still ends at its first
	// instruction.
	big, err := bench.BuildFloorPayload(t.TempDir(), 2<<20)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(big); err != nil || fi.Size() < 2<<20 {
		t.Fatalf("the floor with a 2 MiB payload: %v %v", fi, err)
	}
	r, err := bench.Boot(big, "qboot", "")
	if err != nil || strings.TrimSpace(r.Out) != "" {
		t.Fatalf("the floor with a 2 MiB payload: %v %q", err, r.Out)
	}
}

// TestTickJitter: 100 tick intervals measured by the TSC at each tick, for
// the local APIC timer and for the PIT; the figures are logged (QEMU's
// timers under TCG follow the host's load: no bound is held).
func TestTickJitter(t *testing.T) {
	for _, opt := range []string{"", "nolapic"} {
		r := q.Boot(t, q.Config{Append: "selftest=tick_jitter " + opt})
		allPassed(t, r)
		m := regexp.MustCompile(`# tick_jitter: (.*)`).FindStringSubmatch(r.Output)
		if m == nil {
			t.Fatalf("no figure\n%s", r.Describe())
		}
		t.Logf("%s", m[1])
	}
}

// lapicCal: the local APIC timer's calibration line, with its window and
// error bound.
var lapicCal = regexp.MustCompile(`APIC timer: host bus clock speed is \d+\.\d+ MHz, \d+ bus clocks per tick \(calibrated against the TSC over (\d+) us, to within (\d+) ppm\)`)

// TestApicTimerCalibration: the local APIC timer's calibration, on a plain
// boot and with lapic_cal_stall=200 (a 200 us host hiccup inside the
// calibration's first reference sample, which made the single-read
// calibration 20% off): the apic_timer_calibration selftest measures the
// tick against the TSC (within 1000 ppm) and runs the calibration 11 times
// more, sched_msleep sleeps its 100 ms by the TSC, and the boot's line
// states a bound within LAPIC_CAL_MAX_PPM (500). The figures are logged.
func TestApicTimerCalibration(t *testing.T) {
	for _, opt := range []string{"", "lapic_cal_stall=200"} {
		opt := opt
		name := opt
		if name == "" {
			name = "plain"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := q.Boot(t, q.Config{Append: "selftest=apic_timer_calibration,sched_msleep " + opt})
			allPassed(t, r)
			checkBusClock(t, r)
			m := lapicCal.FindStringSubmatch(r.Output)
			if m == nil {
				t.Fatalf("no calibration line\n%s", r.Describe())
			}
			if ppm, _ := strconv.Atoi(m[2]); ppm > 500 {
				t.Fatalf("calibrated to within %d ppm, over 500\n%s", ppm, r.Describe())
			}
			t.Logf("calibrated over %s us to within %s ppm", m[1], m[2])
			for _, l := range regexp.MustCompile(`# (apic_timer_calibration|sched_msleep): (.*)`).FindAllStringSubmatch(r.Output, -1) {
				t.Logf("%s: %s", l[1], l[2])
			}
		})
	}
}

// TestCheckTimer: check_timer proves IRQ 0's route, and falls back as
// Linux does when it is wrong. On a plain pc the tables' pin (2, the
// MADT's override) works at once. With acpi_skip_timer_override (Linux's
// option) the override is ignored and IRQ 0 is taken to be on pin 0,
// where QEMU's PIT is not: check_timer reports the bug, tries the 8259A
// on the same pin (QEMU's tables name no ExtINT pin), then the virtual
// wire, which works. Either way the timer_irq0 selftest checks the route
// in the hardware (I/O APIC entry, LVT0, 8259A mask, IRQ 0's descriptor)
// and fires the PIT once more through it; the controllers' selftests
// agree with the route. check_timer_fail= fails the last steps on purpose
// (QEMU's virtual wire always works): the ExtINT route, then none at all,
// IRQ 0 left masked and disabled while the local APIC timer ticks.
func TestCheckTimer(t *testing.T) {
	for _, c := range []struct {
		name, append, route string
		want, absent        []string
	}{
		{"tables", "", "the I/O APIC pin the tables name",
			[]string{"..TIMER: vector=0x30 apic1=0 pin1=2 apic2=-1 pin2=-1"},
			[]string{"MP-BIOS bug", "trying to set up timer"}},
		{"acpi_skip_timer_override", "acpi_skip_timer_override", "the 8259A into LINT0, Fixed (virtual wire)",
			[]string{"ACPI: BIOS IRQ0 override ignored.",
				"..TIMER: vector=0x30 apic1=0 pin1=0 apic2=-1 pin2=-1",
				"..MP-BIOS bug: 8254 timer not connected to IO-APIC",
				"...trying to set up timer (IRQ0) through the 8259A ...",
				"..... (found apic 0 pin 0) ...",
				"....... failed.",
				"...trying to set up timer as Virtual Wire IRQ...",
				"..... works."},
			[]string{"ExtINT IRQ"}},
		// check_timer_fail= (fault injection) fails the virtual wire, so
		// the last route runs: the 8259A in ExtINT mode through LINT0.
		{"extint", "acpi_skip_timer_override check_timer_fail=virtual_wire", "the 8259A into LINT0, ExtINT",
			[]string{"...trying to set up timer as Virtual Wire IRQ...",
				"check_timer: this step fails on purpose (check_timer_fail=)",
				"..... failed.",
				"...trying to set up timer as ExtINT IRQ...",
				"..... works."},
			[]string{"IO-APIC + timer doesn't work!"}},
		// Every route failed: IRQ 0 masked and disabled for good, the
		// local APIC timer ticking on.
		{"none", "acpi_skip_timer_override check_timer_fail=virtual_wire,extint", "",
			[]string{"...trying to set up timer as ExtINT IRQ...",
				"check_timer: this step fails on purpose (check_timer_fail=)",
				"..... failed :(.",
				"IO-APIC + timer doesn't work! IRQ 0 stays masked",
				"# timer_irq0: no route for IRQ 0: masked at the 8259A, LINT0 and the I/O APIC; the PIT fired and nothing came"},
			[]string{"..... works."}},
	} {
		c := c
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := q.Boot(t, q.Config{Append: "selftest=timer_irq0,ioapic,lapic,i8259,tick " + c.append})
			allPassed(t, r)
			mustContainInOrder(t, r, c.want...)
			for _, a := range c.absent {
				if strings.Contains(r.Output, a) {
					t.Fatalf("%q on the console\n%s", a, r.Describe())
				}
			}
			if c.route == "" {
				return
			}
			m := regexp.MustCompile(`# timer_irq0: IRQ 0 through (.*): on vector 0x30 (\d+) us`).FindStringSubmatch(r.Output)
			if m == nil || m[1] != c.route {
				t.Fatalf("timer_irq0: want IRQ 0 through %s\n%s", c.route, r.Describe())
			}
			t.Logf("IRQ 0 through %s, %s us after the PIT was set to fire in 999 us", m[1], m[2])
		})
	}
}

// TestGDBInterruptlist: gk-interruptlist reads the interrupt descriptors
// and counts from the kernel's variables: stopped in the tick's selftest
// (kernel_init, after the serial line's IRQ was requested), the timer line
// routed through the I/O APIC and taken (check_timer: once, or twice when
// an interrupt came before the PIT's one-shot could have fired, which
// timer_irq_works does not count), the serial line's handler; stopped
// again at the kernel's exit, after the selftest's ten ticks, local APIC
// timer interrupts and jiffies (at the first stop there may be none yet:
// on a loaded host the tick's first period can still be under way);
// before the kernel runs it says what is missing instead.
func TestGDBInterruptlist(t *testing.T) {
	// selftest=tick keeps the kernel in kernel_init for ten ticks (the
	// session boots with exit_at_idle, which ends in debugexit.Exit).
	r := runGDB(t, "selftest=tick", false, "gk-interruptlist",
		"break gokern/arch/amd64.Test_tick", "continue", "gk-interruptlist",
		"break gokern/drivers/debugexit.Exit", "continue", "echo --- at exit\\n", "gk-interruptlist")
	out := r.all()
	for _, want := range []string{
		"the interrupt descriptors (irq_desc) is not there yet: the CPU is in real mode",
		"  4:          0   IO-APIC    4-edge     ttyS0",
		"--- at exit",
	} {
		if !strings.Contains(out, want) {
			t.Fatalf("no %q in\n%s\n--- serial\n%s", want, out, r.serial)
		}
	}
	first, last, _ := strings.Cut(out, "--- at exit")
	irq0 := regexp.MustCompile(`  0: +(\d+)   IO-APIC    2-edge     timer`).FindStringSubmatch(first)
	vec := regexp.MustCompile(`Vectors taken: 0x30:(\d+)`).FindStringSubmatch(first)
	if irq0 == nil || vec == nil || irq0[1] != vec[1] || (irq0[1] != "1" && irq0[1] != "2") {
		t.Fatalf("IRQ 0: %v, vector 0x30: %v (want 1 or 2, the same) in\n%s\n--- serial\n%s", irq0, vec, first, r.serial)
	}
	// The tick ran: local APIC timer interrupts, and at least as many
	// jiffies (jiffies follow the TSC, so a tick the host made late
	// counts more than one), ten of them at least in the selftest.
	loc := regexp.MustCompile(`LOC: +(\d+) +Local timer interrupts`).FindStringSubmatch(last)
	jif := regexp.MustCompile(`jiffies: (\d+)`).FindStringSubmatch(last)
	if loc == nil || jif == nil || loc[1] == "0" || atoi(jif[1]) < 10 || !strings.Contains(last, "Vectors taken: 0x30:"+irq0[1]+" 0xec:") {
		t.Fatalf("at exit: LOC %v, jiffies %v in\n%s\n--- serial\n%s", loc, jif, last, r.serial)
	}
	t.Logf("at exit: LOC %s, jiffies %s; IRQ 0 taken %s times", loc[1], jif[1], irq0[1])
}

// pmPPM: time_init's check of the TSC's calibration against the ACPI PM
// timer.
var pmPPM = regexp.MustCompile(`tsc: PM timer says \d+\.\d+ MHz over \d+ us: (-?\d+) ppm from the (.*) calibration`)

// hpetPPM: the same check against the HPET, over the same interval.
var hpetPPM = regexp.MustCompile(`tsc: HPET says \d+\.\d+ MHz over \d+ us: (-?\d+) ppm from the (.*) calibration`)

// TestTscCalibration: the calibration's fallbacks, forced on a pc that has
// every reference: tsc_calibrate=slow starts at the slow PIT method (as
// when the quick one fails under a busy host), tsc_calibrate=rtc at the
// RTC (as on microvm without a PIT); each gives a frequency within 1% of
// what the PM timer and the HPET measure (so time_init keeps it) and a 1
// GHz APIC bus.
// A wrong frequency given by tsc_early_khz= is caught by the HPET (the
// better of the two references, as in Linux) and replaced.
func TestTscCalibration(t *testing.T) {
	for _, c := range []struct {
		append, source string
		want           []string
	}{
		{"tsc_calibrate=slow", "slow PIT", []string{"tsc: tsc_calibrate=slow: the fast PIT calibration skipped", "tsc: PIT calibration"}},
		{"tsc_calibrate=rtc", "RTC", []string{"tsc: tsc_calibrate=rtc: the PIT calibrations skipped", "tsc: calibrated against the RTC's seconds, to within"}},
		// A host stall of one whole turn of the PIT count inside the first
		// fast window: that window is off by tens of times, and the next
		// two, which agree, are taken.
		{"tsc_calibrate=quick_wrap", "PIT", []string{"tsc: Fast TSC calibration: two windows disagree", "tsc: Fast TSC calibration using PIT"}},
		{"tsc_early_khz=1000000", "tsc_early_khz=", []string{"tsc: Detected 1000.000 MHz processor",
			"tsc: PIT calibration deviates from HPET: 1000000", "tsc: Refined TSC clocksource calibration"}},
	} {
		c := c
		t.Run(c.append, func(t *testing.T) {
			t.Parallel()
			r := q.Boot(t, q.Config{Append: "debug selftest=tsc_clock,tick " + c.append})
			// quick_wrap proves the fast method's check, so it needs the
			// fast method to have found windows: on a loaded host every
			// attempt can fail (reads too slow for a 214 us step) and
			// the slow method take over, which says nothing of the check.
			for try := 1; c.source == "PIT" && try < 4 && strings.Contains(r.Output, "tsc: Fast TSC calibration failed"); try++ {
				t.Logf("boot %d: the fast calibration failed on this host; booting again", try)
				r = q.Boot(t, q.Config{Append: "debug selftest=tsc_clock,tick " + c.append})
			}
			allPassed(t, r)
			mustContain(t, r, c.want...)
			mustContain(t, r, "TSC ", "("+c.source+")")
			m := pmPPM.FindStringSubmatch(r.Output)
			if m == nil || m[2] != c.source {
				t.Fatalf("no PM timer check of the %s calibration\n%s", c.source, r.Describe())
			}
			ppm, _ := strconv.Atoi(m[1])
			if c.source != "tsc_early_khz=" && (ppm > 10000 || ppm < -10000) {
				t.Fatalf("the %s calibration is %d ppm from the PM timer's\n%s", c.source, ppm, r.Describe())
			}
			// The HPET, a second reference, agrees (it checks the
			// calibration as it was before the PM timer's refinement).
			h := hpetPPM.FindStringSubmatch(r.Output)
			if h == nil || h[2] != c.source {
				t.Fatalf("no HPET check of the %s calibration\n%s", c.source, r.Describe())
			}
			if hp, _ := strconv.Atoi(h[1]); c.source != "tsc_early_khz=" && (hp > 10000 || hp < -10000) {
				t.Fatalf("the %s calibration is %d ppm from the HPET's\n%s", c.source, hp, r.Describe())
			}
			checkBusClock(t, r)
		})
	}
}

// TestTscCheckAfterStall: a stall between the references' start and
// time_init's check longer than the PM timer's 24-bit wrap (4.69 s;
// tsc_check_stall= spins 5 s there, as a descheduling host once did) makes
// the PM timer's count meaningless: the check is skipped with the reason,
// the HPET's (32 bits, 42 s) still agrees with the PIT, and the TSC keeps
// its calibration. Before, the wrapped count "refined" the TSC by a
// factor of 16 and every timer after it went wrong.
func TestTscCheckAfterStall(t *testing.T) {
	t.Parallel()
	r := q.Boot(t, q.Config{Append: "debug selftest=tsc_clock,tick tsc_check_stall=5000"})
	allPassed(t, r)
	mustContain(t, r, "tsc: stalling 5000 ms before the TSC's check (tsc_check_stall=)",
		"tsc: PM timer check skipped: ", "past its 24-bit counter's 4686968 us wrap")
	if strings.Contains(r.Output, "tsc: Refined TSC clocksource calibration") || strings.Contains(r.Output, "tsc: PM timer says") {
		t.Fatalf("the wrapped PM timer's count was used\n%s", r.Describe())
	}
	h := hpetPPM.FindStringSubmatch(r.Output)
	if h == nil {
		t.Fatalf("no HPET check\n%s", r.Describe())
	}
	if hp, _ := strconv.Atoi(h[1]); hp > 10000 || hp < -10000 {
		t.Fatalf("the HPET is %d ppm from the calibration after a 5 s stall\n%s", hp, r.Describe())
	}
}

// TestBadACPIFallsBack: an RSDP the kernel cannot use — outside RAM, or
// not an RSDP (acpi_rsdp=, Linux's option, points the kernel at it the way
// a boot loader's boot_params.acpi_rsdp_addr would) — is reported by
// address, ACPI is given up, and the MP table describes the same
// interrupt routing: symmetric I/O mode, the I/O APIC's selftest and the
// tick pass. (Every other corruption of the tables, and the fallback to
// the 8259s without an MP table, are host tests on captured tables:
// drivers/acpi TestBadTables, arch/amd64/apic TestBadMADTFallsBack.)
func TestBadACPIFallsBack(t *testing.T) {
	for _, c := range []struct{ rsdp, msg string }{
		{"0x20000000", "ACPI: RSDP at 0x20000000 is outside the memory map"},
		{"0x100000", "ACPI: no valid RSDP at 0x00100000 (signature or checksum)"},
	} {
		c := c
		t.Run(c.rsdp, func(t *testing.T) {
			t.Parallel()
			r := q.Boot(t, q.Config{Append: "selftest=ioapic,tick acpi_rsdp=" + c.rsdp})
			allPassed(t, r)
			mustContain(t, r, c.msg, "Intel MultiProcessor Specification v1.4", "APIC: Switch to symmetric I/O mode setup")
			if strings.Contains(r.Output, "ACPI: Using ACPI (MADT)") {
				t.Fatalf("the MADT was used\n%s", r.Describe())
			}
		})
	}
}
