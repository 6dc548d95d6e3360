/*
 * trampoline_64.S - where an application processor (AP) starts: real mode
 * at the first byte of a 4 KiB page below 1 MiB, up to long mode and the
 * kernel's secondary_startup_64 (arch/amd64/head_64.s).
 *
 * Linux: arch/x86/realmode/rm/trampoline_64.S (trampoline_start,
 *        startup_32, startup_64, tr_gdt, trampoline_header),
 *        arch/x86/realmode/init.c (setup_real_mode fills the header).
 * Seeds: 002 "Multi-core kernels" (the other cores wait until the boot
 *        CPU wakes them); 000 "protected_mode_jump()" and "startup_32()"
 *        (the same climb the boot CPU made, in one page).
 * Manual: Intel SDM Vol. 3A §9.9.1 "Switching to Protected Mode",
 *        §9.8.5 "Initializing IA-32e Mode", §11.4.4 "MP Initialization
 *        Example" (STARTUP IPI: CS = vector << 8, IP = 0, real mode).
 *
 * The kernel copies this page (objcopy'd to binary, built into the kernel
 * as rmpiggy) to the page reserve_real_mode set aside, fills
 * trampoline_header, and sends the AP a STARTUP IPI whose vector is the
 * page number. Linked at 0 and run at any page: the code finds its own
 * linear address from CS and keeps it in %ebx; data are reached as
 * offsets from it (in real mode DS = CS does that).
 *
 * tr_status records how far the AP came (1: real mode, 2: protected
 * mode, 3: long mode), so that the boot CPU can tell a CPU that never
 * started from one stuck on the way.
 */
	.include "generated/consts.inc"

	.set	TR_CS32, 0x08		/* tr_gdt's selectors */
	.set	TR_DS,	 0x10
	.set	TR_CS64, 0x18

	.text
	.code16
	.globl	trampoline_start
	.type	trampoline_start, @function
trampoline_start:
	cli
	wbinvd				/* as Linux: caches clean before the mode switch */
	movw	%cs, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movl	$1, tr_status

	xorl	%ebx, %ebx		/* %ebx = this page's linear address */
	movw	%cs, %bx
	shll	$4, %ebx

	/* lgdt and the far jumps take linear addresses: make them. */
	leal	tr_gdt(%ebx), %eax
	movl	%eax, tr_gdt_desc + 2
	leal	startup_32(%ebx), %eax
	movl	%eax, startup_32_vector
	leal	startup_64(%ebx), %eax
	movl	%eax, startup_64_vector

	lidtl	tr_idt			/* a null IDT: an exception shuts down */
	lgdtl	tr_gdt_desc

	/* CR0.PE, then a far jump to load CS (SDM Vol. 3A §9.9.1). */
	movl	%cr0, %eax
	orl	$X86_CR0_PE, %eax
	movl	%eax, %cr0
	ljmpl	*startup_32_vector

	.code32
	.balign	4
startup_32:
	movl	$TR_DS, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	%eax, %fs
	movl	%eax, %gs
	movl	$2, tr_status(%ebx)

	/* IA-32e mode (SDM Vol. 3A §9.8.5): CR4.PAE (the boot CPU's CR4),
	 * CR3 = the trampoline PGD, EFER.LME (the boot CPU's EFER, with NXE:
	 * the kernel's page tables use XD), then CR0.PG. */
	movl	tr_cr4(%ebx), %eax
	movl	%eax, %cr4
	movl	tr_cr3(%ebx), %eax
	movl	%eax, %cr3
	movl	$MSR_EFER, %ecx
	movl	tr_efer(%ebx), %eax
	movl	tr_efer + 4(%ebx), %edx
	wrmsr
	movl	$(X86_CR0_PG | X86_CR0_WP | X86_CR0_NE | X86_CR0_ET | X86_CR0_MP | X86_CR0_PE), %eax
	movl	%eax, %cr0

	/* Compatibility mode until CS is a 64-bit segment. */
	ljmpl	*startup_64_vector(%ebx)

	.code64
	.balign	4
startup_64:
	movl	%ebx, %ebx		/* the upper half is undefined after the switch */
	movl	$3, tr_status(%rbx)
	/* The kernel's secondary_startup_64, at its virtual address: the
	 * trampoline PGD maps the kernel's half too. */
	movq	tr_start(%rbx), %rax
	jmpq	*%rax
	.size	trampoline_start, . - trampoline_start

/*
 * trampoline_header: filled by the kernel (realmode.Setup_real_mode)
 * before each wake-up. Linux struct trampoline_header. Data and code
 * share the page and one section: in real mode nothing is protected, and
 * the code writes its own far pointers.
 */
	.balign	8
	.globl	trampoline_header
	.type	trampoline_header, @object
trampoline_header:
	.globl	tr_start, tr_efer, tr_cr4, tr_cr3, tr_status
tr_start:	.quad	0	/* secondary_startup_64's virtual address */
tr_efer:	.quad	0	/* EFER, without LMA (the CPU sets it) */
tr_cr4:		.long	0	/* CR4, without PCIDE (only valid in IA-32e mode) */
tr_cr3:		.long	0	/* the trampoline PGD, below 4 GiB */
tr_status:	.long	0	/* how far the AP came: 1, 2, 3 */
	.size	trampoline_header, . - trampoline_header

	.balign	8
tr_gdt:
	.quad	0
	.quad	0x00cf9b000000ffff	/* TR_CS32: code, base 0, 4 GiB, D=1 */
	.quad	0x00cf93000000ffff	/* TR_DS: data, base 0, 4 GiB */
	.quad	0x00af9b000000ffff	/* TR_CS64: code, L=1 (SDM Vol. 3A §3.4.5) */
tr_gdt_end:
tr_gdt_desc:
	.word	tr_gdt_end - tr_gdt - 1
	.long	0			/* linear base, made at run time */
tr_idt:
	.word	0
	.long	0
startup_32_vector:			/* ptr16:32 for ljmpl */
	.long	0
	.word	TR_CS32
startup_64_vector:
	.long	0
	.word	TR_CS64
	.globl	trampoline_end
trampoline_end:
