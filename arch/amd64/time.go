package amd64

import (
	"gokern/arch/amd64/apic"
	"gokern/arch/amd64/asm"
	"gokern/arch/amd64/i8259"
	"gokern/arch/amd64/tsc"
	"gokern/cmdline"
	"gokern/drivers/acpi"
	"gokern/drivers/i8253"
	"gokern/kernel/irq"
	"gokern/kernel/time"
	"gokern/printk"
)

// time_init: the interrupt mode, the tick, and a check of the TSC's
// calibration. Linux: arch/x86/kernel/time.c (time_init,
// x86_late_time_init, timer_interrupt, setup_default_timer_irq),
// apic/apic.c (apic_intr_mode_init, apic_bsp_setup,
// setup_boot_APIC_clock), apic/io_apic.c (check_timer), tsc.c
// (tsc_refine_calibration_work, against the PM timer).

// The tick's source.
const (
	TICK_NONE  = iota
	TICK_LAPIC // the local APIC timer, periodic on LOCAL_TIMER_VECTOR
	TICK_PIT   // PIT channel 0, periodic on IRQ 0
)

var (
	// Tick_source is where jiffies come from.
	Tick_source = TICK_NONE
	// Timer_irq0_ok: check_timer saw IRQ 0 arrive through the I/O APIC
	// pin the tables name (symmetric I/O mode).
	Timer_irq0_ok bool
	// No_tick says why there is no tick, when the machine has nothing
	// to drive or calibrate one.
	No_tick string
	// Time_init_ns: what time_init cost.
	Time_init_ns uint64
	// Tick_tsc holds the TSC at the last TICK_HISTORY ticks (a ring;
	// Tick_count counts them all), for the jitter figure.
	Tick_tsc   [TICK_HISTORY]uint64
	Tick_count uint64
)

// TICK_HISTORY: how many tick times are kept.
const TICK_HISTORY = 128

// record_tick is kernel/time's Tick_stamp hook: the TSC at each tick.
func record_tick() {
	Tick_tsc[Tick_count%TICK_HISTORY] = asm.Rdtsc()
	Tick_count++
}

// irq0_virtual_wire: IRQ 0 comes through the 8259 into LINT0 in Fixed
// mode, and its handler acknowledges the 8259 by a poll.
var irq0_virtual_wire bool

// timer_interrupt is IRQ 0's handler, "timer" (Linux timer_interrupt):
// the tick when the PIT is the tick's source. Otherwise the PIT only
// fires for check_timer, and is counted.
func timer_interrupt(irqn int, dev_id uintptr) irq.Irqreturn_t {
	if irq0_virtual_wire {
		i8259.Poll_ack()
	}
	if Tick_source == TICK_PIT {
		time.Tick_handle_periodic()
	}
	return irq.IRQ_HANDLED
}

// apic_intr_mode_init chooses the interrupt mode and sets the controllers
// up for it (Linux apic_intr_mode_init → apic_bsp_setup):
//
//   - symmetric I/O: the 8259s masked for good, the local APIC on with
//     LINT0 masked, the I/O APIC programmed for the ISA IRQs, which move
//     to it in the IRQ layer (and to their vectors);
//   - virtual wire: the local APIC on with LINT0 in ExtINT mode, the
//     8259s deliver through it;
//   - PIC: no local APIC; the 8259s drive the CPU directly.
func apic_intr_mode_init() {
	mode, why := apic.Apic_intr_mode_select(apic.Disable_apic, apic.Boot_cpu_has_apic(), apic.Smp_found_config,
		apic.Acpi_lapic, apic.Skip_ioapic_setup, apic.Nr_ioapics)
	apic.Apic_intr_mode = mode
	if why != "" {
		printk.Pr_info("%s\n", printk.Str(why))
	}
	printk.Pr_info("%s\n", printk.Str(apic.Apic_intr_mode_name(mode)))
	switch mode {
	case apic.APIC_SYMMETRIC_IO:
		i8259.Mask_8259A()
		apic.Setup_local_APIC(false)
		n := apic.Setup_IO_APIC()
		for i := 0; i < asm.NR_IRQS_LEGACY; i++ {
			if d := irq.Irq_to_desc(i); d.Irq_data.Chip == &apic.Ioapic_chip {
				vector_irq[d.Vector] = d
			}
		}
		if i8259.Initialized {
			printk.Pr_info("IOAPIC: %d ISA IRQs routed through the I/O APIC; 8259A masked\n", printk.Int(n))
		} else {
			printk.Pr_info("IOAPIC: %d ISA IRQs routed through the I/O APIC; no 8259A\n", printk.Int(n))
		}
	case apic.APIC_VIRTUAL_WIRE, apic.APIC_VIRTUAL_WIRE_NO_CONFIG:
		apic.Setup_local_APIC(true)
	}
	if mode != apic.APIC_SYMMETRIC_IO && !i8259.Initialized {
		printk.Pr_err("APIC: no 8259A and no I/O APIC in use: no device interrupt reaches the CPU\n")
	}
}

// How long timer_irq_works waits for IRQ 0 before it calls the route
// broken: CHECK_TIMER_MS of TSC time and CHECK_TIMER_TICKS local APIC
// timer ticks, both. QEMU raises the PIT's interrupt and the local APIC
// timer's from the same host thread: when a busy host holds that thread
// back for 50 ms, the ticks are late too and the wait goes on (a TSC
// deadline alone failed the route on busy hosts). Linux's
// timer_irq_works waits about 40 ms and wants 4 ticks of the PIT.
const (
	CHECK_TIMER_MS    = 50
	CHECK_TIMER_TICKS = 12
)

// TIMER_CHECK_COUNT: the PIT's count for timer_irq_works, a millisecond.
const TIMER_CHECK_COUNT = i8253.PIT_TICK_RATE / 1000

// Timer_irq_us: how long after the PIT was set IRQ 0 arrived, in check_timer.
var Timer_irq_us uint64

// timer_irq_works fires PIT channel 0 once, a millisecond ahead, and
// waits with interrupts on for IRQ 0 (Linux timer_irq_works). What was
// pending before (the firmware's timer, an edge latched while the line
// was masked) is let in first and not counted; and one that comes sooner
// than 0.9 ms after the TSC read taken before the PIT is set cannot be
// the PIT's. (The TSC read after the port writes instead: a host that
// stalls QEMU in between made the PIT's own interrupt look early.)
func timer_irq_works() bool {
	early := tsc.Tsc_khz * 9 / 10
	asm.Native_irq_enable()
	for i := 0; i < 100; i++ {
		asm.Cpu_relax()
	}
	asm.Local_irq_disable()
	loc0 := apic.Apic_timer_irqs(0)
	n := irq.Kstat_irqs(0)
	t0 := asm.Rdtsc()
	i8253.Pit_set_oneshot(TIMER_CHECK_COUNT)
	ok := false
	asm.Native_irq_enable()
	for {
		if m := irq.Kstat_irqs(0); m != n {
			n = m
			if d := asm.Rdtsc() - t0; d >= early {
				Timer_irq_us, ok = d*1000/tsc.Tsc_khz, true
				break
			}
		}
		if asm.Rdtsc()-t0 >= tsc.Tsc_khz*CHECK_TIMER_MS && apic.Apic_timer_irqs(0)-loc0 >= CHECK_TIMER_TICKS {
			break
		}
		asm.Cpu_relax()
	}
	asm.Local_irq_disable()
	return ok
}

// check_timer proves IRQ 0's route before the kernel relies on it, and
// when the tables' route does not work, tries the others as Linux does
// (Linux check_timer): the I/O APIC pin the tables name (pin1); the pin
// where the 8259's output comes into the I/O APIC (pin2, or pin1 again);
// the 8259 through LINT0 in Fixed mode (virtual wire, the 8259 in
// automatic EOI mode); the 8259 through LINT0 in ExtINT mode. Linux then
// panics ("IO-APIC + timer doesn't work!"), its tick needing IRQ 0;
// gokern's tick is the local APIC timer, so IRQ 0 is reported dead and
// stays masked. Interrupts are on only inside timer_irq_works. Linux's
// unlock_ExtINT_logic, a workaround for chipsets that latch the ExtINT
// pin, is not done: there is no such chipset under QEMU to prove it.
func check_timer() {
	vector := asm.ISA_IRQ_VECTOR(0)
	apic1, pin1 := -1, -1
	if r, ok := apic.Ioapic_isa_route(0); ok {
		apic1, pin1 = r.Apic, r.Pin
	}
	apic2, pin2 := apic.Ioapic_i8259.Apic, apic.Ioapic_i8259.Pin
	// IRQ 0 masked at the 8259, LINT0 masked, the 8259 in AEOI mode
	// for the virtual wire's sake.
	i8259.Disable_8259A_irq(0)
	apic.Apic_write(asm.APIC_LVT0, asm.APIC_LVT_MASKED|asm.APIC_DM_EXTINT)
	i8259.Init_8259A(true)
	printk.Pr_info("..TIMER: vector=0x%02X apic1=%d pin1=%d apic2=%d pin2=%d\n",
		printk.Int(vector), printk.Int(apic1), printk.Int(pin1), printk.Int(apic2), printk.Int(pin2))
	// Some tables name the 8259's pin as the timer's: if only one pin is
	// known, try it both directly and through the 8259.
	no_pin1 := false
	if pin1 == -1 {
		apic1, pin1, no_pin1 = apic2, pin2, true
	} else if pin2 == -1 {
		apic2, pin2 = apic1, pin1
	}
	if pin1 != -1 {
		if no_pin1 {
			apic.Ioapic_move_isa_irq(0, apic1, pin1)
		}
		if timer_irq_works() {
			set_timer_route(apic.TIMER_ROUTE_IOAPIC, apic1, pin1)
			return
		}
		apic.Clear_IO_APIC_pin(apic1, pin1)
		if !no_pin1 {
			printk.Pr_err("..MP-BIOS bug: 8254 timer not connected to IO-APIC\n")
		}
		printk.Pr_info("...trying to set up timer (IRQ0) through the 8259A ...\n")
		printk.Pr_info("..... (found apic %d pin %d) ...\n", printk.Int(apic2), printk.Int(pin2))
		apic.Ioapic_move_isa_irq(0, apic2, pin2)
		i8259.Enable_8259A_irq(0)
		if timer_irq_works() {
			printk.Pr_info("....... works.\n")
			set_timer_route(apic.TIMER_ROUTE_8259_IOAPIC, apic2, pin2)
			return
		}
		i8259.Disable_8259A_irq(0)
		apic.Clear_IO_APIC_pin(apic2, pin2)
		printk.Pr_info("....... failed.\n")
	}
	printk.Pr_info("...trying to set up timer as Virtual Wire IRQ...\n")
	apic.Lapic_register_intr(0)
	apic.Apic_write(asm.APIC_LVT0, asm.APIC_DM_FIXED|uint32(vector))
	irq0_virtual_wire = true
	i8259.Enable_8259A_irq(0)
	if !check_timer_failing(CHECK_TIMER_FAIL_VIRTUAL_WIRE) && timer_irq_works() {
		printk.Pr_info("..... works.\n")
		set_timer_route(apic.TIMER_ROUTE_VIRTUAL_WIRE, -1, -1)
		return
	}
	i8259.Disable_8259A_irq(0)
	irq0_virtual_wire = false
	i8259.Poll_ack()
	apic.Apic_write(asm.APIC_LVT0, asm.APIC_LVT_MASKED|asm.APIC_DM_FIXED|uint32(vector))
	printk.Pr_info("..... failed.\n")
	printk.Pr_info("...trying to set up timer as ExtINT IRQ...\n")
	i8259.Init_8259A(false)
	i8259.Make_8259A_irq(0)
	apic.Apic_write(asm.APIC_LVT0, asm.APIC_DM_EXTINT)
	i8259.Enable_8259A_irq(0)
	if !check_timer_failing(CHECK_TIMER_FAIL_EXTINT) && timer_irq_works() {
		printk.Pr_info("..... works.\n")
		set_timer_route(apic.TIMER_ROUTE_EXTINT, -1, -1)
		return
	}
	i8259.Disable_8259A_irq(0)
	apic.Apic_write(asm.APIC_LVT0, asm.APIC_LVT_MASKED|asm.APIC_DM_EXTINT)
	printk.Pr_info("..... failed :(.\n")
	printk.Pr_err("IO-APIC + timer doesn't work! IRQ 0 stays masked; the local APIC timer ticks (Linux panics here: its tick needs IRQ 0)\n")
	// Disabled at the descriptor, not only masked at the 8259A: a request
	// the 8259A latched during the steps still comes in once interrupts
	// are on, and the level flow handler would unmask the line after it.
	irq.Disable_irq(0)
	set_timer_route(apic.TIMER_ROUTE_NONE, -1, -1)
}

// check_timer_fail=virtual_wire,extint (gokern-only, fault injection):
// check_timer takes those steps to have failed without trying them, so
// that the steps after them run on QEMU, whose virtual wire always works.
// Only the last two steps can be failed on purpose: the first two fail by
// themselves with acpi_skip_timer_override.
const (
	CHECK_TIMER_FAIL_VIRTUAL_WIRE = 1 << iota
	CHECK_TIMER_FAIL_EXTINT
)

var check_timer_fail uint8

// check_timer_fail_setup parses check_timer_fail=.
func check_timer_fail_setup(val []byte) {
	for len(val) > 0 {
		switch word := cmdline.Strsep(&val, ','); string(word) {
		case "virtual_wire":
			check_timer_fail |= CHECK_TIMER_FAIL_VIRTUAL_WIRE
		case "extint":
			check_timer_fail |= CHECK_TIMER_FAIL_EXTINT
		default:
			printk.Pr_warn("check_timer_fail=: no step %s (virtual_wire, extint); ignored\n", printk.Escaped(word))
		}
	}
}

// check_timer_failing says whether check_timer_fail= fails step, and
// says so on the console when it does.
func check_timer_failing(step uint8) bool {
	if check_timer_fail&step == 0 {
		return false
	}
	printk.Pr_warn("check_timer: this step fails on purpose (check_timer_fail=)\n")
	return true
}

// set_timer_route records check_timer's result.
func set_timer_route(route, apic_, pin int) {
	apic.Timer_route, apic.Timer_pin = route, apic.IoapicPin{Apic: apic_, Pin: pin}
	Timer_irq0_ok = route != apic.TIMER_ROUTE_NONE
	if Timer_irq0_ok {
		printk.Pr_debug("..TIMER: IRQ 0 arrived on vector 0x%02x %d us after the PIT was set to fire in %d us\n",
			printk.Int(asm.ISA_IRQ_VECTOR(0)), printk.Int(Timer_irq_us), printk.Int(TIMER_CHECK_COUNT*1000000/i8253.PIT_TICK_RATE))
	}
}

// Time_init sets the interrupt mode up and starts the tick: the local APIC
// timer, calibrated against the TSC, where there is a local APIC; the
// PIT's channel 0 on IRQ 0 otherwise (Linux time_init →
// x86_late_time_init: setup_pit_timer and setup_default_timer_irq,
// apic_intr_mode_init, setup_boot_APIC_clock, tsc_init). Interrupts stay
// off, but for check_timer's test; start_kernel turns them on.
func Time_init() {
	t0 := tsc.Local_clock()
	// The TSC first: the local APIC timer is calibrated against it.
	// The HPET's opinion first, of the calibration as it came out; the
	// PM timer's may then replace a disturbed one.
	tsc_check_against_hpet()
	tsc_refine_against_pmtimer()
	pit := i8253.Probe()
	// The firmware leaves PIT channel 0 interrupting at 18.2 Hz: stop it
	// (one count of 65536, 55 ms away) before IRQ 0 is unmasked.
	if pit {
		i8253.Pit_set_oneshot(0)
	}
	apic_intr_mode_init()
	// IRQ 0, "timer" (Linux setup_default_timer_irq), where a controller
	// has the line.
	if d := irq.Irq_to_desc(0); d == nil || d.Irq_data.Chip == nil {
		printk.Pr_info("timer: IRQ 0 has no interrupt controller (no 8259A, no I/O APIC route)\n")
	} else if err := irq.Request_irq(0, timer_interrupt, 0, "timer", 0); err != 0 {
		printk.Pr_err("Failed to register legacy timer interrupt (%d)\n", printk.Int(err))
	}
	time.Tick_stamp = record_tick
	switch {
	case tsc.Tsc_unknown && !pit:
		No_tick = "the TSC's frequency is unknown, so the local APIC timer cannot be calibrated, and there is no PIT"
	case !tsc.Tsc_unknown && apic.Apic_intr_mode != apic.APIC_PIC && apic.Calibrate_APIC_clock(tsc.Tsc_khz):
		// Linux checks the timer's route only with a legacy PIC
		// (setup_IO_APIC: if nr_legacy_irqs() check_timer()); the test
		// needs the PIT.
		// The tick first: check_timer counts its ticks while it waits.
		apic.Setup_APIC_timer()
		Tick_source = TICK_LAPIC
		switch {
		case apic.Apic_intr_mode != apic.APIC_SYMMETRIC_IO:
		case !i8259.Initialized:
			printk.Pr_info("..TIMER: no 8259A: IRQ 0's route not checked (Linux: nr_legacy_irqs() is 0)\n")
		case !pit:
			printk.Pr_info("..TIMER: no PIT: IRQ 0's route not checked\n")
		default:
			check_timer()
		}
	case !pit:
		No_tick = "no local APIC timer and no PIT"
	default:
		i8253.Pit_set_periodic(time.HZ)
		Tick_source = TICK_PIT
		printk.Pr_info("clockevent: i8253 (PIT channel 0) periodic at HZ=%d on IRQ 0, latch %d\n",
			printk.Int(time.HZ), printk.Int(i8253.PIT_LATCH(time.HZ)))
	}
	if No_tick != "" {
		printk.Pr_err("time_init: no tick: %s\n", printk.Str(No_tick))
	}
	Time_init_ns = tsc.Local_clock() - t0
}

// The TSC's calibration checked against the ACPI PM timer over the time
// between the ACPI tables' parse and time_init, which costs nothing more
// (Linux tsc_refine_calibration_work compares against the HPET or the PM
// timer one second after boot; pit_hpet_ptimer_calibrate_cpu against
// them during the PIT calibration).
var (
	pm_ref_tsc uint64
	pm_ref     uint32
	// Tsc_pm_khz: the TSC frequency the PM timer measured (0: no PM
	// timer, or too short an interval).
	Tsc_pm_khz uint64
)

// tsc_pm_reference takes the starting point: a PM timer read between two
// TSC reads close together (Linux tsc_read_refs).
func tsc_pm_reference() (t uint64, pm uint32, ok bool) {
	for i := 0; i < 5; i++ {
		t1 := asm.Rdtsc()
		pm = acpi.Acpi_pm_read_early()
		t2 := asm.Rdtsc()
		if t2-t1 < tsc.Tsc_khz>>5 { // 31 us at most
			return t2, pm, true
		}
	}
	return 0, 0, false
}

// Tsc_pm_start is called once the FADT has been read.
func tsc_pm_start() {
	if acpi.Pmtmr_ioport == 0 {
		return
	}
	var ok bool
	if pm_ref_tsc, pm_ref, ok = tsc_pm_reference(); !ok {
		pm_ref_tsc = 0
	}
}

func tsc_refine_against_pmtimer() {
	if pm_ref_tsc == 0 {
		return
	}
	t, pm, ok := tsc_pm_reference()
	if !ok {
		return
	}
	ticks := uint64((pm - pm_ref) & acpi.ACPI_PM_MASK)
	// The 24-bit counter wraps every 4.69 s: over a longer interval (a
	// host that stalled the boot) the ticks counted are the remainder,
	// and the frequency they give is off by as much (it once "refined"
	// a 2300 MHz TSC to 187089 MHz after a 4.7 s stall, and every timer
	// after it went wrong).
	if wrap_us := uint64(acpi.ACPI_PM_MASK+1) * 1000000 / acpi.PMTMR_TICKS_PER_SEC; tsc_interval_past(t-pm_ref_tsc, wrap_us) {
		printk.Pr_info("tsc: PM timer check skipped: %d us since the ACPI tables were read, past its 24-bit counter's %d us wrap\n",
			printk.Int(tsc_us(t-pm_ref_tsc)), printk.Int(wrap_us))
		return
	}
	if ticks < acpi.PMTMR_TICKS_PER_SEC/1000 { // under a millisecond: too coarse
		printk.Pr_info("tsc: PM timer check skipped: only %d PM timer ticks since the ACPI tables were read\n", printk.Int(ticks))
		return
	}
	Tsc_pm_khz = (t - pm_ref_tsc) * acpi.PMTMR_TICKS_PER_SEC / 1000 / ticks
	diff := int64(Tsc_pm_khz) - int64(tsc.Tsc_khz)
	ppm := diff * 1000000 / int64(tsc.Tsc_khz)
	printk.Pr_info("tsc: PM timer says %d.%03d MHz over %d us: %d ppm from the %s calibration\n",
		printk.Int(Tsc_pm_khz/1000), printk.Int(Tsc_pm_khz%1000), printk.Int(ticks*1000000/acpi.PMTMR_TICKS_PER_SEC), printk.Int(ppm), printk.Str(tsc.TscSource))
	// Within 1% the PIT's result stands (its own error bound is 500 ppm,
	// the PM timer's here about as large); beyond, the PIT calibration was
	// disturbed and the PM timer's measurement replaces it (Linux:
	// pit_hpet_ptimer_calibrate_cpu's "PIT calibration deviates from
	// PMTIMER", and the refined calibration).
	if tsc.Tsc_unknown {
		printk.Pr_info("tsc: the PM timer is the first reference: %d.%03d MHz\n", printk.Int(Tsc_pm_khz/1000), printk.Int(Tsc_pm_khz%1000))
		tsc.Tsc_refine(Tsc_pm_khz)
		return
	}
	// The HPET, when it measured too, is the better reference (Linux's
	// pit_hpet_ptimer_calibrate_cpu uses the HPET when there is one, the
	// PM timer only without): it decides.
	if Tsc_hpet_khz != 0 {
		hppm := (int64(Tsc_hpet_khz) - int64(tsc.Tsc_khz)) * 1000000 / int64(tsc.Tsc_khz)
		if hppm > 10000 || hppm < -10000 {
			printk.Pr_warn("tsc: PIT calibration deviates from HPET: %d %d\n", printk.Int(tsc.Tsc_khz), printk.Int(Tsc_hpet_khz))
			tsc.Tsc_refine(Tsc_hpet_khz)
		}
		return
	}
	if ppm > 10000 || ppm < -10000 {
		printk.Pr_warn("tsc: PIT calibration deviates from PMTIMER: %d %d\n", printk.Int(tsc.Tsc_khz), printk.Int(Tsc_pm_khz))
		tsc.Tsc_refine(Tsc_pm_khz)
	}
}

// tsc_interval_past says whether an interval of dtsc cycles is, by the
// TSC's calibration, at least 90% of a reference counter's wrap period
// (wrap_us): its count can no longer be trusted. Without a calibration
// nothing dates the interval, and the reference counts alone.
func tsc_interval_past(dtsc, wrap_us uint64) bool {
	return !tsc.Tsc_unknown && tsc.Tsc_khz != 0 && tsc_us(dtsc) >= wrap_us*9/10
}

// tsc_us converts TSC cycles to microseconds by the calibration.
func tsc_us(dtsc uint64) uint64 { return dtsc * 1000 / max(tsc.Tsc_khz, 1) }

// Tsc_check_stall_ms: tsc_check_stall=MS (gokern-only fault injection):
// the boot spins that long between taking the PM timer's and the HPET's
// starting points and time_init's check of the TSC against them, as a
// host that deschedules QEMU there would stall it (the CI host once did,
// for 4.7 s, longer than the PM timer takes to wrap).
var Tsc_check_stall_ms uint64

func tsc_check_stall_setup(val []byte) {
	n, err := cmdline.Kstrtoll(val)
	if err != cmdline.OK || n < 0 || n > 60000 {
		printk.Pr_warn("Malformed early option 'tsc_check_stall=%s' (0 to 60000 ms): no stall\n", printk.Escaped(val))
		return
	}
	Tsc_check_stall_ms = uint64(n)
}

// tsc_check_stall spins for tsc_check_stall= milliseconds of TSC time.
func tsc_check_stall() {
	if Tsc_check_stall_ms == 0 || tsc.Tsc_unknown {
		return
	}
	printk.Pr_info("tsc: stalling %d ms before the TSC's check (tsc_check_stall=)\n", printk.Int(Tsc_check_stall_ms))
	udelay(Tsc_check_stall_ms * 1000)
}

// tsc_early_khz_setup: "tsc_early_khz=N", the TSC's frequency in kHz
// given instead of calibrated (Linux tsc_early_khz_setup).
func tsc_early_khz_setup(val []byte) {
	n, err := cmdline.Kstrtoll(val)
	if err != cmdline.OK || n <= 0 {
		printk.Pr_warn("Malformed early option 'tsc_early_khz=%s': the TSC is calibrated\n", printk.Escaped(val))
		return
	}
	tsc.Tsc_early_khz = uint64(n)
}

// tsc_calibrate_setup: "tsc_calibrate=slow" starts the TSC calibration at
// the slow PIT method, as if the fast one had failed; "tsc_calibrate=rtc"
// at the RTC, as if there were no PIT; "tsc_calibrate=quick_wrap" stalls
// the first fast window for a whole turn of the PIT count, as a host
// that stops QEMU for 55 ms at that moment (gokern's knob, to prove the
// fallbacks and the fast method's check on a machine that has the better
// references).
func tsc_calibrate_setup(val []byte) {
	switch string(val) {
	case "slow":
		tsc.Tsc_calibrate = tsc.CAL_SLOW
	case "rtc":
		tsc.Tsc_calibrate = tsc.CAL_RTC
	case "auto":
		tsc.Tsc_calibrate = tsc.CAL_AUTO
	case "quick_wrap":
		tsc.Tsc_calibrate = tsc.CAL_QUICK_WRAP
	default:
		printk.Pr_warn("Malformed early option 'tsc_calibrate=%s' (slow, rtc, quick_wrap or auto): keeping auto\n", printk.Escaped(val))
	}
}

// lapic_cal_stall_setup: "lapic_cal_stall=US" stalls the local APIC
// timer's calibration for US microseconds inside the first reference
// sample, between its TSC read and its timer read: a host hiccup at the
// worst moment, on purpose (gokern's knob, to prove the calibration
// against it; at most 10 ms).
func lapic_cal_stall_setup(val []byte) {
	n, err := cmdline.Kstrtoll(val)
	if err != cmdline.OK || n < 0 || n > 10000 {
		printk.Pr_warn("Malformed early option 'lapic_cal_stall=%s' (0 to 10000 us): no stall\n", printk.Escaped(val))
		return
	}
	apic.Lapic_cal_stall_us = uint64(n)
}
