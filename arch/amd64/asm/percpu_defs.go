package asm

import (
	"sync/atomic"
	"unsafe"
)

// Typed per-CPU variables. Linux: include/linux/percpu-defs.h
// (DEFINE_PER_CPU, per_cpu, per_cpu_ptr, this_cpu_ptr, this_cpu_read,
// this_cpu_write, this_cpu_inc), mm/percpu.c (the first chunk,
// alloc_percpu) and arch/x86/kernel/setup_percpu.c (__per_cpu_offset,
// setup_per_cpu_areas). Seeds: 002 "Per-CPU variables".
//
// Every CPU has a per-CPU area of PERCPU_UNIT_SIZE bytes (Linux's unit of
// the first chunk), and its GS base points at it. A per-CPU variable is an
// offset into the area, the same on every CPU (Linux's `T __percpu *`,
// here a typed Ptr[T]); a CPU's copy is at its area's base plus the
// offset. Linux's linker gathers DEFINE_PER_CPU variables into the
// .data..percpu section, whose layout gives the offsets; Go has no
// sections, so the areas have two parts:
//
//   - the static part, laid out here by constants: pcpu_hot at offset 0
//     (the entry assembly reads its fields as off(GS)), irq_stat and
//     irq_regs;
//   - the dynamic part, handed out by Alloc_percpu (Linux alloc_percpu)
//     to the subsystems above, which reserve theirs in their init
//     functions (sched_init the run queues) — package initialisers never
//     run in the kernel.
//
// Until setup_per_cpu_areas the boot CPU uses pcpu_first_unit, a static
// area; setup_per_cpu_areas (arch/amd64 setup_percpu.go) gives every
// possible CPU an area of its own and moves the boot CPU's there.

// PERCPU_UNIT_SIZE: one CPU's per-CPU area.
const PERCPU_UNIT_SIZE = 32 << 10

// Ptr is a per-CPU variable of type T: its offset in every CPU's area
// (Linux's `T __percpu *`). The zero Ptr of a type other than PcpuHot is
// a variable not allocated yet: it would alias pcpu_hot.
type Ptr[T any] struct{ off uintptr }

// Offset returns p's offset in the per-CPU areas (for gdb and reports).
func (p Ptr[T]) Offset() uintptr { return p.off }

// Irq_cpustat_t counts a CPU's system interrupts (Linux
// arch/x86/include/asm/hardirq.h irq_cpustat_t): the rows LOC, RES, CAL
// and TLB of /proc/interrupts.
type Irq_cpustat_t struct {
	Apic_timer_irqs   uint64 // LOC: local APIC timer interrupts
	Irq_resched_count uint64 // RES: rescheduling interrupts
	Irq_call_count    uint64 // CAL: function call interrupts
	Irq_tlb_count     uint64 // TLB: TLB shootdowns
}

// The static part of every per-CPU area (Linux's .data..percpu layout).
const (
	PCPU_pcpu_hot      = 0
	PCPU_irq_stat      = (unsafe.Sizeof(PcpuHot{}) + SMP_CACHE_BYTES - 1) &^ (SMP_CACHE_BYTES - 1)
	PCPU_irq_regs      = PCPU_irq_stat + unsafe.Sizeof(Irq_cpustat_t{})
	PERCPU_STATIC_SIZE = (PCPU_irq_regs + 8 + SMP_CACHE_BYTES - 1) &^ (SMP_CACHE_BYTES - 1)
)

var (
	// Pcpu_hot: the per-CPU data the entry code uses (Linux
	// DEFINE_PER_CPU_CACHE_HOT(struct pcpu_hot, pcpu_hot)).
	Pcpu_hot = Ptr[PcpuHot]{PCPU_pcpu_hot}
	// Irq_stat: the system interrupt counts (Linux
	// DEFINE_PER_CPU_SHARED_ALIGNED(irq_cpustat_t, irq_stat)), and its
	// fields as per-CPU counters of their own, for This_cpu_inc (Linux
	// inc_irq_stat(member): this_cpu_inc(irq_stat.member)).
	Irq_stat         = Ptr[Irq_cpustat_t]{PCPU_irq_stat}
	Irq_stat_loc     = Ptr[uint64]{PCPU_irq_stat + unsafe.Offsetof(Irq_cpustat_t{}.Apic_timer_irqs)}
	Irq_stat_resched = Ptr[uint64]{PCPU_irq_stat + unsafe.Offsetof(Irq_cpustat_t{}.Irq_resched_count)}
	Irq_stat_call    = Ptr[uint64]{PCPU_irq_stat + unsafe.Offsetof(Irq_cpustat_t{}.Irq_call_count)}
	Irq_stat_tlb     = Ptr[uint64]{PCPU_irq_stat + unsafe.Offsetof(Irq_cpustat_t{}.Irq_tlb_count)}
	// Irq_regs: the interrupted context of the interrupt this CPU is
	// handling, nil outside one (Linux DEFINE_PER_CPU(struct pt_regs *,
	// __irq_regs)).
	Irq_regs = Ptr[*PtRegs]{PCPU_irq_regs}
)

var (
	// X__per_cpu_offset[cpu] is the base of cpu's per-CPU area, 0 for a
	// CPU that has none (Linux __per_cpu_offset). The boot CPU's is
	// pcpu_first_unit until setup_per_cpu_areas.
	X__per_cpu_offset [NR_CPUS]uintptr
	// pcpu_first_unit: the boot CPU's area until setup_per_cpu_areas
	// (Linux runs the boot CPU on the static section until then too).
	pcpu_first_unit [PERCPU_UNIT_SIZE / 8]uint64
	// pcpu_dyn_next: the first free byte of the dynamic part.
	pcpu_dyn_next uintptr = PERCPU_STATIC_SIZE
)

// Pcpu_first_unit_init points the boot CPU's per-CPU offset at the static
// area, before anything reads per-CPU data (startup_64_setup_gdt_idt).
//
//go:nosplit
func Pcpu_first_unit_init() { X__per_cpu_offset[0] = uintptr(unsafe.Pointer(&pcpu_first_unit)) }

// Pcpu_first_unit_base is the static area's base and the bytes in use in it
// (setup_per_cpu_areas copies them into the boot CPU's new area).
func Pcpu_first_unit_base() (base, used uintptr) {
	return uintptr(unsafe.Pointer(&pcpu_first_unit)), pcpu_dyn_next
}

// Pcpu_unit returns the per-CPU area at base as bytes.
func Pcpu_unit(base uintptr) *[PERCPU_UNIT_SIZE]byte {
	return (*[PERCPU_UNIT_SIZE]byte)(KernelPtr(base))
}

// Pcpu_alloc reserves size bytes, aligned to align, at the same offset in
// every CPU's area, zeroed in each area that exists (Linux pcpu_alloc on
// the first chunk, which never frees here). Running out of the unit is a
// bounds failure, an oops naming this function: PERCPU_UNIT_SIZE is a
// build-time choice, as Linux's PERCPU_DYNAMIC_RESERVE.
func Pcpu_alloc(size, align uintptr) uintptr {
	align = max(align, 8)
	off := (pcpu_dyn_next + align - 1) &^ (align - 1)
	for cpu := 0; cpu < NR_CPUS; cpu++ {
		if base := X__per_cpu_offset[cpu]; base != 0 {
			clear(Pcpu_unit(base)[off : off+size])
		}
	}
	pcpu_dyn_next = off + size
	return off
}

// Pcpu_dynamic_used: the bytes of the dynamic part handed out.
func Pcpu_dynamic_used() uintptr { return pcpu_dyn_next - PERCPU_STATIC_SIZE }

// Alloc_percpu reserves a T in every CPU's area, zeroed, cache-line
// aligned so that two CPUs' copies never share a line (Linux
// alloc_percpu(type); DEFINE_PER_CPU_SHARED_ALIGNED's alignment).
func Alloc_percpu[T any]() Ptr[T] {
	var t T
	return Ptr[T]{Pcpu_alloc(unsafe.Sizeof(t), max(unsafe.Alignof(t), SMP_CACHE_BYTES))}
}

// Per_cpu_ptr is cpu's copy of p (Linux per_cpu_ptr; per_cpu(var, cpu) is
// *Per_cpu_ptr(&var, cpu)).
//
//go:nosplit
func Per_cpu_ptr[T any](p Ptr[T], cpu int) *T {
	return (*T)(KernelPtr(X__per_cpu_offset[cpu] + p.off))
}

// This_cpu_ptr is this CPU's copy of p: the GS base (read through GS:0,
// this_cpu_off) plus p's offset (Linux this_cpu_ptr). The caller must not
// move to another CPU while it holds the pointer (interrupts off, or a
// task pinned to its CPU).
//
//go:nosplit
func This_cpu_ptr[T any](p Ptr[T]) *T { return (*T)(KernelPtr(this_cpu_off() + p.off)) }

// This_cpu_read and This_cpu_write read and write this CPU's copy of p
// (Linux this_cpu_read, this_cpu_write).
//
//go:nosplit
func This_cpu_read[T any](p Ptr[T]) T { return *This_cpu_ptr(p) }

//go:nosplit
func This_cpu_write[T any](p Ptr[T], v T) { *This_cpu_ptr(p) = v }

// This_cpu_add adds v to this CPU's copy of p in one GS-relative
// instruction, so that an interrupt on this CPU cannot split it (Linux
// this_cpu_add: `addq %1, %%gs:%0`). This_cpu_inc adds 1.
//
//go:nosplit
func This_cpu_add(p Ptr[uint64], v uint64) { this_cpu_add_8(p.off, v) }

//go:nosplit
func This_cpu_inc(p Ptr[uint64]) { this_cpu_add_8(p.off, 1) }

// Per_cpu_read reads cpu's copy of a counter another CPU updates, with a
// load the compiler cannot hoist out of a loop.
//
//go:nosplit
func Per_cpu_read(p Ptr[uint64], cpu int) uint64 { return atomic.LoadUint64(Per_cpu_ptr(p, cpu)) }
