// Package cpumask is gokern's include/linux/cpumask.h and the masks of
// kernel/cpu.c: which CPUs could ever run (possible), which the firmware
// says are there (present), and which are running the kernel now
// (online). Seeds: 002 "Multi-core kernels" (the boot CPU runs
// start_kernel while the other cores wait).
//
// A mask is one machine word, a bit per CPU number: NR_CPUS is at most 64
// (asm.NR_CPUS). Every change is one atomic read-modify-write (LOCK OR,
// LOCK AND: Go's sync/atomic), since CPUs set their own online bit while
// the boot CPU reads the mask (Linux's set_bit is LOCK BTS).
package cpumask

import (
	"math/bits"
	"sync/atomic"

	"gokern/arch/amd64/asm"
)

// NR_CPUS must fit in the mask's word.
const _ = uint(64 - asm.NR_CPUS)

// Cpumask is a set of CPU numbers (Linux struct cpumask).
type Cpumask struct{ bits atomic.Uint64 }

var (
	// Nr_cpu_ids: CPU numbers are below it (Linux nr_cpu_ids: NR_CPUS
	// until prefill_possible_map sets the number of possible CPUs).
	Nr_cpu_ids = asm.NR_CPUS

	// The masks of kernel/cpu.c: __cpu_possible_mask, __cpu_present_mask,
	// __cpu_online_mask.
	Cpu_possible_mask, Cpu_present_mask, Cpu_online_mask Cpumask
)

// Set and Clear change one CPU's bit (Linux cpumask_set_cpu,
// cpumask_clear_cpu).
//
//go:nosplit
func (m *Cpumask) Set(cpu int) { m.bits.Or(1 << uint(cpu)) }

//go:nosplit
func (m *Cpumask) Clear(cpu int) { m.bits.And(^(uint64(1) << uint(cpu))) }

// Test reports whether cpu is in m (Linux cpumask_test_cpu).
//
//go:nosplit
func (m *Cpumask) Test(cpu int) bool {
	return cpu >= 0 && cpu < asm.NR_CPUS && m.bits.Load()&(1<<uint(cpu)) != 0
}

// Weight counts the CPUs in m (Linux cpumask_weight).
//
//go:nosplit
func (m *Cpumask) Weight() int { return bits.OnesCount64(m.bits.Load()) }

// Bits is m as a word, bit n for CPU n (for printing: Linux's %*pb).
//
//go:nosplit
func (m *Cpumask) Bits() uint64 { return m.bits.Load() }

// Store sets m to exactly the CPUs of w.
//
//go:nosplit
func (m *Cpumask) Store(w uint64) { m.bits.Store(w) }

// Next returns the first CPU in m above n, or Nr_cpu_ids (Linux
// cpumask_next; for cpu := m.Next(-1); cpu < Nr_cpu_ids; cpu = m.Next(cpu)
// is for_each_cpu).
//
//go:nosplit
func (m *Cpumask) Next(n int) int {
	w := m.bits.Load()
	if n+1 >= 64 {
		return Nr_cpu_ids
	}
	w &^= (uint64(1) << uint(n+1)) - 1
	if w == 0 {
		return Nr_cpu_ids
	}
	if c := bits.TrailingZeros64(w); c < Nr_cpu_ids {
		return c
	}
	return Nr_cpu_ids
}

// Set_cpu_possible, Set_cpu_present and Set_cpu_online change one CPU's
// state (Linux set_cpu_possible, set_cpu_present, set_cpu_online).
func Set_cpu_possible(cpu int, on bool) { set(&Cpu_possible_mask, cpu, on) }
func Set_cpu_present(cpu int, on bool)  { set(&Cpu_present_mask, cpu, on) }

//go:nosplit
func Set_cpu_online(cpu int, on bool) { set(&Cpu_online_mask, cpu, on) }

//go:nosplit
func set(m *Cpumask, cpu int, on bool) {
	if on {
		m.Set(cpu)
	} else {
		m.Clear(cpu)
	}
}

// Cpu_online, Cpu_present and Cpu_possible test one CPU (Linux
// cpu_online, cpu_present, cpu_possible).
//
//go:nosplit
func Cpu_online(cpu int) bool   { return Cpu_online_mask.Test(cpu) }
func Cpu_present(cpu int) bool  { return Cpu_present_mask.Test(cpu) }
func Cpu_possible(cpu int) bool { return Cpu_possible_mask.Test(cpu) }

// Num_online_cpus, Num_present_cpus, Num_possible_cpus count them (Linux
// num_online_cpus, ...).
//
//go:nosplit
func Num_online_cpus() int   { return Cpu_online_mask.Weight() }
func Num_present_cpus() int  { return Cpu_present_mask.Weight() }
func Num_possible_cpus() int { return Cpu_possible_mask.Weight() }

// Reset empties all three masks and gives back NR_CPUS CPU numbers (for
// the host tests).
func Reset() {
	Cpu_possible_mask.Store(0)
	Cpu_present_mask.Store(0)
	Cpu_online_mask.Store(0)
	Nr_cpu_ids = asm.NR_CPUS
}
