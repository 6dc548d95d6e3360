/*
 * boot/compressed/verify_image.S — is the payload in memory the one the
 * image builder made? A bzImage cut short, or with a changed byte, must
 * end in a message, never in a jump into garbage.
 *
 * Linux: arch/x86/boot/tools/build.c appends a CRC32 of the image to the
 *        bzImage for tools to check; nothing checks it at boot. gokern's
 *        builder (internal/bzimage addImageCheck) also records the
 *        payload's length and CRC32 in image_check, a hole the linker
 *        script leaves near the start of the payload, so that they are
 *        there even when the end of the image is not; and this stage
 *        checks them first thing, before it trusts or writes any byte of
 *        the payload. QEMU's -kernel loads the file as it is, so a short
 *        file shows up only here, in memory.
 *        crc32_le: Linux lib/crc32.c crc32_le with CRC_LE_BITS 64
 *        (crc32_body, "slice-by-8"): eight bytes a round through eight
 *        tables, crc32table_le[8][256], which the build makes from Go
 *        (internal/bzimage Crc32table_le; Linux lib/gen_crc32table.c) into
 *        generated/crc32table.inc. The CRC is the IEEE one of Linux's
 *        tools/build.c and of Go's hash/crc32, so host tools can check it.
 *
 * 32-bit code, called from startup_32 with EBP = the load address and a
 * stack; the loader's flat segments are still loaded.
 */

	.include "bootparam.inc"

/* image_check's layout, IC_size, IC_crc32, IC_SIZE: consts.inc (from the
 * image builder, internal/bzimage). */

	.text
	.code32

/*
 * verify_image: EAX = 0 if the payload is whole; else non-zero, with
 * image_crc_got and image_end_mark set for image_corrupt. The CRC covers
 * bytes [0, size) of the payload but the 8 of image_check; the builder
 * appended a copy of it at size, where a short image has something else.
 * Both must match: the CRC alone would pass an image cut short where the
 * bytes lost were zeros and the memory behind the load reads as zeros too.
 * A record whose size cannot be right (below its own end, or into the
 * bss) is not followed: the CRC is then not computed.
 */
	.globl	verify_image
verify_image:
	pushl	%ecx
	pushl	%edx
	pushl	%esi
	movl	$0, image_crc_got(%ebp)
	movl	$0, image_end_mark(%ebp)
	movl	(image_check + IC_size)(%ebp), %edx	/* EDX = size */
	cmpl	$(image_check + IC_SIZE), %edx
	jb	8f
	cmpl	$(_bss - 4), %edx
	ja	8f
	xorl	%eax, %eax
	movl	%ebp, %esi
	movl	$image_check, %ecx
	call	crc32_le			/* [0, image_check) */
	leal	(image_check + IC_SIZE)(%ebp), %esi
	movl	%edx, %ecx
	subl	$(image_check + IC_SIZE), %ecx
	call	crc32_le			/* (image_check + 8, size) */
	movl	%eax, image_crc_got(%ebp)
	movl	(%ebp, %edx), %ecx
	movl	%ecx, image_end_mark(%ebp)
	cmpl	(image_check + IC_crc32)(%ebp), %eax
	jne	8f
	cmpl	(image_check + IC_crc32)(%ebp), %ecx
	jne	8f
	xorl	%eax, %eax
	jmp	9f
8:	movl	$1, %eax
9:	popl	%esi
	popl	%edx
	popl	%ecx
	ret

/*
 * image_corrupt: the fatal end when verify_image said no; the console is
 * up. "Kernel image corrupt or truncated: expected N bytes crc 0x...,
 * got crc 0x..." and which it looks like: the copy of the CRC at the end
 * missing means the loader loaded fewer bytes than the builder wrote.
 */
	.globl	image_corrupt
image_corrupt:
	leal	msg_corrupt_1(%ebp), %esi
	call	__putstr
	movl	(image_check + IC_size)(%ebp), %eax
	call	__putdec
	leal	msg_corrupt_2(%ebp), %esi
	call	__putstr
	movl	(image_check + IC_crc32)(%ebp), %eax
	call	__puthex
	leal	msg_corrupt_3(%ebp), %esi
	call	__putstr
	movl	image_crc_got(%ebp), %eax
	call	__puthex
	movl	image_end_mark(%ebp), %eax
	cmpl	(image_check + IC_crc32)(%ebp), %eax
	jne	1f
	leal	msg_changed(%ebp), %esi
	jmp	error
1:	leal	msg_truncated_1(%ebp), %esi
	call	__putstr
	call	__puthex
	leal	msg_truncated_2(%ebp), %esi
	jmp	error

/*
 * debug_image_checked: with "debug", what verify_image found and what it
 * cost (EAX = TSC cycles): "startup_32: payload N bytes, crc32 0x... ok,
 * checked in N TSC cycles".
 */
	.globl	debug_image_checked
debug_image_checked:
	pushl	%esi
	pushl	%eax
	leal	msg_checked_1(%ebp), %esi
	call	__putstr
	movl	(image_check + IC_size)(%ebp), %eax
	call	__putdec
	leal	msg_checked_2(%ebp), %esi
	call	__putstr
	movl	(image_check + IC_crc32)(%ebp), %eax
	call	__puthex
	leal	msg_checked_3(%ebp), %esi
	call	__putstr
	popl	%eax
	call	__putdec
	leal	msg_checked_4(%ebp), %esi
	call	__putstr
	popl	%esi
	ret

/*
 * crc32_le: EAX = the CRC so far (0 to start), ESI = bytes, ECX = how
 * many. EAX = the CRC with them. The running value is kept inverted, as
 * zlib's and Go's hash/crc32 Update, so that a second call goes on where
 * the first stopped.
 *
 * Eight bytes a round (Linux crc32_body): the first four XOR-ed into the
 * CRC and looked up in tables 7..4, the next four in tables 3..0; a table
 * k gives the CRC of a byte followed by k zero bytes, so the eight
 * lookups are independent and their XOR is the CRC after all eight. The
 * last len % 8 bytes go one at a time through table 0.
 */
	.set	T, 256 * 4			/* bytes per table */
crc32_le:
	pushl	%ebx
	pushl	%ecx
	pushl	%edx
	pushl	%esi
	pushl	%edi
	notl	%eax
	movl	%ecx, %edi
	shrl	$3, %ecx			/* ECX = rounds of 8 bytes */
	jz	2f
1:	xorl	(%esi), %eax			/* q = crc ^ bytes 0-3 */
	movl	4(%esi), %ebx			/* bytes 4-7 */
	movzbl	%al, %edx
	movl	(crc32table_le + 7*T)(%ebp, %edx, 4), %edi
	movzbl	%ah, %edx
	xorl	(crc32table_le + 6*T)(%ebp, %edx, 4), %edi
	shrl	$16, %eax
	movzbl	%al, %edx
	xorl	(crc32table_le + 5*T)(%ebp, %edx, 4), %edi
	movzbl	%ah, %edx
	xorl	(crc32table_le + 4*T)(%ebp, %edx, 4), %edi
	movzbl	%bl, %edx
	xorl	(crc32table_le + 3*T)(%ebp, %edx, 4), %edi
	movzbl	%bh, %edx
	xorl	(crc32table_le + 2*T)(%ebp, %edx, 4), %edi
	shrl	$16, %ebx
	movzbl	%bl, %edx
	xorl	(crc32table_le + 1*T)(%ebp, %edx, 4), %edi
	movzbl	%bh, %edx
	xorl	(crc32table_le + 0*T)(%ebp, %edx, 4), %edi
	movl	%edi, %eax
	addl	$8, %esi
	subl	$1, %ecx
	jnz	1b
	movl	12(%esp), %edi			/* the length again (pushed ECX) */
2:	movl	%edi, %ecx
	andl	$7, %ecx			/* the last len % 8 bytes */
	jz	4f
3:	movzbl	(%esi), %edx
	xorb	%al, %dl			/* EDX = (crc ^ byte) & 0xff */
	shrl	$8, %eax
	xorl	crc32table_le(%ebp, %edx, 4), %eax
	addl	$1, %esi
	subl	$1, %ecx
	jnz	3b
4:	notl	%eax
	popl	%edi
	popl	%esi
	popl	%edx
	popl	%ecx
	popl	%ebx
	ret

	.section .rodata
msg_corrupt_1:	.asciz	"Kernel image corrupt or truncated: expected "
msg_corrupt_2:	.asciz	" bytes crc 0x"
msg_corrupt_3:	.asciz	", got crc 0x"
msg_truncated_1: .asciz	"; the crc copy that ends the image reads 0x"
msg_truncated_2: .asciz	": the loader loaded fewer bytes (truncated image)\n"
msg_changed:	.asciz	"; the crc copy that ends the image is intact: bytes changed (corrupt image)\n"
msg_checked_1:	.asciz	"startup_32: payload "
msg_checked_2:	.asciz	" bytes, crc32 0x"
msg_checked_3:	.asciz	" ok, checked in "
msg_checked_4:	.asciz	" TSC cycles\n"

/* crc32table_le[8][256], made by the build (see above). */
	.include "generated/crc32table.inc"

	.bss
	.balign	4
image_crc_got:	.skip	4		/* the CRC of the payload in memory */
image_end_mark:	.skip	4		/* the 4 bytes at its end */
