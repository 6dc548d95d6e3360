#include "textflag.h"
#include "go_asm.h"

// arch/amd64/head_64.s — the kernel's first instructions.
//
// Linux: arch/x86/kernel/head_64.S (startup_64, early_idt_handler_array,
// early_idt_handler_common) and head64.c (__startup_64's page tables).
// Seeds: 000 "startup_32() #secondary" and "Provisional Kernel Page
// Tables", 003 "After kernel decompression".
//
// The boot stage (boot/compressed/head_64.S) jumps here at the PHYSICAL
// address of startup_64 (16 MiB + ...), in 64-bit mode with its identity
// map of 0-4 GiB, RSI = &boot_params and RDX = the TSC at startup_32. The
// kernel is linked at __START_KERNEL_map + 16 MiB, so until the page
// tables below are in CR3 only RIP-relative addressing is correct: Go
// assembles `LEAQ sym(SB)` and `MOVQ sym(SB)` RIP-relative, and absolute
// (link-time) addresses are read from DATA words (startup_64_va, ...).

// Every number below that has an owner comes from go_asm.h: const_NAME
// is the constant NAME of this package, and asm_offsets.go defines each
// as a reference to its owner (X__START_KERNEL_map = asm.X__START_KERNEL_map,
// KERNPG_TABLE = paging.KERNPG_TABLE, ...), so it is written once.

// The early page tables (Linux early_top_pgt, level3_kernel_pgt,
// level2_kernel_pgt, an identity map and an early direct map): 11 pages in early_pgt_buf,
// page-aligned at run time because the Go linker aligns data to at most
// 32 bytes.
//   page 0: early_top_pgt (PGD)
//   page 1: PUD of the identity map, pages 2-5: its 4 PMDs (0-4 GiB)
//   page 6: PUD of __START_KERNEL_map (PGD slot 511)
//   page 7: PMD of the kernel image (PUD slot 510)
//   page 8: PTEs of the first 2 MiB, so that page 0 stays unmapped and a
//           nil pointer dereference faults (DESIGN.md §3)
//   page 9: PUD of the early direct map at PAGE_OFFSET (PGD slot 273),
//   page 10: its first PMD: like the identity one, but with a 2 MiB page
//           at 0, so __va(0x40e) (the BIOS data area) can be read
// The early direct map aliases 0-4 GiB at PAGE_OFFSET, so Go code reaches
// physical memory through __va from the start (Linux builds such entries
// on demand in early_make_pgtable); init_mem_mapping replaces all of it.
#define PGT_PGD		0
#define PGT_ID_PUD	(1*const_PAGE_SIZE)
#define PGT_ID_PMD	(2*const_PAGE_SIZE)
#define PGT_K_PUD	(6*const_PAGE_SIZE)
#define PGT_K_PMD	(7*const_PAGE_SIZE)
#define PGT_ID_PTE	(8*const_PAGE_SIZE)
#define PGT_DM_PUD	(9*const_PAGE_SIZE)
#define PGT_DM_PMD0	(10*const_PAGE_SIZE)
#define PGT_PAGES	11

// SETUP_CR0_CR4(cr4): what every CPU sets before Go code runs. SSE on:
// Go's ABI wrappers zero X15 with XORPS (DESIGN.md §6; SDM Vol. 3A §14.1.3
// "Initialization of the SSE Extensions"). And CR0.WP, so that ring 0
// honours read-only pages too: without it the kernel could write its own
// text and rodata whatever the page tables say (SDM Vol. 3A §4.6.1;
// Linux's CR0_STATE has WP). cr4: further CR4 bits to set.
#define SETUP_CR0_CR4(cr4) \
	MOVQ	CR0, AX; \
	ANDQ	$~const_X86_CR0_EM, AX; \
	ORQ	$(const_X86_CR0_MP|const_X86_CR0_WP), AX; \
	MOVQ	AX, CR0; \
	MOVQ	CR4, AX; \
	ORQ	$(const_X86_CR4_OSFXSR|const_X86_CR4_OSXMMEXCPT|(cr4)), AX; \
	MOVQ	AX, CR4

// SETUP_G_TLS: the CPU's static g in BX, its TLS block in AX. The g goes
// in the block's slot and the FS base just past it, so that FS:-8 reads
// the g as the Go ABI wrappers expect (g.go), and R14, Go's g register,
// holds it. Clobbers AX, CX, DX.
#define SETUP_G_TLS \
	MOVQ	BX, (AX); \
	ADDQ	$8, AX; \
	MOVQ	AX, DX; \
	SHRQ	$32, DX; \
	MOVL	$const_MSR_FS_BASE, CX; \
	WRMSR; \
	MOVQ	BX, R14

TEXT ·startup_64(SB),NOSPLIT|NOFRAME,$0
	CLI
	CLD
	// Keep the boot stage's arguments; nothing below clobbers these two
	// registers until they are stored.
	MOVQ	SI, R12			// &boot_params (physical)
	MOVQ	DX, R13			// TSC at startup_32

	// Are we where we were linked? gokern is not relocatable (Linux
	// computes a load delta and fixes its tables; gokern only checks it):
	// virtual startup_64 - physical startup_64 must be __START_KERNEL_map.
	LEAQ	·startup_64(SB), AX		// run-time (physical) address
	MOVQ	·startup_64_va(SB), BX		// link-time (virtual) address
	SUBQ	AX, BX
	MOVQ	$const_X__START_KERNEL_map, CX
	CMPQ	BX, CX
	JEQ	delta_ok
	MOVQ	$const_DEBUG_EXIT_PORT, DX	// wrong load address: fail
	INB
	TESTB	AL, AL
	JNE	halt
	MOVB	$const_DEBUG_EXIT_FAILURE, AL
	OUTB
halt:
	HLT
	JMP	halt

delta_ok:
	XORQ	BP, BP			// the frame-pointer chain ends here
	MOVQ	R12, ·boot_params_phys(SB)
	MOVQ	R13, ·tsc_startup_32(SB)

	// R15 = physical address of the page-aligned table area
	LEAQ	·early_pgt_buf(SB), R15
	ADDQ	$(const_PAGE_SIZE-1), R15
	ANDQ	$~(const_PAGE_SIZE-1), R15
	MOVQ	R15, DI
	XORQ	AX, AX
	MOVQ	$(PGT_PAGES*const_PAGE_SIZE/8), CX
	REP;	STOSQ

	// PGD[0] → identity PUD; PGD[511] → kernel PUD
	LEAQ	(PGT_ID_PUD+const_KERNPG_TABLE)(R15), AX
	MOVQ	AX, (PGT_PGD+0*8)(R15)
	LEAQ	(PGT_K_PUD+const_KERNPG_TABLE)(R15), AX
	MOVQ	AX, (PGT_PGD+511*8)(R15)

	// identity PUD[0..3] → the four identity PMDs
	LEAQ	(PGT_ID_PMD+const_KERNPG_TABLE)(R15), AX
	LEAQ	PGT_ID_PUD(R15), DI
	MOVQ	$4, CX
id_pud:
	MOVQ	AX, (DI)
	ADDQ	$const_PAGE_SIZE, AX
	ADDQ	$8, DI
	DECQ	CX
	JNZ	id_pud

	// 2048 identity PMD entries: 0-4 GiB in 2 MiB pages
	MOVQ	$const_IDENT_LARGE, AX
	LEAQ	PGT_ID_PMD(R15), DI
	MOVQ	$(4*const_PTRS_PER_PMD), CX
id_pmd:
	MOVQ	AX, (DI)
	ADDQ	$const_PMD_SIZE, AX
	ADDQ	$8, DI
	DECQ	CX
	JNZ	id_pmd

	// The first 2 MiB in 4 KiB pages, all but page 0.
	LEAQ	(PGT_ID_PTE+const_KERNPG_TABLE)(R15), AX
	MOVQ	AX, PGT_ID_PMD(R15)
	MOVQ	$(const_PAGE_SIZE+const_KERNPG_TABLE), AX
	LEAQ	(PGT_ID_PTE+8)(R15), DI
	MOVQ	$(const_PTRS_PER_PMD-1), CX
id_pte:
	MOVQ	AX, (DI)
	ADDQ	$const_PAGE_SIZE, AX
	ADDQ	$8, DI
	DECQ	CX
	JNZ	id_pte

	// The early direct map: PGD[273] → its PUD; PUD[0] → PMD0 (2 MiB
	// pages from 0), PUD[1..3] → the identity PMDs of 1-4 GiB.
	LEAQ	(PGT_DM_PUD+const_KERNPG_TABLE)(R15), AX
	MOVQ	AX, (PGT_PGD+const_PGD_PAGE_OFFSET*8)(R15)
	LEAQ	(PGT_DM_PMD0+const_KERNPG_TABLE)(R15), AX
	MOVQ	AX, PGT_DM_PUD(R15)
	MOVQ	(PGT_ID_PUD+8)(R15), AX
	MOVQ	AX, (PGT_DM_PUD+8)(R15)
	MOVQ	(PGT_ID_PUD+16)(R15), AX
	MOVQ	AX, (PGT_DM_PUD+16)(R15)
	MOVQ	(PGT_ID_PUD+24)(R15), AX
	MOVQ	AX, (PGT_DM_PUD+24)(R15)
	MOVQ	$const_IDENT_LARGE, AX
	LEAQ	PGT_DM_PMD0(R15), DI
	MOVQ	$const_PTRS_PER_PMD, CX
dm_pmd:
	MOVQ	AX, (DI)
	ADDQ	$const_PMD_SIZE, AX
	ADDQ	$8, DI
	DECQ	CX
	JNZ	dm_pmd

	// kernel PUD[510] → kernel PMD: 0xffffffff80000000 is PGD 511, PUD 510
	LEAQ	(PGT_K_PMD+const_KERNPG_TABLE)(R15), AX
	MOVQ	AX, (PGT_K_PUD+510*8)(R15)

	// Map the kernel's own extent, _text (16 MiB) up to _end rounded up to
	// 2 MiB, and nothing else: PMD[i] = i*2MiB for i in [8, idx(_end)).
	MOVQ	·kernel_end_va(SB), CX
	MOVQ	$const_X__START_KERNEL_map, DX
	SUBQ	DX, CX
	ADDQ	$(const_PMD_SIZE-1), CX
	SHRQ	$const_PMD_SHIFT, CX			// CX = first PMD index past _end
	MOVQ	$(const_LOAD_PHYSICAL_ADDR>>const_PMD_SHIFT), BX
k_pmd:
	CMPQ	BX, CX
	JAE	k_pmd_done
	MOVQ	BX, AX
	SHLQ	$const_PMD_SHIFT, AX
	ORQ	$const_PAGE_KERNEL_LARGE_EXEC, AX
	MOVQ	AX, PGT_K_PMD(R15)(BX*8)
	INCQ	BX
	JMP	k_pmd
k_pmd_done:
	MOVQ	R15, ·early_top_pgt_phys(SB)

	// Global pages on (the kernel mapping is G), then switch tables.
	MOVQ	CR4, AX
	ORQ	$const_X86_CR4_PGE, AX
	MOVQ	AX, CR4
	MOVQ	R15, CR3

	// Continue at the link-time (high) address.
	MOVQ	·startup_64_high_va(SB), AX
	JMP	AX

// startup_64_high runs at the kernel's virtual address. It is the bottom
// of the boot stack: nothing called it, so debuggers must not look for a
// caller above it (the build marks its unwind information outermost).
// UNWIND_HINT_END_OF_STACK
TEXT ·startup_64_high(SB),NOSPLIT|NOFRAME,$0
	// SP = the top of the boot stack: the last stack of boot_cpu_stacks,
	// whose layout starts at its first page boundary (stacks.go).
	LEAQ	·boot_cpu_stacks(SB), SP
	ADDQ	$(const_PAGE_SIZE-1), SP
	ANDQ	$~(const_PAGE_SIZE-1), SP
	ADDQ	$const_STACKS_SIZE, SP

	// SSE and CR0.WP.
	SETUP_CR0_CR4(0)

	// The static g of the boot stack (g.go), and the TLS slot.
	LEAQ	·boot_g(SB), BX
	MOVQ	SP, AX
	SUBQ	$const_BOOT_STACK_SIZE, AX
	MOVQ	AX, gStatic_stack_lo(BX)
	MOVQ	SP, gStatic_stack_hi(BX)
	ADDQ	$const_STACK_GUARD, AX
	MOVQ	AX, gStatic_stackguard0(BX)
	MOVQ	AX, gStatic_stackguard1(BX)
	LEAQ	·tls_block(SB), AX
	SETUP_G_TLS

	// From here on Go code can run. The per-CPU data (GS), the GDT, a
	// TSS with the #DF stack, and the early IDT come first, so that no
	// later fault can triple-fault silently (Linux:
	// startup_64_setup_gdt_idt).
	CALL	·startup_64_setup_gdt_idt(SB)
	CALL	·startup_64_report(SB)

	// x86_64_start_kernel(real_mode_data, tsc) never returns.
	SUBQ	$16, SP
	MOVQ	·boot_params_phys(SB), AX
	MOVQ	AX, 0(SP)
	MOVQ	·tsc_startup_32(SB), AX
	MOVQ	AX, 8(SP)
	CALL	·x86_64_start_kernel(SB)
	ADDQ	$16, SP
stop:
	CLI
	HLT
	JMP	stop

DATA ·startup_64_va+0(SB)/8, $·startup_64(SB)
GLOBL ·startup_64_va(SB), NOPTR|RODATA, $8
DATA ·startup_64_high_va+0(SB)/8, $·startup_64_high(SB)
GLOBL ·startup_64_high_va(SB), NOPTR|RODATA, $8
// _end of the kernel image: the Go linker's runtime.end.
DATA ·kernel_end_va+0(SB)/8, $runtime·end(SB)
GLOBL ·kernel_end_va(SB), NOPTR|RODATA, $8

// early_idt_handler_common: the stubs below pushed an error code (the
// CPU's, or 0) and the vector. Save all registers as a PtRegs, switch to
// the #DF stack's g, and call do_early_exception(regs), which prints and
// stops. Linux: head_64.S early_idt_handler_common. The CPU already
// switched to the IST1 stack, the #DF stack (SDM Vol. 3A §6.14.5).
TEXT ·early_idt_handler_common(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	DI
	PUSHQ	SI
	PUSHQ	DX
	PUSHQ	CX
	PUSHQ	AX
	PUSHQ	R8
	PUSHQ	R9
	PUSHQ	R10
	PUSHQ	R11
	PUSHQ	BX
	PUSHQ	BP
	PUSHQ	R12
	PUSHQ	R13
	PUSHQ	R14
	PUSHQ	R15
	MOVQ	SP, BX			// BX = *PtRegs
	CLD
	LEAQ	·estack_g(SB), R14	// estack_g[ESTACK_DF]
	LEAQ	·tls_block(SB), AX
	MOVQ	R14, (AX)
	SUBQ	$8, SP
	MOVQ	BX, 0(SP)
	CALL	·do_early_exception(SB)
	ADDQ	$8, SP
	// do_early_exception does not return; if it did, stop here.
	CLI
	HLT
	JMP	-2(PC)

// The 32 stubs that push the vector and jump here, and
// early_idt_handler_array, are generated: early_idt_handler_array.s
// (go generate, cmd/vectors).

// secondary_startup_64: where an application processor enters the kernel,
// in long mode, from the trampoline (arch/amd64/realmode/trampoline_64.S)
// at this virtual address, on the trampoline's PGD, with interrupts off
// and no stack. Linux: head_64.S secondary_startup_64 (which also reads
// initial_stack and initial_gs, set by do_boot_cpu for one CPU at a
// time). do_boot_cpu (smpboot.go) filled smpboot_control for this CPU:
// the kernel's PGD, the top of the CPU's task stack, its g and TLS block.
// UNWIND_HINT_END_OF_STACK
TEXT ·secondary_startup_64(SB),NOSPLIT|NOFRAME,$0
	// The kernel's page tables (the trampoline's map the kernel's half
	// only, and an identity page this CPU has left).
	MOVQ	·smpboot_control+smpboot_ctl_cr3(SB), AX
	MOVQ	AX, CR3
	MOVQ	·smpboot_control+smpboot_ctl_stack(SB), SP
	// go vet's framepointer check reads a write to BP before any jump as
	// a clobbered caller frame; this entry has no caller.
	JMP	secondary_frame
secondary_frame:
	XORQ	BP, BP			// the frame-pointer chain ends here

	// SSE and CR0.WP as startup_64_high does for the boot CPU (the
	// trampoline copied the boot CPU's CR4, which has OSFXSR already).
	SETUP_CR0_CR4(const_X86_CR4_PGE)

	// This CPU's g and TLS block: FS:-8 reads the g (g.go).
	MOVQ	·smpboot_control+smpboot_ctl_g(SB), BX
	MOVQ	·smpboot_control+smpboot_ctl_tls(SB), AX
	SETUP_G_TLS

	CALL	·start_secondary(SB)
secondary_stop:
	CLI
	HLT
	JMP	secondary_stop

DATA ·secondary_startup_64_va+0(SB)/8, $·secondary_startup_64(SB)
GLOBL ·secondary_startup_64_va(SB), NOPTR|RODATA, $8
