package apic

import (
	"gokern/arch/amd64/asm"
	"gokern/kernel/cpumask"
	"gokern/printk"
)

// From the firmware's processor entries to CPU numbers. Linux:
// arch/x86/kernel/apic/apic.c generic_processor_info (6.9+:
// arch/x86/kernel/cpu/topology.c topology_register_apic), the
// x86_cpu_to_apicid early per-CPU map, read_apic_id. Each usable entry
// of the MADT (acpi_parse_lapic) or the MP table (MP_processor_info) is
// a present CPU; the boot CPU is CPU 0 whatever its place in the table,
// the others take the next free numbers in table order.

// BAD_APICID: no APIC ID (Linux BAD_APICID, 0xFFFF in 64-bit kernels).
const BAD_APICID = 0xffff

// X86_cpu_to_apicid maps a CPU number to its local APIC ID (Linux
// x86_cpu_to_apicid): the destination of that CPU's IPIs. An entry is
// valid while the CPU is present (Cpu_apicid).
var X86_cpu_to_apicid [asm.NR_CPUS]uint32

// Cpu_apicid is cpu's APIC ID, BAD_APICID if it is not present.
//
//go:nosplit
func Cpu_apicid(cpu int) uint32 {
	if !cpumask.Cpu_present(cpu) {
		return BAD_APICID
	}
	return X86_cpu_to_apicid[cpu]
}

// Read_apic_id is this CPU's initial APIC ID, CPUID.1:EBX[31:24] (SDM
// Vol. 2A, CPUID; the local APIC's ID register holds the same after
// reset). It needs no mapping, so it serves before init_apic_mappings
// (Linux read_apic_id reads the register).
//
//go:nosplit
func Read_apic_id() uint32 {
	_, ebx, _, _ := asm.Cpuid(1)
	return ebx >> 24
}

// hard_smp_processor_id is the running CPU's APIC ID (Linux
// hard_smp_processor_id); a variable so that host tests can say which CPU
// boots.
var hard_smp_processor_id = Read_apic_id

// Generic_processor_info registers a usable processor of the tables and
// returns its CPU number, or -1 when it cannot be used: a second entry
// for one APIC ID, or more CPUs than NR_CPUS (Linux generic_processor_info,
// with its message). Num_processors counts the registered ones.
func Generic_processor_info(apicid uint32) int {
	for cpu := 0; cpu < asm.NR_CPUS; cpu++ {
		if cpumask.Cpu_present(cpu) && X86_cpu_to_apicid[cpu] == apicid {
			printk.Pr_warn("APIC: Ignoring duplicate APIC ID %#x (CPU %d has it)\n", printk.Int(apicid), printk.Int(cpu))
			return -1
		}
	}
	cpu := 0
	if apicid != hard_smp_processor_id() {
		cpu = 1
		for cpu < asm.NR_CPUS && cpumask.Cpu_present(cpu) {
			cpu++
		}
	}
	if cpu >= asm.NR_CPUS {
		printk.Pr_warn("APIC: NR_CPUS/possible_cpus limit of %d reached. Processor %d/%#x ignored.\n",
			printk.Int(asm.NR_CPUS), printk.Int(asm.NR_CPUS+Disabled_cpus), printk.Int(apicid))
		Disabled_cpus++
		return -1
	}
	X86_cpu_to_apicid[cpu] = apicid
	cpumask.Set_cpu_present(cpu, true)
	Num_processors++
	return cpu
}

// reset_cpu_map forgets every registered processor (a bad MADT, before
// the MP table is read instead).
func reset_cpu_map() {
	X86_cpu_to_apicid = [asm.NR_CPUS]uint32{}
	cpumask.Cpu_present_mask.Store(0)
}
