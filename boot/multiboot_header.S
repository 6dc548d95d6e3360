/*
 * multiboot_header.S - the multiboot and multiboot2 headers of the
 * bzImage, so that GRUB's `multiboot` and `multiboot2` commands can load
 * the image as well as its `linux` and `linux16`.
 *
 * Linux has none (it boots from multiboot loaders only through GRUB's
 * linux commands); the layouts are the specifications' (Multiboot 0.6.96
 * §3.1 "OS image format", Multiboot2 2.0 §3.1), named in
 * arch/amd64/asm/multiboot.go. docs/loaders.md walks both.
 *
 * Both live in the real-mode setup because a loader looks for them near
 * the start of the file (v1: the first 8 KiB, v2: the first 32 KiB; the
 * setup is smaller than 8 KiB, setup.ld checks). They are data for the
 * loader: nothing in real mode reads them.
 *
 * A bzImage is not an ELF file, so both ask to be loaded by address (v1:
 * flag MULTIBOOT_AOUT_KLUDGE; v2: the address tag): the loader copies the
 * file from offset header_offset - (header_addr - load_addr) to load_addr.
 * The image builder (internal/bzimage, multibootFields) fills in the
 * addresses so that this offset is the protected-mode payload's, which
 * lands at load_addr = 1 MiB (CODE32_START_DEFAULT), where every other
 * loader puts it; header_addr therefore lies below load_addr, which GRUB
 * accepts (QEMU's multiboot loader would not, but QEMU never tries it on an
 * image with "HdrS": DESIGN.md §6). The entry is the boot stage's
 * multiboot_entry / multiboot2_entry (boot/compressed/multiboot.S).
 */
	.include "boot.inc"

	.section ".multiboot", "a"

/* Multiboot v1 (§3.1.1). Flags: page-aligned modules (the initrd),
 * memory information, load by address. */
	.set MB_FLAGS, MULTIBOOT_PAGE_ALIGN | MULTIBOOT_MEMORY_INFO | MULTIBOOT_AOUT_KLUDGE
	.balign	4
SYM_DATA_START multiboot_header
	.long	MULTIBOOT_HEADER_MAGIC
	.long	MB_FLAGS
	.long	-(MULTIBOOT_HEADER_MAGIC + MB_FLAGS)
	.long	0		# header_addr	patched
	.long	0		# load_addr	patched: 1 MiB
	.long	0		# load_end_addr	patched: the payload's end
	.long	0		# bss_end_addr	patched: the boot stage's _end
	.long	0		# entry_addr	patched: multiboot_entry
SYM_DATA_END multiboot_header

/* Multiboot2 (§3.1): the fixed part, then tags, each 8-byte aligned. */
	.balign	8
SYM_DATA_START multiboot2_header
	.long	MULTIBOOT2_HEADER_MAGIC
	.long	MULTIBOOT_ARCHITECTURE_I386
	.long	multiboot2_header_end - multiboot2_header
	.long	0x100000000 - (MULTIBOOT2_HEADER_MAGIC + MULTIBOOT_ARCHITECTURE_I386 + (multiboot2_header_end - multiboot2_header))

	/* What the kernel wants in the information (optional: a loader
	 * without one of them still boots us, and multiboot.S checks). */
	.balign	8
1:	.word	MULTIBOOT_HEADER_TAG_INFORMATION_REQUEST, MULTIBOOT_HEADER_TAG_OPTIONAL
	.long	2f - 1b
	.long	MULTIBOOT_TAG_TYPE_CMDLINE, MULTIBOOT_TAG_TYPE_BOOT_LOADER_NAME
	.long	MULTIBOOT_TAG_TYPE_MODULE, MULTIBOOT_TAG_TYPE_MMAP
	.long	MULTIBOOT_TAG_TYPE_EFI_MMAP, MULTIBOOT_TAG_TYPE_EFI64
2:
	/* Load by address: the same four fields as v1's kludge. */
	.balign	8
	.globl	multiboot2_address_tag
multiboot2_address_tag:
	.word	MULTIBOOT_HEADER_TAG_ADDRESS, 0
	.long	24
	.long	0		# header_addr	patched
	.long	0		# load_addr	patched
	.long	0		# load_end_addr	patched
	.long	0		# bss_end_addr	patched

	/* The 32-bit entry. */
	.balign	8
	.globl	multiboot2_entry_tag
multiboot2_entry_tag:
	.word	MULTIBOOT_HEADER_TAG_ENTRY_ADDRESS, 0
	.long	12
	.long	0		# entry_addr	patched: multiboot2_entry

	/* Page-aligned modules. */
	.balign	8
	.word	MULTIBOOT_HEADER_TAG_MODULE_ALIGN, 0
	.long	8

	.balign	8
	.word	MULTIBOOT_HEADER_TAG_END, 0
	.long	8
	.globl	multiboot2_header_end
multiboot2_header_end:
SYM_DATA_END multiboot2_header
