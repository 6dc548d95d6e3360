package amd64

import (
	"sync/atomic"

	"gokern/arch/amd64/apic"
	"gokern/arch/amd64/asm"
	"gokern/arch/amd64/tsc"
	"gokern/drivers/tty/sysrq"
	"gokern/kallsyms"
	"gokern/kernel/cpumask"
	"gokern/kernel/sched"
	"gokern/printk"
	"gokern/traps"
)

// A backtrace of every CPU, SysRq 'l'. Linux: lib/nmi_backtrace.c
// (nmi_trigger_cpumask_backtrace, nmi_cpu_backtrace),
// arch/x86/kernel/apic/hw_nmi.c (arch_trigger_cpumask_backtrace, which
// sends NMI_VECTOR through the local APIC), drivers/tty/sysrq.c
// (sysrq_handle_showallcpus). An NMI, not the call-function IPI: a CPU
// spinning with interrupts off — the CPU one most wants to see — still
// takes it, and the key's handler, itself in an interrupt, need not wait
// for a lock another CPU's smp_call_function holds.

// backtrace_mask: the CPUs that still have to print (Linux
// backtrace_mask); each clears its bit when done.
var backtrace_mask atomic.Uint64

// Nr_nmi_backtraces counts the backtraces CPUs printed from the NMI (an
// idle one only says so); Nmi_backtrace_ip is where each CPU's last NMI
// found it (the selftest's proof of what was printed).
var (
	Nr_nmi_backtraces atomic.Uint64
	Nmi_backtrace_ip  [asm.NR_CPUS]atomic.Uintptr
)

// NMI_BACKTRACE_WAIT_MS: how long the asking CPU waits for the others
// (Linux: 10 s).
const NMI_BACKTRACE_WAIT_MS = 10000

// Arch_trigger_cpumask_backtrace prints this CPU's state (regs, the
// interrupted context, if it is in an interrupt) and has every other
// online CPU of mask print its own from an NMI, one after the other
// through printk's lock, and waits for them (Linux
// nmi_trigger_cpumask_backtrace). It returns the CPUs that did not answer.
func Arch_trigger_cpumask_backtrace(mask uint64, regs *asm.PtRegs) uint64 {
	self := asm.Smp_processor_id()
	mask &= cpumask.Cpu_online_mask.Bits()
	others := mask &^ (1 << uint(self))
	if !backtrace_mask.CompareAndSwap(0, others) {
		printk.Pr_info("sysrq: a backtrace of all CPUs is already under way\n")
		return 0
	}
	if mask&(1<<uint(self)) != 0 {
		printk.Pr_info("NMI backtrace for cpu %d (the asking CPU)\n", printk.Int(self))
		if regs != nil {
			traps.Show_regs_trace(regs)
		}
	}
	if others == 0 {
		return 0
	}
	printk.Pr_info("Sending NMI from CPU %d to CPUs %#x:\n", printk.Int(self), printk.Int(others))
	for m := others; m != 0; m &= m - 1 {
		cpu := 0
		for m&(1<<uint(cpu)) == 0 {
			cpu++
		}
		apic.Send_NMI(cpu)
	}
	deadline := asm.Rdtsc() + NMI_BACKTRACE_WAIT_MS*tsc.Tsc_khz
	for backtrace_mask.Load() != 0 && asm.Rdtsc() < deadline {
		asm.Cpu_relax()
	}
	left := backtrace_mask.Swap(0)
	if left != 0 {
		printk.Pr_warn("NMI backtrace: CPUs %#x did not answer in %d s\n", printk.Int(left), printk.Int(NMI_BACKTRACE_WAIT_MS/1000))
	}
	return left
}

// nmi_cpu_backtrace is this CPU's NMI handler for the backtrace: if it
// was asked, it prints its interrupted context and says the NMI was its
// own (Linux nmi_cpu_backtrace, from the NMI_LOCAL handler).
func nmi_cpu_backtrace(regs *asm.PtRegs) bool {
	cpu := asm.Smp_processor_id()
	bit := uint64(1) << uint(cpu)
	if backtrace_mask.Load()&bit == 0 {
		return false
	}
	Nmi_backtrace_ip[cpu].Store(uintptr(regs.IP))
	if Cpu_idle_loop(cpu, regs) {
		printk.Pr_info("NMI backtrace for cpu %d skipped: idling at native_safe_halt\n", printk.Int(cpu))
	} else {
		printk.Pr_info("NMI backtrace for cpu %d\n", printk.Int(cpu))
		traps.Show_regs_trace(regs)
		Nr_nmi_backtraces.Add(1)
	}
	backtrace_mask.And(^bit)
	return true
}

// Cpu_idle_loop: regs interrupted cpu's idle task in its STI;HLT (Linux
// prints "skipped: idling" for a CPU in its idle loop, whose backtrace
// would say nothing).
func Cpu_idle_loop(cpu int, regs *asm.PtRegs) bool {
	if regs.CS&3 != 0 || sched.Get_current() != sched.Cpu_rq(cpu).Idle {
		return false
	}
	s, ok := kallsyms.Lookup(uintptr(regs.IP))
	return ok && s.Name == "gokern/arch/amd64/asm.Native_safe_halt"
}

var sysrq_showallcpus_op = sysrq.SysrqKeyOp{Handler: sysrq_handle_showallcpus, Help_msg: "show-backtrace-all-active-cpus(l)",
	Action_msg: "Show backtrace of all active CPUs"}

// sysrq_handle_showallcpus is SysRq 'l' (Linux sysrq_handle_showallcpus
// → trigger_all_cpu_backtrace).
func sysrq_handle_showallcpus(key byte) {
	Arch_trigger_cpumask_backtrace(cpumask.Cpu_online_mask.Bits(), Get_irq_regs())
}
