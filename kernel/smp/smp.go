// Package smp is gokern's kernel/smp.c: running a function on other CPUs
// through an inter-processor interrupt, and waiting for them.
//
// Linux: kernel/smp.c (smp_call_function_many, smp_call_function_single,
// smp_call_function, on_each_cpu, generic_smp_call_function_interrupt);
// the 2.6 kernels of the seeds did it in arch/x86/kernel/smp.c with one
// shared call_data under call_lock, which is what gokern does: a caller
// takes call_lock, publishes the function, sends CALL_FUNCTION_VECTOR (or
// CALL_FUNCTION_SINGLE_VECTOR) to the CPUs, waits until each has copied
// the function out ("started"), and with wait until each has run it
// ("finished"); only then is call_data free for the next caller. Linux 2.6.27+
// queues a call_single_data per CPU instead, so that callers do not
// serialise. Seeds: 002 "smp_call_function()", "An Example: Synchronize
// All Cores".
//
// The function runs on the other CPUs in interrupt context, with
// interrupts off: it must not sleep or wait for the caller. It must be a
// top-level function (a func value with no captured variables: a closure
// would be allocated on the Go heap).
package smp

import (
	"sync/atomic"

	"gokern/arch/amd64/asm"
	"gokern/kernel/cpumask"
	"gokern/printk"
)

// Arch_send_call_function_ipi_mask sends vector to the CPUs of mask
// (Linux arch_send_call_function_ipi_mask → native_send_call_func_ipi →
// apic->send_IPI_mask). Set by arch/amd64's smp_init, before any AP is up.
var Arch_send_call_function_ipi_mask func(mask uint64, vector uint8)

// call_data_struct is what a caller publishes (Linux 2.6
// struct call_data_struct).
type call_data_struct struct {
	fn       func(info uintptr)
	info     uintptr
	wait     bool
	started  atomic.Int32
	finished atomic.Int32
}

var (
	call_lock asm.Spinlock_t
	call_data call_data_struct
	// call_active: call_data holds a call the CPUs have not all started.
	call_active atomic.Bool
)

// CALL_TIMEOUT_SPINS: rounds of PAUSE a caller waits for the CPUs before
// it reports them and gives up (Linux's csd_lock_wait warns after 5 s,
// CONFIG_CSD_LOCK_WAIT_DEBUG).
const CALL_TIMEOUT_SPINS = 1 << 28

// Smp_call_function_many runs fn(info) on every online CPU of mask but
// this one, and returns when all of them have started it, or, with
// wait, finished it (Linux smp_call_function_many). It returns how many
// CPUs ran it; fewer than asked when some did not answer in time, which
// is reported.
func Smp_call_function_many(mask uint64, fn func(info uintptr), info uintptr, wait bool) int {
	// LAB ipi BEGIN
	self := asm.Smp_processor_id()
	mask &= cpumask.Cpu_online_mask.Bits() &^ (1 << uint(self))
	n := 0
	for m := mask; m != 0; m &= m - 1 {
		n++
	}
	if n == 0 || Arch_send_call_function_ipi_mask == nil {
		return 0
	}
	vector := uint8(asm.CALL_FUNCTION_VECTOR)
	if n == 1 {
		vector = asm.CALL_FUNCTION_SINGLE_VECTOR
	}
	// Not irqsave: a CPU that waits here for another caller must still
	// take that caller's IPI, or both wait forever (Linux: "must not be
	// called with interrupts disabled or from an interrupt handler").
	call_lock.Spin_lock(0)
	call_data.fn, call_data.info, call_data.wait = fn, info, wait
	call_data.started.Store(0)
	call_data.finished.Store(0)
	call_active.Store(true)
	Arch_send_call_function_ipi_mask(mask, vector)
	got := wait_for(&call_data.started, n, "start", mask)
	if wait && got == n {
		got = wait_for(&call_data.finished, n, "finish", mask)
	}
	call_active.Store(false)
	call_lock.Spin_unlock()
	return got
	// LAB ipi SKELETON
	// // Seeds/002 "smp_call_function()": the CPUs of mask, online, but not
	// // this one; under call_lock publish fn, info and wait in call_data, send
	// // the IPI (Arch_send_call_function_ipi_mask: CALL_FUNCTION_VECTOR, or
	// // CALL_FUNCTION_SINGLE_VECTOR for one CPU), wait_for "started" and,
	// // with wait, "finished"; return how many CPUs ran fn.
	// if mask&cpumask.Cpu_online_mask.Bits()&^(1<<uint(asm.Smp_processor_id())) != 0 {
	// 	printk.Pr_warn("LAB ipi: Smp_call_function_many not implemented yet (nothing runs on CPUs %#x)\n", printk.Int(mask&cpumask.Cpu_online_mask.Bits()))
	// }
	// return 0
	// LAB ipi END
}

// wait_for spins until c reaches n, or reports and gives up.
func wait_for(c *atomic.Int32, n int, what string, mask uint64) int {
	for i := 0; i < CALL_TIMEOUT_SPINS; i++ {
		if int(c.Load()) >= n {
			return n
		}
		asm.Cpu_relax()
	}
	printk.Pr_err("smp_call_function: only %d of %d CPUs (mask %#x) did %s the function in time\n",
		printk.Int(c.Load()), printk.Int(n), printk.Int(mask), printk.Str(what))
	return int(c.Load())
}

// Smp_call_function runs fn on every other online CPU (Linux
// smp_call_function).
func Smp_call_function(fn func(info uintptr), info uintptr, wait bool) int {
	return Smp_call_function_many(^uint64(0), fn, info, wait)
}

// Smp_call_function_single runs fn on cpu, here if cpu is this CPU
// (Linux smp_call_function_single). It returns 0, or -1 when cpu is not
// online (reported) or did not answer.
func Smp_call_function_single(cpu int, fn func(info uintptr), info uintptr, wait bool) int {
	if cpu == asm.Smp_processor_id() {
		f := asm.Arch_local_irq_save()
		fn(info)
		asm.Arch_local_irq_restore(f)
		return 0
	}
	if !cpumask.Cpu_online(cpu) {
		printk.Pr_warn("smp_call_function_single: CPU %d is not online\n", printk.Int(cpu))
		return -1
	}
	if Smp_call_function_many(1<<uint(cpu), fn, info, wait) != 1 {
		return -1
	}
	return 0
}

// On_each_cpu runs fn on every online CPU, this one included, with
// interrupts off here as there (Linux on_each_cpu).
func On_each_cpu(fn func(info uintptr), info uintptr, wait bool) {
	Smp_call_function(fn, info, wait)
	f := asm.Arch_local_irq_save()
	fn(info)
	asm.Arch_local_irq_restore(f)
}

// Generic_smp_call_function_interrupt runs the published function on
// this CPU: the handler of CALL_FUNCTION_VECTOR and
// CALL_FUNCTION_SINGLE_VECTOR, after the local APIC's EOI (Linux
// generic_smp_call_function_interrupt; 2.6 smp_call_function_interrupt).
// It copies fn, info and wait before saying it started: after that the
// caller may publish the next call.
func Generic_smp_call_function_interrupt() {
	// LAB ipi BEGIN
	if !call_active.Load() {
		return // a late IPI for a call its sender gave up on
	}
	fn, info, wait := call_data.fn, call_data.info, call_data.wait
	call_data.started.Add(1)
	fn(info)
	// The CAL row of /proc/interrupts ("Function call interrupts").
	asm.This_cpu_inc(asm.Irq_stat_call)
	if wait {
		call_data.finished.Add(1)
	}
	// LAB ipi SKELETON
	// // On each target CPU, in the IPI handler: copy fn, info and wait out of
	// // call_data, say "started" (the caller may then reuse call_data), run
	// // fn, count it in Call_function_count, and with wait say "finished".
	// LAB ipi END
}
