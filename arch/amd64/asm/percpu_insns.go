//go:build amd64

package asm

// The GS-relative reads of percpu.go (percpu.s).

// This_cpu returns this CPU's PcpuHot (Linux this_cpu_ptr(&pcpu_hot)):
// pcpu_hot is at offset 0 of the per-CPU area (percpu_defs.go).
// The GS base is set in startup_64 before any Go code runs
// (arch/amd64: setup_percpu), so this is valid from the first line of
// Go.
//
//go:nosplit
func This_cpu() *PcpuHot { return (*PcpuHot)(KernelPtr(this_cpu_off())) }

// Smp_processor_id is this CPU's number (Linux smp_processor_id, which
// reads pcpu_hot.cpu_number).
//
//go:nosplit
func Smp_processor_id() int { return This_cpu().Cpu_number }

// this_cpu_off reads GS:0 (Linux this_cpu_read(this_cpu_off)).
func this_cpu_off() uintptr

// Load_gs_base writes MSR_GS_BASE: from then on GS-relative accesses reach
// the structure at base (Linux wrmsrl(MSR_GS_BASE, ...) in
// switch_gdt_and_percpu_base).
//
//go:nosplit
func Load_gs_base(base uintptr) { Wrmsrl(MSR_GS_BASE, uint64(base)) }

// this_cpu_add_8 adds v to the 8 bytes at GS:off (percpu.s).
func this_cpu_add_8(off uintptr, v uint64)
