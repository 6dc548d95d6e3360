package amd64

import (
	"gokern/arch/amd64/apic"
	"gokern/arch/amd64/asm"
	"gokern/arch/amd64/tsc"
	"gokern/kernel/irq"
	"gokern/kernel/time"
	"gokern/kunit"
	"gokern/mm"
	"gokern/printk"
	"gokern/traps"
)

// Selftests of interrupt delivery (kmain.go lists them): they run with
// interrupts on, in kernel_init, and prove the state behind the boot's
// lines by making interrupts happen.

// tick_source_count is what the tick's own source has counted.
func tick_source_count() uint64 {
	if Tick_source == TICK_LAPIC {
		return apic.Apic_timer_irqs(0)
	}
	return irq.Kstat_irqs(0)
}

// idle_until halts (STI;HLT, as the idle loop) until cond holds or ms of
// TSC time pass, and returns how many times the CPU woke.
func idle_until(cond func() bool, ms uint64) (wakeups uint64) {
	t0 := asm.Rdtsc()
	for !cond() && asm.Rdtsc()-t0 < tsc.Tsc_khz*ms {
		asm.Local_irq_disable()
		asm.Native_safe_halt()
		wakeups++
	}
	return wakeups
}

var tick_target uint64

func jiffies_reached() bool { return time.Get_jiffies_64() >= tick_target }

// Test_tick: the tick advances jiffies while the CPU sits in HLT: ten
// ticks arrive within two seconds, each counted by the tick's source,
// while the CPU runs nothing with interrupts on but STI;HLT.
func Test_tick(t *kunit.Kunit) {
	if Tick_source == TICK_NONE && No_tick != "" {
		t.Skip(No_tick)
		return
	}
	if Tick_source == TICK_NONE {
		t.Errorf("no tick source")
		return
	}
	// Interrupts off from the first read of jiffies to the last, but in
	// STI;HLT: the ticks counted can only have come in while the CPU was
	// halted (or in the instruction after HLT, before the loop turns them
	// off again: QEMU may deliver two late ticks back to back, so the
	// wake-ups may be fewer than the ticks, never zero).
	flags := asm.Arch_local_irq_save()
	j0, c0 := time.Get_jiffies_64(), tick_source_count()
	tick_target = j0 + 10
	t0 := asm.Rdtsc()
	wakeups := idle_until(jiffies_reached, 2000)
	asm.Local_irq_disable()
	us := (asm.Rdtsc() - t0) * 1000 / tsc.Tsc_khz
	j1, c1 := time.Get_jiffies_64(), tick_source_count()
	asm.Arch_local_irq_restore(flags)
	if j1 < j0+10 {
		t.Errorf("jiffies went from %d to %d in %d us of HLT", printk.Int(j0), printk.Int(j1), printk.Int(us))
	}
	if c1-c0 < j1-j0 {
		t.Errorf("%d jiffies but %d ticks counted by the source", printk.Int(j1-j0), printk.Int(c1-c0))
	}
	if wakeups == 0 {
		t.Errorf("%d jiffies but the CPU never woke from HLT", printk.Int(j1-j0))
	}
	t.Logf("%d jiffies in %d us of STI;HLT, %d wake-ups", printk.Int(j1-j0), printk.Int(us), printk.Int(wakeups))
}

// Test_tick_jitter measures 100 tick intervals by the TSC at each tick and
// prints their mean, spread and worst deviation from 1/HZ (the figure of
// ./qemu.sh bench; explicit: it waits 0.4 s).
func Test_tick_jitter(t *kunit.Kunit) {
	if Tick_source == TICK_NONE {
		t.Errorf("no tick source")
		return
	}
	start := Tick_count
	tick_target = time.Get_jiffies_64() + 101
	idle_until(jiffies_reached, 3000)
	if Tick_count < start+101 {
		t.Errorf("only %d ticks in 3 s", printk.Int(Tick_count-start))
		return
	}
	const n = 100
	nominal := tsc.Tsc_khz * 1000 / time.HZ // cycles per tick
	var sum, lo, hi, sq uint64
	lo = ^uint64(0)
	end := Tick_count
	for i := end - n; i < end; i++ {
		d := Tick_tsc[i%TICK_HISTORY] - Tick_tsc[(i-1)%TICK_HISTORY]
		sum += d
		lo, hi = min(lo, d), max(hi, d)
		dev := int64(d) - int64(nominal)
		sq += uint64(dev*dev) / n
	}
	us := func(c uint64) uint64 { return c * 1000 / tsc.Tsc_khz }
	mean := sum / n
	// The worst deviation from the nominal interval, either way.
	worst := uint64(0)
	if hi > nominal {
		worst = hi - nominal
	}
	if lo < nominal {
		worst = max(worst, nominal-lo)
	}
	t.Logf("tick jitter over %d ticks at HZ=%d (%s): mean %d us, min %d us, max %d us, rms deviation %d us, worst %d us from %d us",
		printk.Int(n), printk.Int(time.HZ), printk.Str(tick_source_name()), printk.Int(us(mean)), printk.Int(us(lo)), printk.Int(us(hi)),
		printk.Int(us(mm.Int_sqrt(sq))), printk.Int(us(worst)), printk.Int(us(nominal)))
	if lo == 0 {
		t.Errorf("two ticks at the same TSC value")
	}
}

func tick_source_name() string {
	switch Tick_source {
	case TICK_LAPIC:
		return "local APIC timer"
	case TICK_PIT:
		return "PIT, IRQ 0"
	}
	return "none"
}

var ipi_vector uint8

func ipi_counted() bool {
	if ipi_vector == asm.SPURIOUS_APIC_VECTOR {
		return apic.Irq_spurious_count != ipi_before
	}
	return Irq_bad_count != ipi_before
}

var ipi_before uint64

// Test_unexpected_ipi: an interrupt the local APIC delivers on a vector
// nothing was set up for (0x9f, a self-IPI) reaches dispatchInterrupt, is
// counted per vector and as unexpected, reported, and acknowledged (its
// ISR bit is clear afterwards, or the APIC would block every lower
// vector); one on the spurious vector is counted as spurious and
// acknowledged too. In PIC mode there is no local APIC to send them.
func Test_unexpected_ipi(t *kunit.Kunit) {
	if apic.Apic_intr_mode == apic.APIC_PIC {
		if apic.Lapic_mapped() {
			t.Errorf("PIC mode with the local APIC mapped")
		}
		return
	}
	for _, v := range [...]uint8{0x9f, asm.SPURIOUS_APIC_VECTOR} {
		ipi_vector = v
		ipi_before = Irq_bad_count
		if v == asm.SPURIOUS_APIC_VECTOR {
			ipi_before = apic.Irq_spurious_count
		}
		vec0, unexp0 := Vector_count[v], traps.Irq_unexpected[v]
		apic.Apic_send_IPI_self(v)
		idle_until(ipi_counted, 1000)
		if !ipi_counted() || Vector_count[v] != vec0+1 {
			t.Errorf("self-IPI on vector %#x: counted %d times", printk.Int(v), printk.Int(Vector_count[v]-vec0))
		}
		if v != asm.SPURIOUS_APIC_VECTOR && traps.Irq_unexpected[v] != unexp0+1 {
			t.Errorf("vector %#x: traps counted %d unexpected", printk.Int(v), printk.Int(traps.Irq_unexpected[v]-unexp0))
		}
		if apic.Apic_isr_bit(v) {
			t.Errorf("vector %#x still in service: not acknowledged", printk.Int(v))
		}
	}
}
