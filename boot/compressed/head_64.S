/*
 * boot/compressed/head_64.S — the protected-mode payload: startup_32 and
 * startup_64 of the boot stage.
 *
 * Linux: arch/x86/boot/compressed/head_64.S (startup_32, startup_64).
 * The stage's other files, split by concern as Linux's compressed/:
 *   verify_cpu.S            the CPU check (Linux arch/x86/kernel/verify_cpu.S)
 *   cmdline.S               the command-line scan (Linux compressed/cmdline.c)
 *   early_serial_console.S  the console, earlyprintk= (Linux compressed/
 *                           early_serial_console.c, misc.c's __putstr)
 *   verify_image.S          is the payload whole? (gokern: the length and
 *                           XXH32 the image builder recorded)
 *   kaslr.S                 is the kernel's place RAM, and free? (Linux
 *                           compressed/kaslr.c mem_avoid; moves the initrd)
 * Seeds: 000 "startup_32() #primary" and "Provisional Kernel Page Tables"; 003 "startup_32",
 *        "startup_64" and the early page-table walk-through.
 *
 * The loader puts this code at code32_start (1 MiB) and jumps to startup_32
 * in 32-bit protected mode, paging off, with ESI = &boot_params. It gets
 * to long mode in the steps the seeds list:
 *   1. find out where it runs (call/pop), take a stack in its bss,
 *   2. check the CPU again (GRUB's `linux` command enters here directly,
 *      without the real-mode setup's validate_cpu), and check that the
 *      payload is whole (verify_image) before using any of its data,
 *   3. load its own GDT and segments, bring up the console,
 *   4. build provisional page tables: an identity map of 0-4 GiB in 2 MiB
 *      pages, enable PAE, set EFER.LME, enable paging,
 *   5. far-return into 64-bit code (startup_64), which checks the kernel's
 *      place (choose_kernel_place), moves the Go kernel to
 *      LOAD_PHYSICAL_ADDR (16 MiB), zeroes its bss and jumps to it.
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

/* From consts.inc (bootparam.inc): the CR0/CR4 and EFER bits (SDM Vol. 3A
 * §2.5 "Control Registers", §2.2.1 "Extended Feature Enable Register");
 * the page-table entry bits (SDM Vol. 3A §4.5, Table 4-15 (PML4E) and
 * Table 4-17 (PDE mapping a 2-MByte page)); this stage's GDT selectors,
 * the kernel's __KERNEL32_CS, __KERNEL_CS, __KERNEL_DS (Linux's compressed
 * GDT uses the same); the piggy's layout PIGGY_* and SEG_*. */
	.set BOOT_PT_LINK,	PAGE_PRESENT | PAGE_RW	/* a PML4E or PDPTE */
	.set BOOT_PT_LARGE,	PAGE_PRESENT | PAGE_RW | PAGE_PSE	/* a 2 MiB PDE */

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

	/*
	 * A stack of our own, in the bss. The loader's segments are flat (boot
	 * protocol, 32-bit entry), so it works before our GDT is loaded. All
	 * that the steps up to verify_image write is in the bss, which is not
	 * part of the file: the payload's bytes are still as the loader left
	 * them when verify_image reads them.
	 */
	leal	boot_stack_end(%ebp), %esp
	movl	%esi, boot_params_ptr(%ebp)

	call	verify_cpu
	testl	%eax, %eax
	jz	1f
	call	console_init
	leal	msg_no_lm(%ebp), %esi
	jmp	error
1:
	/* Time zero for printk's time stamps (the CPU has a TSC: verified). */
	rdtsc
	movl	%eax, tsc_startup_32(%ebp)
	movl	%edx, (tsc_startup_32 + 4)(%ebp)

	/* Is the payload whole (image_check: its length and XXH32)? Before
	 * anything uses its data, loads its GDT, or writes into it. */
	call	verify_image
	movl	%eax, %ebx
	rdtsc
	subl	tsc_startup_32(%ebp), %eax
	movl	%eax, image_check_cycles(%ebp)
	testl	%ebx, %ebx
	jz	1f
	call	console_init
	jmp	image_corrupt
1:
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
	call	console_init			/* earlyprintk= */
	/* "debug", unless a "quiet" comes after it (the later one wins, as in
	 * the setup and the kernel) */
	movb	$0, debug_flag(%ebp)
	leal	opt_debug(%ebp), %esi
	call	cmdline_find_option_bool
	cmpl	$0, %eax
	jle	1f
	movl	%eax, %ebx
	leal	opt_quiet(%ebp), %esi
	call	cmdline_find_option_bool
	cmpl	%eax, %ebx
	jbe	1f
	movb	$1, debug_flag(%ebp)
1:
	/* "debug": say where we are, and what verify_image found. */
	testb	$1, debug_flag(%ebp)
	jz	1f
	leal	msg_startup_32(%ebp), %esi
	call	__putstr
	movl	%ebp, %eax
	call	__puthex
	leal	msg_bp(%ebp), %esi
	call	__putstr
	movl	boot_params_ptr(%ebp), %eax
	call	__puthex
	leal	msg_nl(%ebp), %esi
	call	__putstr
	movl	image_check_cycles(%ebp), %eax
	call	debug_image_checked
	call	debug_loader_converted		/* multiboot, multiboot2, PVH */
1:
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
	leal	(0x1000 + BOOT_PT_LINK)(%ebx), %eax
	movl	%eax, 0(%ebx)

	/* PDPT[0..3] -> the four page directories (at +8 KiB ... +20 KiB) */
	leal	0x1000(%ebx), %edi
	leal	(0x2000 + BOOT_PT_LINK)(%ebx), %eax
	movl	$4, %ecx
1:	movl	%eax, 0(%edi)
	addl	$0x1000, %eax
	addl	$8, %edi
	decl	%ecx
	jnz	1b

	/* 4 x 512 PDEs, each mapping the next 2 MiB of physical memory */
	leal	0x2000(%ebx), %edi
	movl	$BOOT_PT_LARGE, %eax
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
	orl	$EFER_LME, %eax
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
	jmp	error
1:
	/* Is its place RAM, and free? Move the initrd if it is in the way
	 * (kaslr.S). */
	movq	PIGGY_start(%rbx), %rdi
	movq	PIGGY_end(%rbx), %rsi
	call	choose_kernel_place

	testb	$1, debug_flag(%rip)
	jz	1f
	leaq	msg_moving(%rip), %rsi
	call	__putstr
	movq	PIGGY_start(%rbx), %rax
	call	puthex64
	leaq	msg_dots(%rip), %rsi
	call	__putstr
1:
	/* for each segment: copy filesz bytes, zero memsz - filesz bytes,
	 * eight bytes at a time and the rest byte by byte, as Linux's
	 * relocation copy is rep movsq: under QEMU's TCG each iteration of a
	 * rep string instruction costs about as much whatever its width, so
	 * rep movsb over the 2.4 MB kernel and its bss took 8 times as long. */
	movl	PIGGY_nseg(%rbx), %r8d
	leaq	PIGGY_segs(%rbx), %r9
2:	testl	%r8d, %r8d
	jz	3f
	movq	SEG_offset(%r9), %rsi
	addq	%rbx, %rsi
	movq	SEG_phys(%r9), %rdi
	movq	SEG_filesz(%r9), %rdx
	movq	%rdx, %rcx
	shrq	$3, %rcx
	rep	movsq
	movq	%rdx, %rcx
	andq	$7, %rcx
	rep	movsb
	movq	SEG_memsz(%r9), %rdx
	subq	SEG_filesz(%r9), %rdx
	xorl	%eax, %eax
	movq	%rdx, %rcx
	shrq	$3, %rcx
	rep	stosq
	movq	%rdx, %rcx
	andq	$7, %rcx
	rep	stosb
	addq	$SEG_SIZE, %r9
	decl	%r8d
	jmp	2b
3:
	testb	$1, debug_flag(%rip)
	jz	1f
	leaq	msg_booting(%rip), %rsi
	call	__putstr
	movq	PIGGY_entry(%rbx), %rax
	call	puthex64
	leaq	msg_nl(%rip), %rsi
	call	__putstr
1:
	movq	PIGGY_entry(%rbx), %rax
	movl	boot_params_ptr(%rip), %esi	/* zero-extends: RSI = &boot_params */
	movq	tsc_startup_32(%rip), %rdx
	jmp	*%rax

/* puthex64: RAX as 16 hex digits: its high half, then its low half. */
puthex64:
	pushq	%rax
	shrq	$32, %rax
	call	__puthex
	movq	(%rsp), %rax
	call	__puthex
	popq	%rax
	ret

	.section .rodata
opt_debug:	.asciz	"debug"
opt_quiet:	.asciz	"quiet"
msg_startup_32:	.asciz	"startup_32: protected mode, payload at 0x"
msg_bp:		.asciz	", boot_params at 0x"
msg_nl:		.asciz	"\n"
msg_no_lm:	.asciz	"startup_32: This kernel requires an x86-64 CPU with MSR, PAE, PGE, TSC and SSE2.\nUnable to boot - please use a kernel appropriate for your CPU.\n"
msg_bad_piggy:	.asciz	"startup_64: no kernel payload (bad piggy magic)\n"
msg_moving:	.asciz	"startup_64: moving the kernel to 0x"
msg_dots:	.asciz	"... "
msg_booting:	.asciz	"done.\nstartup_64: booting the kernel at 0x"

/*
 * The piggy header, written by the image builder (internal/bzimage
 * piggy.go, whose PIGGY_* and SEG_* constants give the offsets),
 * little-endian:
 *   0  magic "GOKP"     4  nseg
 *   8  entry (physical) 16 start, 24 end: physical extent of the kernel
 *   32 segments[nseg]: offset in the piggy, physical address, filesz, memsz
 */

	.data

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
/* The stage's variables: in the bss, so that verify_image reads the
 * payload as the loader left it (each is written before it is read). */
	.balign	8
tsc_startup_32:		.skip	8		/* time zero of printk's stamps */
	.globl	boot_params_ptr, debug_flag
boot_params_ptr:	.skip	4		/* ESI at entry */
image_check_cycles:	.skip	4		/* TSC cycles verify_image took */
debug_flag:		.skip	1		/* 1: "debug" */
	.balign	16
boot_stack:
	.fill	BOOT_STACK_SIZE, 1, 0
	.globl	boot_stack_end
boot_stack_end:

	.section .pgtable, "aw", @nobits
	.balign	4096
pgtable:
	.fill	(PGTABLE_PAGES + 1) * 4096, 1, 0	/* +1: room to align at run time */
