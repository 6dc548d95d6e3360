package amd64

import (
	"gokern/arch/amd64/asm"
	"gokern/kernel/cpumask"
	"gokern/mm"
	"gokern/printk"
)

// Setup_per_cpu_areas gives every possible CPU its per-CPU area (Linux
// arch/x86/kernel/setup_percpu.c setup_per_cpu_areas with
// pcpu_embed_first_chunk, mm/percpu.c): one block of nr_cpu_ids units
// from the early allocator (memblock, or bootmem with earlymem=bootmem),
// __per_cpu_offset[cpu] the base of cpu's unit. The boot
// CPU's unit starts as a copy of the static first unit it has used since
// startup_64 (the stacks, irq counts and allocations made so far), and
// its GS base moves there; an AP's unit starts zeroed (Linux copies the
// .data..percpu template, whose Go counterpart is all zero), and
// do_boot_cpu fills its pcpu_hot. Called by start_kernel right after
// setup_arch, which found nr_cpu_ids, as Linux does.
func Setup_per_cpu_areas() {
	n := cpumask.Nr_cpu_ids
	area, ok := mm.Early_alloc_zeroed(uint64(n * asm.PERCPU_UNIT_SIZE))
	if !ok {
		// The boot CPU keeps the static unit and no AP can come up.
		printk.Pr_err("percpu: no memory for %d per-CPU areas of %d bytes: only the boot CPU runs\n", printk.Int(n), printk.Int(asm.PERCPU_UNIT_SIZE))
		cpumask.Nr_cpu_ids = 1
		return
	}
	first, used := asm.Pcpu_first_unit_base()
	base := uintptrOf(&area[0])
	flags := asm.Arch_local_irq_save()
	copy(asm.Pcpu_unit(base)[:used], asm.Pcpu_unit(first)[:used])
	for cpu := 0; cpu < n; cpu++ {
		asm.X__per_cpu_offset[cpu] = base + uintptr(cpu)*asm.PERCPU_UNIT_SIZE
		p := asm.Per_cpu_ptr(asm.Pcpu_hot, cpu)
		p.This_cpu_off = asm.X__per_cpu_offset[cpu]
		p.Cpu_number = cpu
	}
	asm.Load_gs_base(asm.X__per_cpu_offset[0])
	asm.Arch_local_irq_restore(flags)
	// smp_processor_id() works everywhere from here: the allocators take
	// their locks, and slab keeps an array per possible CPU.
	mm.Setup_smp(n)
	printk.Pr_info("setup_percpu: NR_CPUS:%d nr_cpumask_bits:%d nr_cpu_ids:%d nr_node_ids:1\n",
		printk.Int(asm.NR_CPUS), printk.Int(asm.NR_CPUS), printk.Int(n))
	printk.Pr_info("percpu: Embedded %d pages/cpu s%d r0 d%d u%d\n", printk.Int(asm.PERCPU_UNIT_SIZE/asm.PAGE_SIZE),
		printk.Int(asm.PERCPU_STATIC_SIZE), printk.Int(asm.PERCPU_UNIT_SIZE-asm.PERCPU_STATIC_SIZE), printk.Int(asm.PERCPU_UNIT_SIZE))
}
