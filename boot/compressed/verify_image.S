/*
 * boot/compressed/verify_image.S — is the payload in memory the one the
 * image builder made? A bzImage cut short, or with a changed byte, must
 * end in a message, never in a jump into garbage.
 *
 * Linux: arch/x86/boot/tools/build.c appends a CRC32 of the image to the
 *        bzImage for tools to check; what Linux checks at boot is the
 *        compressor's own check of the payload as the decompressor unpacks
 *        it (zstd's frame checksum, the low 32 bits of XXH64:
 *        lib/decompress_unzstd.c). gokern's payload is not compressed;
 *        its builder (internal/bzimage addImageCheck) records the
 *        payload's length and XXH32 (Linux lib/xxhash.c xxh32, the LZ4
 *        frame's checksum; XXH64's 64-bit multiplies cost three each in
 *        this 32-bit code) in image_check, a hole the linker script leaves
 *        near the start of the payload, so that they are there even when
 *        the end of the image is not; and this stage checks them first
 *        thing, before it trusts or writes any byte of the payload. QEMU's
 *        -kernel loads the file as it is, so a short file shows up only
 *        here, in memory. It was a slice-by-8 CRC32 (Linux lib/crc32.c):
 *        under QEMU's TCG the cost is per guest instruction and per memory
 *        access, and XXH32 takes 1.2 instructions and a quarter of a load
 *        per byte where the CRC took 3.1 and 1.25 (9.4 million
 *        instructions for the 2.9 MB payload, 3.6 million now). Like the
 *        CRC it is 32 bits, and a change within one aligned 4-byte word
 *        always changes it (internal/bzimage xxh32.go says why).
 *
 * 32-bit code, called from startup_32 with EBP = the load address and a
 * stack; the loader's flat segments are still loaded.
 */

	.include "bootparam.inc"

/* image_check's layout, IC_size, IC_xxh32, IC_SIZE, and PRIME32_1..5: consts.inc (from the
 * image builder, internal/bzimage). */

	.text
	.code32

/*
 * verify_image: EAX = 0 if the payload is whole; else non-zero, with
 * image_hash_got and image_end_mark set for image_corrupt. The hash covers
 * bytes [0, size) of the payload but the 8 of image_check; the builder
 * appended a copy of it at size, where a short image has something else.
 * Both must match: the hash alone would pass an image cut short where the
 * bytes lost were zeros and the memory behind the load reads as zeros too.
 * A record whose size cannot be right (below its own end, or into the
 * bss) is not followed: the hash is then not computed.
 */
	.globl	verify_image
verify_image:
	pushl	%ebx
	pushl	%ecx
	pushl	%edx
	pushl	%esi
	pushl	%edi
	movl	$0, image_hash_got(%ebp)
	movl	$0, image_end_mark(%ebp)
	movl	(image_check + IC_size)(%ebp), %edx	/* EDX = size */
	cmpl	$(image_check + IC_SIZE), %edx
	jb	8f
	cmpl	$(_bss - 4), %edx
	ja	8f
	call	xxh32_payload
	movl	%eax, image_hash_got(%ebp)
	movl	(%ebp, %edx), %ecx
	movl	%ecx, image_end_mark(%ebp)
	cmpl	(image_check + IC_xxh32)(%ebp), %eax
	jne	8f
	cmpl	(image_check + IC_xxh32)(%ebp), %ecx
	jne	8f
	xorl	%eax, %eax
	jmp	9f
8:	movl	$1, %eax
9:	popl	%edi
	popl	%esi
	popl	%edx
	popl	%ecx
	popl	%ebx
	ret

/*
 * image_corrupt: the fatal end when verify_image said no; the console is
 * up. "Kernel image corrupt or truncated: expected N bytes xxh32 0x...,
 * got xxh32 0x..." and which it looks like: the copy of the hash at the
 * end missing means the loader loaded fewer bytes than the builder wrote.
 */
	.globl	image_corrupt
image_corrupt:
	leal	msg_corrupt_1(%ebp), %esi
	call	__putstr
	movl	(image_check + IC_size)(%ebp), %eax
	call	__putdec
	leal	msg_corrupt_2(%ebp), %esi
	call	__putstr
	movl	(image_check + IC_xxh32)(%ebp), %eax
	call	__puthex
	leal	msg_corrupt_3(%ebp), %esi
	call	__putstr
	movl	image_hash_got(%ebp), %eax
	call	__puthex
	movl	image_end_mark(%ebp), %eax
	cmpl	(image_check + IC_xxh32)(%ebp), %eax
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
 * cost (EAX = TSC cycles): "startup_32: payload N bytes, xxh32 0x... ok,
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
	movl	(image_check + IC_xxh32)(%ebp), %eax
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
 * xxh32_payload: EAX = the XXH32 (seed 0) of the payload at EBP, bytes
 * [0, image_check) then [image_check + 8, EDX): one stream of EDX - 8
 * bytes (Linux xxh32). image_check is a multiple of 16 and at least 16
 * (vmlinux.lds), so the first part is whole stripes, the second part's
 * stripes go on with the same four lanes, and the stream has at least
 * one stripe. EBP and EDX are kept; EBX, ECX, ESI and EDI are not.
 */
xxh32_payload:
	pushl	%ebp
	pushl	%edx				/* 0(%esp) size, 4(%esp) load address */
	movl	$((PRIME32_1 + PRIME32_2) & 0xffffffff), %eax	/* v1 */
	movl	$PRIME32_2, %ebx		/* v2 */
	xorl	%ecx, %ecx			/* v3 */
	movl	$(-PRIME32_1 & 0xffffffff), %edx	/* v4 */
	movl	%ebp, %esi
	leal	image_check(%ebp), %edi
	call	xxh32_stripes			/* [0, image_check) */
	movl	4(%esp), %esi
	addl	$(image_check + IC_SIZE), %esi
	movl	(%esp), %edi
	subl	$(image_check + IC_SIZE), %edi
	andl	$~15, %edi
	addl	%esi, %edi
	call	xxh32_stripes			/* the second part's whole stripes */
	roll	$1, %eax			/* h = the lanes, merged */
	roll	$7, %ebx
	addl	%ebx, %eax
	roll	$12, %ecx
	addl	%ecx, %eax
	roll	$18, %edx
	addl	%edx, %eax
	movl	(%esp), %edx
	leal	-IC_SIZE(%eax, %edx), %eax	/* h += the stream's length */
	movl	4(%esp), %edi
	addl	%edx, %edi			/* EDI = the end of the stream */
1:	leal	4(%esi), %ecx			/* the last words */
	cmpl	%edi, %ecx
	ja	2f
	imull	$PRIME32_3, (%esi), %ecx
	addl	%ecx, %eax
	roll	$17, %eax
	imull	$PRIME32_4, %eax, %eax
	addl	$4, %esi
	jmp	1b
2:	cmpl	%edi, %esi			/* the last bytes */
	jae	3f
	movzbl	(%esi), %ecx
	imull	$PRIME32_5, %ecx, %ecx
	addl	%ecx, %eax
	roll	$11, %eax
	imull	$PRIME32_1, %eax, %eax
	addl	$1, %esi
	jmp	2b
3:	movl	%eax, %ecx			/* the final mix (avalanche) */
	shrl	$15, %ecx
	xorl	%ecx, %eax
	imull	$PRIME32_2, %eax, %eax
	movl	%eax, %ecx
	shrl	$13, %ecx
	xorl	%ecx, %eax
	imull	$PRIME32_3, %eax, %eax
	movl	%eax, %ecx
	shrl	$16, %ecx
	xorl	%ecx, %eax
	popl	%edx
	popl	%ebp
	ret

/*
 * xxh32_stripes: the lanes v1..v4 in EAX, EBX, ECX, EDX over the 16-byte
 * stripes from ESI to EDI (a whole number of them): each lane takes its
 * 4 bytes of a stripe as v = rotl(v + word * PRIME32_2, 13) * PRIME32_1.
 * ESI = EDI after; EBP is clobbered (the product).
 */
/* One lane's round on the word at off(%esi) (xxh32_round). */
.macro XXH32_ROUND acc, off
	imull	$PRIME32_2, \off(%esi), %ebp
	addl	%ebp, \acc
	roll	$13, \acc
	imull	$PRIME32_1, \acc, \acc
.endm

xxh32_stripes:
	cmpl	%edi, %esi
	jae	2f
1:	XXH32_ROUND %eax, 0
	XXH32_ROUND %ebx, 4
	XXH32_ROUND %ecx, 8
	XXH32_ROUND %edx, 12
	addl	$16, %esi
	cmpl	%edi, %esi
	jb	1b
2:	ret

	.section .rodata
msg_corrupt_1:	.asciz	"Kernel image corrupt or truncated: expected "
msg_corrupt_2:	.asciz	" bytes xxh32 0x"
msg_corrupt_3:	.asciz	", got xxh32 0x"
msg_truncated_1: .asciz	"; the hash copy that ends the image reads 0x"
msg_truncated_2: .asciz	": the loader loaded fewer bytes (truncated image)\n"
msg_changed:	.asciz	"; the hash copy that ends the image is intact: bytes changed (corrupt image)\n"
msg_checked_1:	.asciz	"startup_32: payload "
msg_checked_2:	.asciz	" bytes, xxh32 0x"
msg_checked_3:	.asciz	" ok, checked in "
msg_checked_4:	.asciz	" TSC cycles\n"

	.bss
	.balign	4
image_hash_got:	.skip	4		/* the XXH32 of the payload in memory */
image_end_mark:	.skip	4		/* the 4 bytes at its end */
