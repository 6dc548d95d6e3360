/*
 * boot/compressed/kaslr.S — the kernel's run address is checked, not
 * assumed: before startup_64 moves the kernel to LOAD_PHYSICAL_ADDR, the
 * place must be usable RAM that holds nothing the loader put there.
 *
 * Linux: arch/x86/boot/compressed/kaslr.c (mem_avoid_init,
 *        mem_avoid_overlap, process_e820_entries; enum mem_avoid_index)
 *        and misc.c (error). Linux's kernel is relocatable: with KASLR it
 *        picks a random place that avoids the ranges, without it runs where
 *        it was loaded. gokern's kernel runs at LOAD_PHYSICAL_ADDR only (its
 *        head_64.s checks that), so nothing is randomised here: the place
 *        is checked against the same mem_avoid ranges, and the one thing
 *        that may be moved out of the way is the initrd, which QEMU puts
 *        at the top of RAM, on the kernel's place when RAM is small.
 * Model: internal/bootstage (Place, FindInitrdPlace) decides the same in
 *        Go; its host tests and the boot tests hold the two together.
 *
 * 64-bit code, called from startup_64 (identity map of 0-4 GiB); every
 * function preserves every register but RAX and the flags.
 */

	.include "bootparam.inc"

	.set MEM_AVOID_ZO_RANGE,	0	/* this boot stage, to its _end */
	.set MEM_AVOID_INITRD,		1
	.set MEM_AVOID_CMDLINE,		2
	.set MEM_AVOID_BOOTPARAMS,	3
	.set MEM_AVOID_REALMODE,	4	/* gokern: [0, 1 MiB), the setup and the BIOS */
	.set MEM_AVOID_MAX,		5

/* LOWMEMSIZE and HIGH_MEMORY (package e820), PAGE_SIZE: consts.inc. */

	.code64
	.text

/*
 * e820_ram_init: ram_ranges[0..ram_nr) = the usable RAM of the loader's
 * map: every E820_TYPE_RAM entry of non-zero size, in the loader's order
 * (qboot's is not sorted), an entry wrapping past 2^64 cut there. A map of
 * fewer than two entries is not believed, as the kernel's
 * e820__memory_setup_default: RAM is then [0, LOWMEMSIZE) and 1 MiB up to
 * the larger of E801's and 88h's sizes.
 */
e820_ram_init:
	pushq	%rbx
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%r8
	movl	boot_params_ptr(%rip), %ebx
	leaq	ram_ranges(%rip), %rdi
	xorl	%ecx, %ecx			/* ECX = ram_nr */
	movzbl	BP_e820_entries(%rbx), %edx
	cmpl	$2, %edx
	jb	5f
	cmpl	$E820_MAX_ENTRIES_ZEROPAGE, %edx
	jbe	1f
	movl	$E820_MAX_ENTRIES_ZEROPAGE, %edx
1:	leaq	BP_e820_table(%rbx), %rsi
2:	cmpl	$E820_TYPE_RAM, E820_type(%rsi)
	jne	4f
	movq	E820_addr(%rsi), %rax
	movq	E820_size(%rsi), %r8
	testq	%r8, %r8
	jz	4f
	addq	%rax, %r8
	jnc	3f
	movq	$-1, %r8
3:	movq	%rax, 0(%rdi)
	movq	%r8, 8(%rdi)
	addq	$16, %rdi
	addl	$1, %ecx
4:	addq	$E820_ENTRY_SIZE, %rsi
	subl	$1, %edx
	jnz	2b
	jmp	9f
5:	movq	$0, 0(%rdi)
	movq	$LOWMEMSIZE, 8(%rdi)
	movl	BP_alt_mem_k(%rbx), %eax
	movzwl	BP_ext_mem_k(%rbx), %edx
	cmpl	%edx, %eax
	jae	6f
	movl	%edx, %eax
6:	shlq	$10, %rax
	addq	$HIGH_MEMORY, %rax
	movq	$HIGH_MEMORY, 16(%rdi)
	movq	%rax, 24(%rdi)
	movl	$2, %ecx
9:	movl	%ecx, ram_nr(%rip)
	popq	%r8
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rbx
	ret

/*
 * e820_ram_end: RDI = an address. RAX = the end of the usable RAM that runs
 * on from it without a gap, through entries in any order that abut or
 * overlap; RDI itself when it is not RAM.
 */
e820_ram_end:
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	movq	%rdi, %rax
1:	xorl	%edx, %edx			/* EDX = 1: RAX moved this round */
	movl	ram_nr(%rip), %ecx
	leaq	ram_ranges(%rip), %rsi
2:	testl	%ecx, %ecx
	jz	4f
	cmpq	0(%rsi), %rax
	jb	3f
	cmpq	8(%rsi), %rax
	jae	3f
	movq	8(%rsi), %rax
	movl	$1, %edx
3:	addq	$16, %rsi
	subl	$1, %ecx
	jmp	2b
4:	testl	%edx, %edx
	jnz	1b
	popq	%rsi
	popq	%rdx
	popq	%rcx
	ret

/*
 * ram_ends_at: RDI = the kernel's place. RAX = the last byte of the RAM
 * that runs on from RDI or, when RDI is not RAM, the last RAM byte below
 * it: what "RAM ends at" says.
 */
ram_ends_at:
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	call	e820_ram_end
	cmpq	%rdi, %rax
	ja	3f
	xorl	%eax, %eax			/* RAX = the highest RAM end <= RDI */
	movl	ram_nr(%rip), %ecx
	leaq	ram_ranges(%rip), %rsi
1:	testl	%ecx, %ecx
	jz	3f
	cmpq	%rdi, 0(%rsi)
	jae	2f
	movq	8(%rsi), %rdx
	cmpq	%rdi, %rdx
	jbe	11f
	movq	%rdi, %rdx
11:	cmpq	%rax, %rdx
	jbe	2f
	movq	%rdx, %rax
2:	addq	$16, %rsi
	subl	$1, %ecx
	jmp	1b
3:	subq	$1, %rax
	popq	%rsi
	popq	%rdx
	popq	%rcx
	ret

/*
 * mem_avoid_init: mem_avoid[] = [start, end) of each range the kernel's
 * place must not hold (Linux mem_avoid_init); an absent initrd or command
 * line is the empty range [0, 0).
 */
mem_avoid_init:
	pushq	%rbx
	pushq	%rcx
	pushq	%rdx
	pushq	%rdi
	movl	boot_params_ptr(%rip), %ebx
	leaq	mem_avoid(%rip), %rdi

	leaq	startup_32(%rip), %rax		/* the load address */
	movq	%rax, (MEM_AVOID_ZO_RANGE * 16)(%rdi)
	leaq	_end(%rip), %rax
	movq	%rax, (MEM_AVOID_ZO_RANGE * 16 + 8)(%rdi)

	movl	BP_ramdisk_image(%rbx), %eax
	movl	BP_ext_ramdisk_image(%rbx), %edx
	shlq	$32, %rdx
	orq	%rdx, %rax
	movl	BP_ramdisk_size(%rbx), %ecx
	movl	BP_ext_ramdisk_size(%rbx), %edx
	shlq	$32, %rdx
	orq	%rdx, %rcx
	testq	%rax, %rax			/* no initrd: nothing to avoid */
	jz	1f
	testq	%rcx, %rcx
	jnz	2f
1:	xorl	%eax, %eax
	xorl	%ecx, %ecx
2:	movq	%rax, (MEM_AVOID_INITRD * 16)(%rdi)
	addq	%rcx, %rax
	movq	%rax, (MEM_AVOID_INITRD * 16 + 8)(%rdi)

	/* The command line: its bytes up to the NUL, at most what the kernel
	 * takes (Linux: strnlen(cmd_line, COMMAND_LINE_SIZE-1) + 1). One above
	 * 4 GiB is not read (the identity map ends there): its full size. */
	movl	BP_cmd_line_ptr(%rbx), %eax
	movl	BP_ext_cmd_line_ptr(%rbx), %edx
	shlq	$32, %rdx
	orq	%rdx, %rax
	movq	%rax, (MEM_AVOID_CMDLINE * 16)(%rdi)
	testq	%rax, %rax
	jz	5f
	movl	$COMMAND_LINE_SIZE, %ecx
	testq	%rdx, %rdx
	jnz	5f
	xorl	%ecx, %ecx
3:	cmpl	$(COMMAND_LINE_SIZE - 1), %ecx
	jae	4f
	cmpb	$0, (%rax, %rcx)
	je	4f
	addl	$1, %ecx
	jmp	3b
4:	addl	$1, %ecx
5:	addq	%rcx, %rax			/* RCX = 0 when there is none */
	movq	%rax, (MEM_AVOID_CMDLINE * 16 + 8)(%rdi)

	movq	%rbx, (MEM_AVOID_BOOTPARAMS * 16)(%rdi)
	leaq	BOOT_PARAMS_SIZE(%rbx), %rax
	movq	%rax, (MEM_AVOID_BOOTPARAMS * 16 + 8)(%rdi)

	movq	$0, (MEM_AVOID_REALMODE * 16)(%rdi)
	movq	$HIGH_MEMORY, (MEM_AVOID_REALMODE * 16 + 8)(%rdi)
	popq	%rdi
	popq	%rdx
	popq	%rcx
	popq	%rbx
	ret

/*
 * mem_avoid_overlap: RDI = start, RSI = end of a range, EDX = a mem_avoid
 * index to skip (-1: none). EAX = the first mem_avoid range the range
 * overlaps, or -1 (Linux mem_avoid_overlap). Empty ranges avoid nothing.
 */
mem_avoid_overlap:
	pushq	%rcx
	pushq	%r8
	leaq	mem_avoid(%rip), %r8
	xorl	%eax, %eax
1:	cmpl	%edx, %eax
	je	2f
	movq	0(%r8), %rcx
	cmpq	8(%r8), %rcx
	jae	2f				/* empty */
	cmpq	8(%r8), %rdi			/* start < a.end */
	jae	2f
	cmpq	%rsi, %rcx			/* a.start < end */
	jb	3f
2:	addq	$16, %r8
	addl	$1, %eax
	cmpl	$MEM_AVOID_MAX, %eax
	jb	1b
	movl	$-1, %eax
3:	popq	%r8
	popq	%rcx
	ret

/*
 * choose_kernel_place: RDI, RSI = the kernel's physical extent (the
 * piggy's start and end, bss included). Returns when [RDI, RSI rounded up
 * to a page) is usable RAM that holds nothing of the loader's but perhaps
 * the initrd, which it then moves out of the way; otherwise prints why and
 * stops (exit 35 under QEMU).
 */
	.globl	choose_kernel_place
choose_kernel_place:
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	call	e820_ram_init
	call	mem_avoid_init
	addq	$(PAGE_SIZE - 1), %rsi
	andq	$-PAGE_SIZE, %rsi
	movq	%rdi, kernel_place(%rip)
	movq	%rsi, (kernel_place + 8)(%rip)

	call	e820_ram_end
	cmpq	%rsi, %rax
	jb	not_enough_ram

	movl	$MEM_AVOID_INITRD, %edx		/* the loader's things but the initrd */
	call	mem_avoid_overlap
	cmpl	$-1, %eax
	jne	place_occupied
	movl	$-1, %edx			/* then the initrd */
	call	mem_avoid_overlap
	cmpl	$-1, %eax
	je	1f
	call	move_initrd
1:	popq	%rdi
	popq	%rsi
	popq	%rdx
	ret

/*
 * move_initrd: the initrd overlaps the kernel's place. Find the highest
 * page-aligned place below 4 GiB in usable RAM that overlaps neither the
 * kernel's place nor any other mem_avoid range (it may overlap where the
 * initrd is now), copy the initrd there in the direction that keeps every
 * byte, and tell the kernel through boot_params.ramdisk_image and
 * ext_ramdisk_image. The highest such place ends at the end of a RAM range,
 * at 4 GiB, or right below the kernel's place or an avoided range: only
 * those are tried (bootstage.FindInitrdPlace).
 */
move_initrd:
	pushq	%rbx
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%r8
	pushq	%r9
	pushq	%r10
	movq	(mem_avoid + MEM_AVOID_INITRD * 16 + 8)(%rip), %r8
	subq	(mem_avoid + MEM_AVOID_INITRD * 16)(%rip), %r8	/* R8 = size */
	xorl	%r9d, %r9d			/* R9 = the best place so far */
	xorl	%r10d, %r10d			/* R10 = 1: one was found */

	movl	ram_nr(%rip), %ecx		/* the ends of the RAM ranges */
	leaq	ram_ranges(%rip), %rbx
1:	testl	%ecx, %ecx
	jz	2f
	movq	8(%rbx), %rdi
	movq	$0x100000000, %rax
	cmpq	%rax, %rdi
	jbe	11f
	movq	%rax, %rdi
11:	call	try_initrd_place
	addq	$16, %rbx
	subl	$1, %ecx
	jmp	1b
2:	movq	kernel_place(%rip), %rdi	/* right below the kernel */
	call	try_initrd_place
	xorl	%ecx, %ecx			/* right below each avoided range */
	leaq	mem_avoid(%rip), %rbx
3:	cmpl	$MEM_AVOID_INITRD, %ecx
	je	4f
	movq	0(%rbx), %rdi
	cmpq	8(%rbx), %rdi
	jae	4f
	call	try_initrd_place
4:	addq	$16, %rbx
	addl	$1, %ecx
	cmpl	$MEM_AVOID_MAX, %ecx
	jb	3b
	testl	%r10d, %r10d
	jz	initrd_no_room

	testb	$1, debug_flag(%rip)
	jz	5f
	leaq	msg_initrd_1(%rip), %rsi
	leaq	msg_initrd_2(%rip), %rdi
	call	print_initrd_and_place
	leaq	msg_initrd_3(%rip), %rsi
	call	__putstr
	movq	%r9, %rax
	leaq	(%r9, %r8), %rdx
	call	print_mem_range
	leaq	msg_eol(%rip), %rsi
	call	__putstr
5:
	movq	%r9, %rdi
	movq	(mem_avoid + MEM_AVOID_INITRD * 16)(%rip), %rsi
	movq	%r8, %rcx
	call	memmove
	movl	boot_params_ptr(%rip), %ebx
	movl	%r9d, BP_ramdisk_image(%rbx)
	movq	%r9, %rax
	shrq	$32, %rax
	movl	%eax, BP_ext_ramdisk_image(%rbx)
	movq	%r9, (mem_avoid + MEM_AVOID_INITRD * 16)(%rip)
	leaq	(%r9, %r8), %rax
	movq	%rax, (mem_avoid + MEM_AVOID_INITRD * 16 + 8)(%rip)
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rbx
	ret

/*
 * try_initrd_place (move_initrd's): RDI = where the initrd would end at
 * most, R8 = its size; R9/R10 = the best place and whether there is one.
 * Takes RDI - R8, page-aligned down, if it is higher than R9 and free.
 */
try_initrd_place:
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	cmpq	%r8, %rdi
	jb	9f
	subq	%r8, %rdi
	andq	$-PAGE_SIZE, %rdi		/* RDI = the candidate */
	testl	%r10d, %r10d
	jz	1f
	cmpq	%r9, %rdi
	jbe	9f
1:	leaq	(%rdi, %r8), %rsi		/* RSI = its end */
	movq	$0x100000000, %rax
	cmpq	%rax, %rsi
	ja	9f
	call	e820_ram_end			/* all of it RAM? */
	cmpq	%rsi, %rax
	jb	9f
	cmpq	(kernel_place + 8)(%rip), %rdi	/* not on the kernel's place */
	jae	2f
	cmpq	kernel_place(%rip), %rsi
	ja	9f
2:	movl	$MEM_AVOID_INITRD, %edx		/* nor on anything else */
	call	mem_avoid_overlap
	cmpl	$-1, %eax
	jne	9f
	movq	%rdi, %r9
	movl	$1, %r10d
9:	popq	%rdi
	popq	%rsi
	popq	%rdx
	ret

/*
 * memmove: RDI = destination, RSI = source, RCX = bytes; the ranges may
 * overlap, so copy upwards when the destination is below the source and
 * downwards otherwise (Linux arch/x86/lib/memmove_64.S). Clobbers RCX,
 * RSI, RDI, RDX.
 */
memmove:
	cmpq	%rsi, %rdi
	je	9f
	movq	%rcx, %rdx
	jb	1f
	std					/* downwards: the tail bytes, then qwords */
	leaq	-1(%rsi, %rcx), %rsi
	leaq	-1(%rdi, %rcx), %rdi
	andq	$7, %rcx
	rep	movsb
	subq	$7, %rsi
	subq	$7, %rdi
	movq	%rdx, %rcx
	shrq	$3, %rcx
	rep	movsq
	cld
	ret
1:	shrq	$3, %rcx			/* upwards: qwords, then the tail bytes */
	rep	movsq
	movq	%rdx, %rcx
	andq	$7, %rcx
	rep	movsb
9:	ret

/* ---------------------------------------------------------------------
 * The fatal ends: one line naming the problem and the figures, then die.
 * --------------------------------------------------------------------- */

/* RDI, RSI = the kernel's place. */
not_enough_ram:
	leaq	msg_ram_1(%rip), %rsi
	call	__putstr
	movq	kernel_place(%rip), %rax
	movq	(kernel_place + 8)(%rip), %rdx
	call	print_mem_range
	leaq	msg_ram_2(%rip), %rsi
	call	__putstr
	call	ram_ends_at
	call	print_hex
	leaq	msg_eol(%rip), %rsi
	jmp	error

/* EAX = the mem_avoid index. */
place_occupied:
	movl	%eax, %ecx
	leaq	msg_occupied_1(%rip), %rsi
	call	__putstr
	leaq	mem_avoid_names(%rip), %rsi
	movq	(%rsi, %rcx, 8), %rsi
	leaq	startup_32(%rip), %rax		/* the names are link addresses */
	addq	%rax, %rsi
	call	__putstr
	leaq	msg_occupied_2(%rip), %rsi
	call	__putstr
	shll	$4, %ecx
	leaq	mem_avoid(%rip), %rsi
	movq	(%rsi, %rcx), %rax
	movq	8(%rsi, %rcx), %rdx
	call	print_mem_range
	leaq	msg_occupied_3(%rip), %rsi
	call	__putstr
	movq	kernel_place(%rip), %rax
	movq	(kernel_place + 8)(%rip), %rdx
	call	print_mem_range
	leaq	msg_eol(%rip), %rsi
	jmp	error

/* R8 = the initrd's size. */
initrd_no_room:
	leaq	msg_noroom_1(%rip), %rsi
	leaq	msg_noroom_2(%rip), %rdi
	call	print_initrd_and_place
	leaq	msg_noroom_3(%rip), %rsi
	call	__putstr
	movq	%r8, %rax
	call	__putdec
	leaq	msg_noroom_4(%rip), %rsi
	jmp	error

/* print_initrd_and_place: RSI, the initrd's range, RDI, the kernel's
 * place: "<RSI>[mem initrd]<RDI>[mem place]". Clobbers RSI. */
print_initrd_and_place:
	pushq	%rax
	pushq	%rdx
	call	__putstr
	movq	(mem_avoid + MEM_AVOID_INITRD * 16)(%rip), %rax
	movq	(mem_avoid + MEM_AVOID_INITRD * 16 + 8)(%rip), %rdx
	call	print_mem_range
	movq	%rdi, %rsi
	call	__putstr
	movq	kernel_place(%rip), %rax
	movq	(kernel_place + 8)(%rip), %rdx
	call	print_mem_range
	popq	%rdx
	popq	%rax
	ret

/* print_mem_range: RAX = start, RDX = end (exclusive) as Linux prints a
 * range, "[mem 0x01000000-0x011a7fff]". */
print_mem_range:
	pushq	%rsi
	pushq	%rax
	leaq	msg_mem(%rip), %rsi
	call	__putstr
	call	print_hex
	movb	$'-', %al
	call	serial_putchar
	leaq	-1(%rdx), %rax
	call	print_hex
	movb	$']', %al
	call	serial_putchar
	popq	%rax
	popq	%rsi
	ret

/* print_hex: RAX as printk's %#010llx: "0x" and at least 8 digits. */
print_hex:
	pushq	%rax
	pushq	%rcx
	pushq	%rdx
	movq	%rax, %rdx
	movb	$'0', %al
	call	serial_putchar
	movb	$'x', %al
	call	serial_putchar
	movl	$28, %ecx			/* the shift of the first digit */
	bsrq	%rdx, %rax
	jz	1f
	andl	$~3, %eax
	cmpl	%ecx, %eax
	jbe	1f
	movl	%eax, %ecx
1:	movq	%rdx, %rax
	shrq	%cl, %rax
	andl	$0xf, %eax
	addl	$'0', %eax
	cmpl	$'9', %eax
	jbe	2f
	addl	$('a' - '9' - 1), %eax
2:	call	serial_putchar
	subl	$4, %ecx
	jns	1b
	popq	%rdx
	popq	%rcx
	popq	%rax
	ret

	.section .rodata
msg_eol:	.asciz	"\n"
msg_mem:	.asciz	"[mem "
msg_ram_1:	.asciz	"Not enough RAM to boot: the kernel needs "
msg_ram_2:	.asciz	", RAM ends at "
msg_noroom_1:	.asciz	"Not enough RAM to boot: the initrd "
msg_noroom_2:	.asciz	" overlaps the kernel's "
msg_noroom_3:	.asciz	", and no other free RAM below 4 GiB holds its "
msg_noroom_4:	.asciz	" bytes\n"
msg_occupied_1:	.asciz	"Cannot boot: the loader put the "
msg_occupied_2:	.asciz	" at "
msg_occupied_3:	.asciz	", where the kernel must run: "
msg_initrd_1:	.asciz	"startup_64: the initrd "
msg_initrd_2:	.asciz	" is in the kernel's way "
msg_initrd_3:	.asciz	": moving it to "
name_zo:	.asciz	"boot stage"
name_initrd:	.asciz	"initrd"
name_cmdline:	.asciz	"command line"
name_bootparams: .asciz	"boot_params"
name_realmode:	.asciz	"real-mode memory"
	.balign	8
mem_avoid_names:
	.quad	name_zo, name_initrd, name_cmdline, name_bootparams, name_realmode

	.bss
	.balign	16
ram_ranges:	.skip	16 * E820_MAX_ENTRIES_ZEROPAGE	/* [start, end) */
ram_nr:		.skip	4
	.balign	16
mem_avoid:	.skip	16 * MEM_AVOID_MAX		/* [start, end) */
kernel_place:	.skip	16				/* [start, end) */
