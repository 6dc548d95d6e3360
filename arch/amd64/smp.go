package amd64

import (
	"sync/atomic"

	"gokern/arch/amd64/apic"
	"gokern/arch/amd64/asm"
	"gokern/arch/amd64/tsc"
	"gokern/kernel"
	"gokern/kernel/cpumask"
	"gokern/kernel/sched"
	"gokern/kernel/smp"
	"gokern/printk"
	"gokern/traps"
)

// The IPIs' receiving side and stopping the other CPUs. Linux:
// arch/x86/kernel/smp.c (sysvec_call_function,
// sysvec_call_function_single, sysvec_reschedule_ipi, sysvec_reboot,
// native_stop_other_cpus, stop_this_cpu in process.c). Seeds: 002
// "Inter-Processor Interrupts": CALL_FUNCTION_VECTOR, RESCHEDULE_VECTOR,
// and "halting every CPU on panic". The vectors are today's Linux
// (RESCHEDULE 0xfd, CALL_FUNCTION 0xfc, CALL_FUNCTION_SINGLE 0xfb,
// REBOOT 0xf8; asm/irq_vectors.go); the seeds' 2.6 i386 numbers differ,
// and their INVALIDATE_TLB_VECTOR is gone: a TLB shootdown is a function
// call on the other CPUs since 2.6.27 (arch/amd64/mm tlb.go).

var (
	// Cpu_stopped: the CPUs smp_send_stop halted.
	Cpu_stopped [asm.NR_CPUS]atomic.Bool
)

// Sysvec_call_function handles CALL_FUNCTION_VECTOR and
// CALL_FUNCTION_SINGLE_VECTOR: acknowledge, then run what the caller
// published (Linux sysvec_call_function → generic_smp_call_function_interrupt).
func Sysvec_call_function() {
	apic.Apic_eoi()
	smp.Generic_smp_call_function_interrupt()
}

// Sysvec_reschedule_ipi handles RESCHEDULE_VECTOR (Linux
// sysvec_reschedule_ipi → scheduler_ipi).
func Sysvec_reschedule_ipi() {
	apic.Apic_eoi()
	// The RES row of /proc/interrupts.
	asm.This_cpu_inc(asm.Irq_stat_resched)
}

// native_smp_send_reschedule sends cpu RESCHEDULE_VECTOR (Linux
// native_smp_send_reschedule): the scheduler's remote wake-up and kick.
func native_smp_send_reschedule(cpu int) {
	apic.Send_IPI_mask(1<<uint(cpu), asm.RESCHEDULE_VECTOR)
}

// Sysvec_reboot handles REBOOT_VECTOR: this CPU stops for good (Linux
// sysvec_reboot → stop_this_cpu).
func Sysvec_reboot() {
	apic.Apic_eoi()
	stop_this_cpu()
}

// stop_this_cpu takes this CPU offline and halts it with interrupts off
// (Linux stop_this_cpu): only an NMI or a reset wakes it.
func stop_this_cpu() {
	cpu := asm.Smp_processor_id()
	cpumask.Set_cpu_online(cpu, false)
	Cpu_stopped[cpu].Store(true)
	for {
		asm.Local_irq_disable()
		asm.Native_halt()
	}
}

// STOP_WAIT_MS: how long smp_send_stop waits for the others to stop.
const STOP_WAIT_MS = 1000

// native_stop_other_cpus sends REBOOT_VECTOR to every other CPU and waits
// up to a second for them to go offline (Linux native_stop_other_cpus,
// which then tries an NMI). The kernel's panic calls it first, so that its
// report is the only thing on the console (kernel.Smp_send_stop).
func native_stop_other_cpus() {
	if cpumask.Num_online_cpus() < 2 {
		return
	}
	apic.Send_IPI_allbutself(asm.REBOOT_VECTOR)
	deadline := asm.Rdtsc() + STOP_WAIT_MS*tsc.Tsc_khz
	for cpumask.Num_online_cpus() > 1 && asm.Rdtsc() < deadline {
		asm.Cpu_relax()
	}
	if n := cpumask.Num_online_cpus(); n > 1 {
		printk.Pr_emerg("smp: failed to stop secondary CPUs: online mask %#x\n", printk.Int(cpumask.Cpu_online_mask.Bits()))
	} else {
		printk.Pr_debug("smp: stopped the other CPUs: online mask %#x (CPU %d)\n", printk.Int(cpumask.Cpu_online_mask.Bits()), printk.Int(asm.Smp_processor_id()))
	}
}

// smp_prepare_ipis plugs the IPIs into the generic code, before the first
// AP runs (Linux smp_ops: send_call_func_ipi, stop_other_cpus).
func smp_prepare_ipis() {
	// How a spinlock's waiters wait, chosen before a second CPU runs.
	asm.Native_pv_lock_init()
	if asm.Virt_spin_lock_key {
		printk.Pr_info("smp: a hypervisor is present: spinlock waiters take the lock test-and-set, not by ticket (virt_spin_lock)\n")
	}
	smp.Arch_send_call_function_ipi_mask = apic.Send_IPI_mask
	sched.Arch.Smp_send_reschedule = native_smp_send_reschedule
	kernel.Smp_send_stop = native_stop_other_cpus
	kernel.Panic_halt = stop_this_cpu
	asm.Spin_lockup = report_spin_lockup
	printk.Irq_save, printk.Irq_restore = printk_lock_irqsave, printk_unlock_irqrestore
	if traps.Irq_handler != nil && !is_smp_irq_dispatch() {
		irq_handler_next = traps.Irq_handler
	}
	traps.Irq_handler = smp_irq_dispatch
}

// is_smp_irq_dispatch: smp_prepare_ipis already ran (Smp_init once per
// boot, but a second call must not chain the dispatch to itself).
func is_smp_irq_dispatch() bool { return smp_ipis_ready }

var smp_ipis_ready bool

// report_spin_lockup reports a lock a CPU has waited on too long, with the
// holder (Linux spin_dump: "BUG: spinlock lockup suspected on CPU#%d").
func report_spin_lockup(l *asm.Spinlock_t) {
	printk.Pr_emerg("BUG: spinlock lockup suspected on CPU#%d, lock %s: .owner_cpu: %d, .owner caller %#x\n",
		printk.Int(asm.Smp_processor_id()), printk.Str(l.Name), printk.Int(l.Owner_cpu), printk.Int(l.Owner))
}

// printk's lock: one message at a time on the console and in the log,
// whichever CPU prints (Linux: the console lock and logbuf_lock, taken
// with interrupts off). printk calls these through its Irq_save and
// Irq_restore hooks. A CPU that prints from inside its own message (an
// oops in printk) does not wait for itself: the flags it returns carry
// PRINTK_NESTED, and the inner message goes to printk's second buffer.
var (
	printk_lock  asm.Arch_spinlock_t
	printk_owner atomic.Int32 // CPU number + 1; 0: free
)

// PRINTK_NESTED: a bit RFLAGS never has set (bit 63 is reserved).
const PRINTK_NESTED = 1 << 63

func printk_lock_irqsave() uint64 {
	f := asm.Arch_local_irq_save()
	me := int32(asm.Smp_processor_id()) + 1
	if printk_owner.Load() == me {
		return f | PRINTK_NESTED
	}
	printk_lock.Arch_spin_lock()
	printk_owner.Store(me)
	return f
}

func printk_unlock_irqrestore(f uint64) {
	if f&PRINTK_NESTED == 0 {
		printk_owner.Store(0)
		printk_lock.Arch_spin_unlock()
	}
	asm.Arch_local_irq_restore(f &^ PRINTK_NESTED)
}

// irq_handler_next is the interrupt handler smp_prepare_ipis found in
// place (init_IRQ's), to which every vector but the IPIs' goes on.
var irq_handler_next func(regs *asm.PtRegs)

// smp_irq_dispatch sorts the IPI vectors out before the device
// interrupts' handler (Linux gives each system vector an IDT entry of its
// own, DEFINE_IDTENTRY_SYSVEC; gokern's vector stubs share one path).
func smp_irq_dispatch(regs *asm.PtRegs) {
	switch regs.Vector {
	case asm.CALL_FUNCTION_VECTOR, asm.CALL_FUNCTION_SINGLE_VECTOR:
		Sysvec_call_function()
	case asm.RESCHEDULE_VECTOR:
		Sysvec_reschedule_ipi()
	case asm.REBOOT_VECTOR:
		Sysvec_reboot()
	default:
		if h := irq_handler_next; h != nil {
			h(regs)
			return
		}
		traps.Unexpected_irq(regs.Vector)
	}
}
