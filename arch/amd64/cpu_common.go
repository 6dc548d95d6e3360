package amd64

import (
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/kallsyms"
	"gokern/traps"
)

// The kernel GDT and TSS, Linux arch/x86/kernel/cpu/common.c (gdt_page,
// cpu_init_exception_handling) and head64.c (startup_64_setup_gdt_idt).

var (
	// Gdt_page is the GDT (Linux per-CPU gdt_page; one CPU for now).
	Gdt_page   [asm.GDT_ENTRIES]asm.DescStruct
	gdt_descr  asm.DescPtr
	Cpu_tss_rw asm.X86HwTss
)

func uintptrOf[T any](p *T) uintptr { return uintptr(unsafe.Pointer(p)) }

// startup_64_setup_gdt_idt is the first Go code that runs, called from
// startup_64 (head_64.s) on the boot stack. It loads the final GDT with a
// TSS whose IST1 is the exception stack, reloads the segment registers,
// and loads the early IDT. Linux: head64.c startup_64_setup_gdt_idt (GDT and
// early IDT) and cpu_init_exception_handling (TSS, IST).
//
//go:nosplit
func startup_64_setup_gdt_idt() {
	Gdt_page[asm.GDT_ENTRY_KERNEL32_CS] = asm.DESC_KERNEL32_CS
	Gdt_page[asm.GDT_ENTRY_KERNEL_CS] = asm.DESC_KERNEL_CS
	Gdt_page[asm.GDT_ENTRY_KERNEL_DS] = asm.DESC_KERNEL_DS

	initG(&exc_g, uintptrOf(&exception_stack[0]), EXCEPTION_STACK_SIZE)
	kallsyms.CurrentGSlot = &tls_block[0]
	// The stacks an oops may walk.
	traps.AddStack(uintptrOf(&boot_stack[0]), uintptrOf(&boot_stack[0])+BOOT_STACK_SIZE)
	traps.AddStack(uintptrOf(&exception_stack[0]), uintptrOf(&exception_stack[0])+EXCEPTION_STACK_SIZE)
	Cpu_tss_rw.Set_ist(asm.IST_EXCEPTION, uintptrOf(&exception_stack[0])+EXCEPTION_STACK_SIZE)
	Cpu_tss_rw.Set_io_bitmap_base(asm.TSS_SIZE)
	var tss asm.LdttssDesc
	asm.Set_tssldt_descriptor(&tss, uintptrOf(&Cpu_tss_rw), asm.DESC_TSS, asm.TSS_SIZE-1)
	Gdt_page[asm.GDT_ENTRY_TSS] = asm.DescStruct(tss[0])
	Gdt_page[asm.GDT_ENTRY_TSS+1] = asm.DescStruct(tss[1])

	gdt_descr.Set(uintptrOf(&Gdt_page[0]), uint16(asm.GDT_ENTRIES*8-1))
	asm.Load_gdt(&gdt_descr)
	asm.LoadSegments(asm.X__KERNEL_CS, asm.X__KERNEL_DS)
	asm.Load_tr(asm.X__TSS)

	idt_setup_early_handler()
}
