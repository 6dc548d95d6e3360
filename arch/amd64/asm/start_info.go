package asm

// The PVH boot ABI: how Xen and QEMU (-kernel with an ELF that carries
// XEN_ELFNOTE_PHYS32_ENTRY, as microvm boots Linux) start a kernel in
// 32-bit protected mode with paging off and EBX = the physical address of
// struct hvm_start_info. Linux: include/xen/interface/hvm/start_info.h,
// include/xen/interface/elfnote.h, arch/x86/platform/pvh/head.S
// (pvh_start_xen) and enlighten.c (init_pvh_bootparams). gokern's entry
// and conversion: boot/compressed/pvh.S.
const (
	XEN_HVM_START_MAGIC_VALUE = 0x336ec578

	// struct hvm_start_info. version 0 ends at rsdp_paddr; version 1 adds
	// the memory map.
	HVM_magic          = 0  // u32
	HVM_version        = 4  // u32
	HVM_flags          = 8  // u32
	HVM_nr_modules     = 12 // u32
	HVM_modlist_paddr  = 16 // u64: struct hvm_modlist_entry[nr_modules]
	HVM_cmdline_paddr  = 24 // u64: NUL-terminated
	HVM_rsdp_paddr     = 32 // u64: ACPI RSDP
	HVM_memmap_paddr   = 40 // u64: struct hvm_memmap_table_entry[memmap_entries] (version >= 1)
	HVM_memmap_entries = 48 // u32
	HVM_SIZE           = 56

	// struct hvm_modlist_entry
	HVM_MOD_paddr         = 0 // u64
	HVM_MOD_size          = 8 // u64
	HVM_MOD_cmdline_paddr = 16
	HVM_MOD_SIZE          = 32

	// struct hvm_memmap_table_entry: E820 types.
	HVM_MMAP_addr = 0  // u64
	HVM_MMAP_size = 8  // u64
	HVM_MMAP_type = 16 // u32
	HVM_MMAP_SIZE = 24

	// XEN_ELFNOTE_PHYS32_ENTRY: an ELF note of name "Xen" whose descriptor
	// is the physical address of the 32-bit PVH entry (elfnote.h).
	XEN_ELFNOTE_PHYS32_ENTRY = 18
)
