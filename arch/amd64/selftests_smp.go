package amd64

import (
	"gokern/arch/amd64/apic"
	"gokern/arch/amd64/asm"
	"gokern/arch/amd64/realmode"
	"gokern/arch/amd64/tsc"
	"gokern/kernel/cpumask"
	"gokern/kunit"
	"gokern/printk"
)

// Test_smp_cpus checks what smp_init left behind, from the state each AP
// wrote itself: as many CPUs online as present and allowed (maxcpus=,
// nosmp), each AP with the APIC ID the tables gave it (read from its own
// local APIC), its own GS base pointing at its own per-CPU data, through
// which it read its own CPU number, its own GDT with its own TSS, whose
// RSP0 and IST slots are inside its own stacks, its g current in its own
// TLS block, and in its idle loop.
func Test_smp_cpus(t *kunit.Kunit) {
	want := min(cpumask.Num_present_cpus(), max(Setup_max_cpus, 1))
	if got := cpumask.Num_online_cpus(); got != want {
		t.Errorf("%d CPUs online (mask %#x), want %d: present %#x, maxcpus %d",
			printk.Int(got), printk.Int(cpumask.Cpu_online_mask.Bits()), printk.Int(want),
			printk.Int(cpumask.Cpu_present_mask.Bits()), printk.Int(Setup_max_cpus))
	}
	if !cpumask.Cpu_online(0) || asm.Smp_processor_id() != 0 {
		t.Errorf("the boot CPU is not CPU 0 online (smp_processor_id %d)", printk.Int(asm.Smp_processor_id()))
	}
	if want > 1 {
		if pa := realmode.Real_mode_header; pa == 0 || pa >= 1<<20 || pa%asm.PAGE_SIZE != 0 {
			t.Errorf("trampoline page %#x: not a page below 1 MiB", printk.Int(pa))
		}
		if s := realmode.Tr_status_read(); s != 3 {
			t.Errorf("trampoline status %d: the last AP did not report reaching long mode", printk.Int(s))
		}
	}
	for cpu := 1; cpu < asm.NR_CPUS; cpu++ {
		if !cpumask.Cpu_online(cpu) {
			continue
		}
		p := &Pcpu_hot[cpu]
		if Cpu_callin_apicid[cpu] != apic.X86_cpu_to_apicid[cpu] {
			t.Errorf("CPU %d: APIC ID %#x, the tables say %#x", printk.Int(cpu), printk.Int(Cpu_callin_apicid[cpu]), printk.Int(apic.X86_cpu_to_apicid[cpu]))
		}
		if Cpu_callin_gs_base[cpu] != uintptrOf(p) || Cpu_callin_id[cpu] != cpu || p.This_cpu_off != uintptrOf(p) {
			t.Errorf("CPU %d: GS base %#x (per-CPU data at %#x), smp_processor_id() %d", printk.Int(cpu),
				printk.Int(Cpu_callin_gs_base[cpu]), printk.Int(uintptrOf(p)), printk.Int(Cpu_callin_id[cpu]))
		}
		tss := &Cpu_tss_rw[cpu]
		if tss.Sp0() != uint64(p.Top_of_stack) || p.Top_of_stack != Cpu_stacks[cpu]+AP_STACKS_SIZE {
			t.Errorf("CPU %d: TSS RSP0 %#x, top of stack %#x, stacks at %#x", printk.Int(cpu), printk.Int(tss.Sp0()),
				printk.Int(p.Top_of_stack), printk.Int(Cpu_stacks[cpu]))
		}
		for e := 0; e < asm.N_EXCEPTION_STACKS; e++ {
			s := &p.Stacks[asm.STACK_TYPE_EXCEPTION+e]
			if tss.Ist(e+1) != uint64(s.End) || s.Begin < Cpu_stacks[cpu] || s.End > Cpu_stacks[cpu]+AP_STACKS_SIZE {
				t.Errorf("CPU %d: IST%d %#x, its stack [%#x, %#x)", printk.Int(cpu), printk.Int(e+1), printk.Int(tss.Ist(e+1)), printk.Int(s.Begin), printk.Int(s.End))
			}
		}
		gdt := Get_cpu_gdt_rw(cpu)
		if base := (asm.LdttssDesc{uint64(gdt[asm.GDT_ENTRY_TSS]), uint64(gdt[asm.GDT_ENTRY_TSS+1])}).Base(); base != uint64(uintptrOf(tss)) {
			t.Errorf("CPU %d: its GDT's TSS descriptor has base %#x, want its TSS %#x", printk.Int(cpu), printk.Int(base), printk.Int(uintptrOf(tss)))
		}
		if cpu_tls[cpu][0] != uintptrOf(&ap_g[cpu].task) {
			t.Errorf("CPU %d: TLS slot %#x, want its task g %#x", printk.Int(cpu), printk.Int(cpu_tls[cpu][0]), printk.Int(uintptrOf(&ap_g[cpu].task)))
		}
		deadline := asm.Rdtsc() + 1000*tsc.Tsc_khz
		for !Cpu_idle[cpu] && asm.Rdtsc() < deadline {
			asm.Cpu_relax()
		}
		if !Cpu_idle[cpu] {
			t.Errorf("CPU %d: online but not in its idle loop after 1 s", printk.Int(cpu))
		}
	}
}
