package amd64

import (
	"unsafe"

	"gokern/kallsyms"
)

// The kernel GDT and TSS, Linux arch/x86/kernel/cpu/common.c (gdt_page,
// cpu_init_exception_handling) and head64.c (startup_64_setup_gdt_idt).

var (
	// Gdt_page is the GDT (Linux per-CPU gdt_page; one CPU for now).
	Gdt_page   [GDT_ENTRIES]SegDesc
	gdt_descr  DescPtr
	Cpu_tss_rw Tss
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
	Gdt_page[GDT_ENTRY_KERNEL32_CS] = DESC_KERNEL32_CS
	Gdt_page[GDT_ENTRY_KERNEL_CS] = DESC_KERNEL_CS
	Gdt_page[GDT_ENTRY_KERNEL_DS] = DESC_KERNEL_DS

	init_g(&exc_g, uintptrOf(&exception_stack[0]), EXCEPTION_STACK_SIZE)
	kallsyms.Current_g_slot = &tls_block[0]
	Cpu_tss_rw.Set_ist(IST_EXCEPTION, uintptrOf(&exception_stack[0])+EXCEPTION_STACK_SIZE)
	Cpu_tss_rw.Set_io_bitmap_base(TSS_SIZE)
	tss := Mk_tss_desc(uintptrOf(&Cpu_tss_rw), TSS_SIZE-1)
	Gdt_page[GDT_ENTRY_TSS] = SegDesc(tss[0])
	Gdt_page[GDT_ENTRY_TSS+1] = SegDesc(tss[1])

	gdt_descr.Set(uintptrOf(&Gdt_page[0]), uint16(GDT_ENTRIES*8-1))
	Load_gdt(&gdt_descr)
	Load_segments(X__KERNEL_CS, X__KERNEL_DS)
	Load_tr(X__TSS)

	idt_setup_early_handler()
}
