/*
 * memory.S - ask the BIOS how much memory there is, three ways.
 *
 * Linux: arch/x86/boot/memory.c (detect_memory, detect_memory_e820,
 *        detect_memory_e801, detect_memory_88).
 * Seeds: 000 "main()" ("asks BIOS which is the available memory for
 *        creating a physical address map") and "e820"; 003 "Real Mode"
 *        (detect_memory fills boot_params.e820_table / e820_entries).
 * BIOS interface (Ralf Brown's Interrupt List):
 *   INT 15h AX=E820h "GET SYSTEM MEMORY MAP" (ACPI spec "Address Range
 *        Descriptor", INT 15H E820H): EDX='SMAP', ECX=buffer size,
 *        EBX=continuation (0 first), ES:DI=buffer; returns CF=0,
 *        EAX='SMAP', ECX=bytes written, EBX=next continuation (0 = last).
 *   INT 15h AX=E801h "GET MEMORY SIZE FOR >64M CONFIGURATIONS":
 *        AX/CX = KiB between 1 MiB and 16 MiB (at most 15 MiB),
 *        BX/DX = 64 KiB blocks above 16 MiB.
 *   INT 15h AH=88h "GET EXTENDED MEMORY SIZE": AX = KiB above 1 MiB.
 *
 * All three run, like Linux: the kernel proper picks the best answer.
 *
 * Test knob (gokern only; QEMU's BIOSes all have E820):
 *   detect_memory=e801  skip E820
 *   detect_memory=88    skip E820 and E801
 * Any other value is reported and ignored.
 */
	.include "boot.inc"

	.code16
	.text

.set SMAP, 0x534d4150			/* "SMAP" */

/*
 * detect_memory: fill boot_params.e820_table/e820_entries, alt_mem_k and
 * screen_info.ext_mem_k.  With "debug", print what was found:
 *   detect_memory: e820 entry %u: addr 0x%016x size 0x%016x type %u
 *   detect_memory: %u e820 entries, e801 %u KiB, int 0x88 %u KiB
 */
SYM_FUNC_START detect_memory
	pushal
	# The test knob: how much to skip (0 none, 1 E820, 2 E820 and E801)
	movb	$0, dm_skip
	movw	$opt_detect_memory, %si
	movw	$dm_arg, %di
	movw	$DM_ARG_SIZE, %cx
	call	cmdline_find_option
	cmpl	$0, %eax
	jle	2f
	movw	$dm_arg, %si
	movw	$str_e801, %di
	movw	$5, %cx			# "e801" and its NUL
	call	memcmp
	jne	1f
	movb	$1, dm_skip
	jmp	2f
1:	movw	$str_88, %di
	movw	$3, %cx			# "88" and its NUL
	call	memcmp
	jne	11f
	movb	$2, dm_skip
	jmp	2f
11:	# anything else: say so (always: an option is never dropped silently)
	PUTS	"detect_memory="
	movw	$dm_arg, %si
	call	puts
	PUTS	": not e801 or 88: ignored, E820 first as usual\n"
2:
	cmpb	$0, dm_skip
	je	3f
	SKIP_UNLESS_DEBUG 4f
	PUTS	"detect_memory: E820 skipped (detect_memory="
	movw	$dm_arg, %si
	call	puts
	PUTS	")\n"
	jmp	4f
3:	call	detect_memory_e820
4:
	cmpb	$0, boot_params + BP_e820_entries
	jne	5f
	PUTS	"detect_memory: BIOS has no E820, falling back to E801/88h\n"
5:
	cmpb	$2, dm_skip
	je	6f
	call	detect_memory_e801
6:	call	detect_memory_88

	SKIP_UNLESS_DEBUG 9f
	call	print_e820
	PUTS	"detect_memory: "
	movzbl	boot_params + BP_e820_entries, %eax
	call	putdec
	PUTS	" e820 entries, e801 "
	movl	boot_params + BP_alt_mem_k, %eax
	call	putdec
	PUTS	" KiB, int 0x88 "
	movzwl	boot_params + BP_ext_mem_k, %eax
	call	putdec
	PUTS	" KiB\n"
9:	popal
	ret
SYM_FUNC_END detect_memory

/*
 * detect_memory_e820: INT 15h EAX=E820h until the BIOS says "last"
 * (EBX = 0) or fails (CF = 1: some BIOSes end the chain this way), the
 * signature is wrong, or the zeropage table (128 entries) is full.
 * Each entry goes straight into boot_params.e820_table.  A wrong 'SMAP'
 * in the middle means the map cannot be trusted: count = 0, as Linux.
 * (Linux reads each entry into one static buffer and copies it, for one
 * BIOS that only updates changed fields; writing into the table is fine
 * on SeaBIOS and qboot, which write the whole entry.)
 */
SYM_FUNC_START detect_memory_e820
# LAB realmode BEGIN
	pushal
	xorl	%ebx, %ebx		# continuation: 0 = first call
	xorw	%bp, %bp		# %bp = count
	movw	$boot_params + BP_e820_table, %di	# ES:DI = the entry
1:	movl	$0xe820, %eax
	movl	$E820_ENTRY_SIZE, %ecx
	movl	$SMAP, %edx
	pushw	%bp
	pushw	%di
	int	$0x15			# may clobber EDX, ESI (Linux notes)
	popw	%di
	popw	%bp
	jc	3f			# end of chain (or failure)
	cmpl	$SMAP, %eax
	jne	2f			# BIOS lost its mind: no map at all
	incw	%bp
	addw	$E820_ENTRY_SIZE, %di
	testl	%ebx, %ebx
	jz	3f			# that was the last one
	cmpw	$E820_MAX_ENTRIES_ZEROPAGE, %bp
	jb	1b
	jmp	3f
2:	xorw	%bp, %bp
3:	movw	%bp, %ax
	movb	%al, boot_params + BP_e820_entries
	popal
	ret
# LAB realmode SKELETON
# 	# INT 15h EAX=E820h, EDX='SMAP', ECX=20, EBX=continuation, ES:DI
# 	# = the next entry of boot_params.e820_table, until EBX=0 or CF=1;
# 	# the count goes into boot_params.e820_entries.
# 	PUTS	"LAB realmode: detect_memory_e820 not implemented yet\n"
# 	movb	$0, boot_params + BP_e820_entries
# 	ret
# LAB realmode END
SYM_FUNC_END detect_memory_e820

/*
 * detect_memory_e801: alt_mem_k = KiB above 1 MiB.  If the 1..16 MiB
 * part is all there (15 MiB), add the 64 KiB blocks above 16 MiB;
 * otherwise there is a hole at 16 MiB and only the part below counts.
 * AX/BX vs CX/DX: some BIOSes fill only one pair; use CX/DX when set.
 * Carry (set before the call, as Linux) = not supported: leave it 0.
 */
SYM_FUNC_START detect_memory_e801
	pushal
	movw	$0xe801, %ax
	xorw	%bx, %bx
	xorw	%cx, %cx
	xorw	%dx, %dx
	stc
	int	$0x15
	jc	9f
	movw	%cx, %si
	orw	%dx, %si
	jz	1f
	movw	%cx, %ax
	movw	%dx, %bx
1:	cmpw	$15 * 1024, %ax
	ja	9f			# bogus
	movzwl	%ax, %eax
	jb	2f			# hole at 16 MiB: below it only
	movzwl	%bx, %ebx
	shll	$6, %ebx		# 64 KiB blocks -> KiB
	addl	%ebx, %eax
2:	movl	%eax, boot_params + BP_alt_mem_k
9:	popal
	ret
SYM_FUNC_END detect_memory_e801

/* detect_memory_88: screen_info.ext_mem_k = INT 15h AH=88h's AX. */
SYM_FUNC_START detect_memory_88
	pushal
	movb	$0x88, %ah
	stc
	int	$0x15
	jc	9f			# not supported: leave 0
	movw	%ax, boot_params + BP_ext_mem_k
9:	popal
	ret
SYM_FUNC_END detect_memory_88

/* print_e820: one line per entry in boot_params.e820_table. */
SYM_FUNC_START print_e820
	pushal
	movw	$boot_params + BP_e820_table, %si
	xorl	%ecx, %ecx
1:	cmpb	%cl, boot_params + BP_e820_entries
	jbe	9f
	PUTS	"detect_memory: e820 entry "
	movl	%ecx, %eax
	call	putdec
	PUTS	": addr 0x"
	movl	E820_addr + 4(%si), %eax
	call	puthex32
	movl	E820_addr(%si), %eax
	call	puthex32
	PUTS	" size 0x"
	movl	E820_size + 4(%si), %eax
	call	puthex32
	movl	E820_size(%si), %eax
	call	puthex32
	PUTS	" type "
	movl	E820_type(%si), %eax
	call	putdec
	movb	$'\n', %al
	call	putchar
	addw	$E820_ENTRY_SIZE, %si
	incl	%ecx
	jmp	1b
9:	popal
	ret
SYM_FUNC_END print_e820

	.section .rodata
opt_detect_memory:	.asciz	"detect_memory"
str_e801:		.asciz	"e801"
str_88:			.asciz	"88"

	.bss
.set DM_ARG_SIZE, 8
dm_arg:		.skip	DM_ARG_SIZE	# value of detect_memory=
dm_skip:	.skip	1		# 0, 1 (no E820) or 2 (no E820, no E801)
