/*
 * boot/compressed/head_64.S — the protected-mode payload: startup_32 and
 * startup_64 of the boot stage.
 *
 * Linux: arch/x86/boot/compressed/head_64.S (startup_32, startup_64),
 *        arch/x86/kernel/verify_cpu.S (verify_cpu).
 * Seeds: 000 "startup_32() #primary" and "Provisional Kernel Page Tables"; 003 "startup_32",
 *        "startup_64" and the early page-table walk-through.
 *
 * The loader puts this code at code32_start (1 MiB) and jumps to startup_32
 * in 32-bit protected mode, paging off, with ESI = &boot_params. It gets
 * to long mode in the steps the seeds list:
 *   1. find out where it runs (call/pop), load its own GDT and segments,
 *   2. check the CPU again (GRUB's `linux` command enters here directly,
 *      without the real-mode setup's validate_cpu),
 *   3. build provisional page tables: an identity map of 0-4 GiB in 2 MiB
 *      pages, enable PAE, set EFER.LME, enable paging,
 *   4. far-return into 64-bit code (startup_64), which moves the Go kernel
 *      to LOAD_PHYSICAL_ADDR (16 MiB), zeroes its bss and jumps to it.
 *
 * Linux decompresses the kernel here; gokern's payload ("piggy", made by
 * the image builder) holds the Go kernel's loadable segments uncompressed,
 * so "decompressing" is a copy. The names are kept so that the code can be
 * read next to Linux's.
 *
 * Contract with the kernel's startup_64 (arch/amd64/head_64.s): 64-bit
 * mode, identity-mapped 0-4 GiB, interrupts off, RSI = &boot_params
 * (Linux's contract) and RDX = the TSC read at startup_32 (gokern's
 * addition: time zero of printk's time stamps).
 */

	.include "bootparam.inc"

/* Control registers and EFER bits: Intel SDM Vol. 3A §2.5 "Control
 * Registers" and §2.2.1 "Extended Feature Enable Register". */
	.set X86_CR0_PE,	1 << 0		/* protection enable */
	.set X86_CR0_PG,	1 << 31		/* paging */
	.set X86_CR4_PAE,	1 << 5		/* physical address extension */
	.set MSR_EFER,		0xc0000080
	.set EFER_LME,		8		/* long mode enable (bit number) */

/* Page-table entry bits: SDM Vol. 3A §4.5, Table 4-17 (PDE mapping a
 * 2-MByte page) and Table 4-15 (PML4E). */
	.set PTE_PRESENT,	1 << 0
	.set PTE_RW,		1 << 1
	.set PTE_PSE,		1 << 7		/* in a PDE: this entry maps 2 MiB */
	.set PAGE_TABLE,	PTE_PRESENT | PTE_RW
	.set PAGE_LARGE,	PTE_PRESENT | PTE_RW | PTE_PSE

/* This stage's GDT selectors (Linux's compressed GDT uses the same). */
	.set __KERNEL32_CS,	0x08
	.set __KERNEL_CS,	0x10
	.set __KERNEL_DS,	0x18

	.set BOOT_STACK_SIZE,	0x4000
	.set PGTABLE_PAGES,	6		/* PML4 + PDPT + 4 page directories */

	.section .head.text, "ax"
	.code32
	.globl	startup_32
startup_32:
	cld
	cli

	/*
	 * Where are we? The loader may put us anywhere, and there is no stack
	 * yet. Like Linux, borrow the 4-byte boot_params.scratch field as a
	 * one-slot stack for call/pop: EBP = run-time address of startup_32
	 * (the link address is 0, so the difference is the load address).
	 */
	leal	(BP_scratch + 4)(%esi), %esp
	call	1f
1:	popl	%ebp
	subl	$1b, %ebp

	/* Our own GDT: the loader's may be anywhere (GRUB's, or setup's). Its
	 * base is a linear address, so patch in the load address first. */
	leal	gdt(%ebp), %eax
	movl	%eax, (gdt_descr + 2)(%ebp)
	lgdt	gdt_descr(%ebp)

	movl	$__KERNEL_DS, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %fs
	movl	%eax, %gs
	movl	%eax, %ss
	leal	boot_stack_end(%ebp), %esp

	/* Reload CS from our GDT with a far return (SDM Vol. 3A §9.9.1). */
	pushl	$__KERNEL32_CS
	leal	1f(%ebp), %eax
	pushl	%eax
	lret
1:
	movl	%esi, boot_params_ptr(%ebp)
	call	cmdline_scan_32

	/* "debug": say where we are. */
	testb	$1, debug_flag(%ebp)
	jz	1f
	leal	msg_startup_32(%ebp), %esi
	call	puts_32
	movl	%ebp, %eax
	call	puthex_32
	leal	msg_bp(%ebp), %esi
	call	puts_32
	movl	boot_params_ptr(%ebp), %eax
	call	puthex_32
	leal	msg_nl(%ebp), %esi
	call	puts_32
1:
	call	verify_cpu
	testl	%eax, %eax
	jz	1f
	leal	msg_no_lm(%ebp), %esi
	call	puts_32
	jmp	die_32
1:
	/* Time zero for printk's time stamps (the CPU has a TSC: verified). */
	rdtsc
	movl	%eax, tsc_startup_32(%ebp)
	movl	%edx, (tsc_startup_32 + 4)(%ebp)

	/*
	 * Provisional page tables: identity-map 0-4 GiB with 2 MiB pages
	 * (seeds: "Provisional Kernel Page Tables"). 4 GiB covers the loader's data
	 * wherever it put it (boot_params, cmdline, initrd) and the kernel at
	 * 16 MiB. The tables live in our bss, aligned to a page.
	 */
	leal	pgtable(%ebp), %ebx
	addl	$4095, %ebx
	andl	$~4095, %ebx			/* EBX = PML4 */

	movl	%ebx, %edi
	xorl	%eax, %eax
	movl	$(PGTABLE_PAGES * 4096 / 4), %ecx
	rep	stosl

	/* PML4[0] -> PDPT (at +4 KiB) */
	leal	(0x1000 + PAGE_TABLE)(%ebx), %eax
	movl	%eax, 0(%ebx)

	/* PDPT[0..3] -> the four page directories (at +8 KiB ... +20 KiB) */
	leal	0x1000(%ebx), %edi
	leal	(0x2000 + PAGE_TABLE)(%ebx), %eax
	movl	$4, %ecx
1:	movl	%eax, 0(%edi)
	addl	$0x1000, %eax
	addl	$8, %edi
	decl	%ecx
	jnz	1b

	/* 4 x 512 PDEs, each mapping the next 2 MiB of physical memory */
	leal	0x2000(%ebx), %edi
	movl	$PAGE_LARGE, %eax
	movl	$2048, %ecx
1:	movl	%eax, 0(%edi)
	addl	$0x200000, %eax
	addl	$8, %edi
	decl	%ecx
	jnz	1b

	/* PAE on (SDM Vol. 3A §4.1.2: IA-32e paging needs CR4.PAE = 1) */
	movl	%cr4, %eax
	orl	$X86_CR4_PAE, %eax
	movl	%eax, %cr4

	movl	%ebx, %cr3

	/* EFER.LME = 1 (SDM Vol. 3A §10.8.5 "Initializing IA-32e Mode") */
	movl	$MSR_EFER, %ecx
	rdmsr
	btsl	$EFER_LME, %eax
	wrmsr

	/*
	 * Enable paging: with LME set, the CPU enters IA-32e mode
	 * (compatibility mode, CS is still 32-bit). The far return loads the
	 * 64-bit code segment (L=1) and we are in 64-bit mode.
	 */
	pushl	$__KERNEL_CS
	leal	startup_64(%ebp), %eax
	pushl	%eax
	movl	%cr0, %eax
	orl	$(X86_CR0_PG | X86_CR0_PE), %eax
	movl	%eax, %cr0
	lret

/*
 * cmdline_scan_32: set debug_flag if the command line holds the word
 * "debug". Linux's compressed stage parses it in C (cmdline.c); here a
 * plain word match, in: EBP = load address.
 */
cmdline_scan_32:
	movl	boot_params_ptr(%ebp), %esi
	movl	BP_cmd_line_ptr(%esi), %esi
	testl	%esi, %esi
	jz	9f
	movl	$2048, %ecx			/* COMMAND_LINE_SIZE */
	movl	$1, %edx			/* EDX = at start of a word */
1:	movb	(%esi), %al
	testb	%al, %al
	jz	9f
	cmpb	$' ', %al
	jbe	3f
	testl	%edx, %edx
	jz	4f
	/* word start: does "debug" follow, ended by a space or NUL? */
	cmpl	$0x75626564, (%esi)		/* "debu" */
	jne	4f
	cmpb	$'g', 4(%esi)
	jne	4f
	cmpb	$' ', 5(%esi)
	ja	4f
	movb	$1, debug_flag(%ebp)
	jmp	9f
3:	movl	$1, %edx
	jmp	5f
4:	xorl	%edx, %edx
5:	incl	%esi
	decl	%ecx
	jnz	1b
9:	ret

/*
 * verify_cpu: EAX = 0 if this CPU can run the kernel: CPUID, long mode,
 * PAE, TSC, FXSR, SSE, SSE2 (Linux arch/x86/kernel/verify_cpu.S; CPUID
 * bits from SDM Vol. 2A, CPUID, Tables 3-11 and 3-8).
 */
verify_cpu:
	/* CPUID exists if EFLAGS.ID (bit 21) can be toggled. */
	pushfl
	popl	%eax
	movl	%eax, %ecx
	xorl	$(1 << 21), %eax
	pushl	%eax
	popfl
	pushfl
	popl	%eax
	xorl	%ecx, %eax
	testl	$(1 << 21), %eax
	jz	8f

	movl	$0x80000000, %eax
	cpuid
	cmpl	$0x80000001, %eax
	jb	8f
	movl	$0x80000001, %eax
	cpuid
	btl	$29, %edx			/* LM: long mode */
	jnc	8f

	movl	$1, %eax
	cpuid
	/* PAE(6) TSC(4) FXSR(24) SSE(25) SSE2(26) */
	andl	$((1 << 6) | (1 << 4) | (1 << 24) | (1 << 25) | (1 << 26)), %edx
	cmpl	$((1 << 6) | (1 << 4) | (1 << 24) | (1 << 25) | (1 << 26)), %edx
	jne	8f
	xorl	%eax, %eax
	ret
8:	movl	$1, %eax
	ret

/* 16550 output on COM1, polling the line status register's THRE bit
 * (PC16550D datasheet, "Line Status Register", bit 5). The UART was set
 * up by the real-mode console_init (or the boot loader). */
putc_32:
	pushl	%edx
	pushl	%eax
	movw	$0x3fd, %dx
1:	inb	%dx, %al
	testb	$0x20, %al
	jz	1b
	popl	%eax
	movw	$0x3f8, %dx
	outb	%al, %dx
	popl	%edx
	ret

/* puts_32: ESI = string; "\n" becomes "\r\n". */
puts_32:
	pushl	%eax
1:	lodsb
	testb	%al, %al
	jz	2f
	cmpb	$'\n', %al
	jne	3f
	movb	$'\r', %al
	call	putc_32
	movb	$'\n', %al
3:	call	putc_32
	jmp	1b
2:	popl	%eax
	ret

/* puthex_32: EAX as 0x%08x */
puthex_32:
	pushl	%ecx
	pushl	%edx
	movl	%eax, %edx
	movb	$'0', %al
	call	putc_32
	movb	$'x', %al
	call	putc_32
	movl	$8, %ecx
1:	roll	$4, %edx
	movl	%edx, %eax
	andl	$0xf, %eax
	movb	hexdigits(%ebp, %eax), %al
	call	putc_32
	decl	%ecx
	jnz	1b
	popl	%edx
	popl	%ecx
	ret

/* die_32: the fatal-error protocol (DESIGN.md, boot tests): if QEMU's
 * isa-debug-exit device answers at port 0xf4 (it reads as 0, a missing
 * port as 0xff), write 0x11 so QEMU exits with status 35; else halt. */
die_32:
	movw	$DEBUG_EXIT_PORT, %dx
	inb	%dx, %al
	testb	%al, %al
	jnz	1f
	movb	$DEBUG_EXIT_FAILURE, %al
	outb	%al, %dx
1:	cli
	hlt
	jmp	1b

/*
 * startup_64: 64-bit mode, identity-mapped. Move the Go kernel's segments
 * from the piggy to their physical addresses (16 MiB up), zero the bss
 * parts, and jump to the kernel's startup_64.
 */
	.code64
	.globl	startup_64
startup_64:
	/* Data segments are ignored in 64-bit mode; load null (as Linux). */
	xorl	%eax, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	%eax, %fs
	movl	%eax, %gs
	leaq	boot_stack_end(%rip), %rsp

	leaq	input_data(%rip), %rbx		/* RBX = piggy header */
	cmpl	$PIGGY_MAGIC, PIGGY_magic(%rbx)
	je	1f
	leaq	msg_bad_piggy(%rip), %rsi
	call	puts_64
	jmp	die_64
1:
	/* The kernel must not land on top of this payload. */
	leaq	_end(%rip), %rax
	cmpq	%rax, PIGGY_start(%rbx)
	jae	1f
	leaq	input_data(%rip), %rax
	cmpq	PIGGY_end(%rbx), %rax		/* payload starts above kernel end? */
	jae	1f
	leaq	msg_overlap(%rip), %rsi
	call	puts_64
	jmp	die_64
1:
	testb	$1, debug_flag(%rip)
	jz	1f
	leaq	msg_moving(%rip), %rsi
	call	puts_64
	movq	PIGGY_start(%rbx), %rax
	call	puthex_64
	leaq	msg_dots(%rip), %rsi
	call	puts_64
1:
	/* for each segment: copy filesz bytes, zero memsz - filesz bytes */
	movl	PIGGY_nseg(%rbx), %r8d
	leaq	PIGGY_segs(%rbx), %r9
2:	testl	%r8d, %r8d
	jz	3f
	movq	SEG_offset(%r9), %rsi
	addq	%rbx, %rsi
	movq	SEG_phys(%r9), %rdi
	movq	SEG_filesz(%r9), %rcx
	rep	movsb
	movq	SEG_memsz(%r9), %rcx
	subq	SEG_filesz(%r9), %rcx
	xorl	%eax, %eax
	rep	stosb
	addq	$SEG_SIZE, %r9
	decl	%r8d
	jmp	2b
3:
	testb	$1, debug_flag(%rip)
	jz	1f
	leaq	msg_booting(%rip), %rsi
	call	puts_64
	movq	PIGGY_entry(%rbx), %rax
	call	puthex_64
	leaq	msg_nl(%rip), %rsi
	call	puts_64
1:
	movq	PIGGY_entry(%rbx), %rax
	movl	boot_params_ptr(%rip), %esi	/* zero-extends: RSI = &boot_params */
	movq	tsc_startup_32(%rip), %rdx
	jmp	*%rax

putc_64:
	pushq	%rdx
	pushq	%rax
	movw	$0x3fd, %dx
1:	inb	%dx, %al
	testb	$0x20, %al
	jz	1b
	popq	%rax
	movw	$0x3f8, %dx
	outb	%al, %dx
	popq	%rdx
	ret

puts_64:
	pushq	%rax
1:	lodsb
	testb	%al, %al
	jz	2f
	cmpb	$'\n', %al
	jne	3f
	movb	$'\r', %al
	call	putc_64
	movb	$'\n', %al
3:	call	putc_64
	jmp	1b
2:	popq	%rax
	ret

/* puthex_64: RAX as 0x%016x */
puthex_64:
	pushq	%rcx
	pushq	%rdx
	pushq	%rbx
	movq	%rax, %rdx
	leaq	hexdigits(%rip), %rbx
	movb	$'0', %al
	call	putc_64
	movb	$'x', %al
	call	putc_64
	movl	$16, %ecx
1:	rolq	$4, %rdx
	movl	%edx, %eax
	andl	$0xf, %eax
	movb	(%rbx, %rax), %al
	call	putc_64
	decl	%ecx
	jnz	1b
	popq	%rbx
	popq	%rdx
	popq	%rcx
	ret

die_64:
	movw	$DEBUG_EXIT_PORT, %dx
	inb	%dx, %al
	testb	%al, %al
	jnz	1f
	movb	$DEBUG_EXIT_FAILURE, %al
	outb	%al, %dx
1:	cli
	hlt
	jmp	1b

	.section .rodata
hexdigits:	.ascii	"0123456789abcdef"
msg_startup_32:	.asciz	"startup_32: protected mode, payload at "
msg_bp:		.asciz	", boot_params at "
msg_nl:		.asciz	"\n"
msg_no_lm:	.asciz	"startup_32: This kernel requires an x86-64 CPU with PAE, TSC and SSE2.\nUnable to boot - please use a kernel appropriate for your CPU.\n"
msg_bad_piggy:	.asciz	"startup_64: no kernel payload (bad piggy magic)\n"
msg_overlap:	.asciz	"startup_64: the kernel would overwrite the boot payload\n"
msg_moving:	.asciz	"startup_64: moving the kernel to "
msg_dots:	.asciz	"... "
msg_booting:	.asciz	"done.\nstartup_64: booting the kernel at "

/*
 * The piggy header, written by the image builder (internal/bzimage),
 * little-endian:
 *   0  magic "GOKP"     4  nseg
 *   8  entry (physical) 16 start, 24 end: physical extent of the kernel
 *   32 segments[nseg]: offset in the piggy, physical address, filesz, memsz
 */
	.set PIGGY_MAGIC,	0x504b4f47	/* "GOKP" */
	.set PIGGY_magic,	0
	.set PIGGY_nseg,	4
	.set PIGGY_entry,	8
	.set PIGGY_start,	16
	.set PIGGY_end,		24
	.set PIGGY_segs,	32
	.set SEG_offset,	0
	.set SEG_phys,		8
	.set SEG_filesz,	16
	.set SEG_memsz,		24
	.set SEG_SIZE,		32

	.data
	.balign	8
boot_params_ptr:	.long	0		/* ESI at entry */
debug_flag:		.byte	0
	.balign	8
tsc_startup_32:		.quad	0

/*
 * kernel_info (boot protocol 2.15, Linux compressed/kernel_info.S): the
 * setup header's kernel_info_offset points here, relative to the start of
 * the protected-mode code.
 */
	.balign	4
	.globl	kernel_info
kernel_info:
	.ascii	"LToP"				/* header magic */
	.long	kernel_info_var_len_data - kernel_info	/* size */
	.long	kernel_info_end - kernel_info		/* size_total */
	.long	0				/* setup_type_max: none handled */
kernel_info_var_len_data:
kernel_info_end:

	.balign	16
gdt_descr:
	.word	gdt_end - gdt - 1
	.long	0				/* base: patched at run time */
	.word	0
	.balign	16
/* Descriptors: SDM Vol. 3A §3.4.5 "Segment Descriptors"; L (bit 53) marks
 * 64-bit code (§5.2.1). Base 0, limit 4 GiB (G=1), DPL 0. */
gdt:
	.quad	0				/* null */
	.quad	0x00cf9a000000ffff		/* __KERNEL32_CS: 32-bit code, read/exec */
	.quad	0x00af9a000000ffff		/* __KERNEL_CS: 64-bit code (L=1, D=0) */
	.quad	0x00cf92000000ffff		/* __KERNEL_DS: data, read/write */
gdt_end:

	.bss
	.balign	16
boot_stack:
	.fill	BOOT_STACK_SIZE, 1, 0
boot_stack_end:

	.section .pgtable, "aw", @nobits
	.balign	4096
pgtable:
	.fill	(PGTABLE_PAGES + 1) * 4096, 1, 0	/* +1: room to align at run time */
