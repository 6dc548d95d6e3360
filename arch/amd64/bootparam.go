package amd64

import "encoding/binary"

// BootParams is the "zeropage" the boot loader and the real-mode setup
// fill in, Linux arch/x86/include/uapi/asm/bootparam.h (struct
// boot_params, struct setup_header), Documentation/arch/x86/zero-page.rst.
// The C struct is packed; BootParams is its 4096 bytes with accessors at
// the documented offsets.
type BootParams [4096]byte

// Offsets in the zeropage (zero-page.rst and boot.rst).
const (
	BP_ext_mem_k         = 0x002 // screen_info.ext_mem_k: INT 15h AH=88h, KiB above 1 MiB
	BP_ext_ramdisk_image = 0x0c0
	BP_ext_ramdisk_size  = 0x0c4
	BP_ext_cmd_line_ptr  = 0x0c8
	BP_alt_mem_k         = 0x1e0 // INT 15h AX=E801h, KiB above 1 MiB
	BP_scratch           = 0x1e4
	BP_e820_entries      = 0x1e8
	BP_hdr               = 0x1f1 // struct setup_header
	BP_setup_sects       = 0x1f1
	BP_boot_flag         = 0x1fe
	BP_header            = 0x202
	BP_version           = 0x206
	BP_type_of_loader    = 0x210
	BP_loadflags         = 0x211
	BP_code32_start      = 0x214
	BP_ramdisk_image     = 0x218
	BP_ramdisk_size      = 0x21c
	BP_cmd_line_ptr      = 0x228
	BP_cmdline_size      = 0x238
	BP_e820_table        = 0x2d0 // struct boot_e820_entry[E820_MAX_ENTRIES_ZEROPAGE]

	E820_MAX_ENTRIES_ZEROPAGE = 128
	E820_ENTRY_SIZE           = 20 // u64 addr, u64 size, u32 type (packed)
	COMMAND_LINE_SIZE         = 2048
)

var le = binary.LittleEndian

func (bp *BootParams) u8(off int) uint8   { return bp[off] }
func (bp *BootParams) u16(off int) uint16 { return le.Uint16(bp[off:]) }
func (bp *BootParams) u32(off int) uint32 { return le.Uint32(bp[off:]) }

// Version is the boot protocol version of the header.
func (bp *BootParams) Version() uint16 { return bp.u16(BP_version) }

// HdrS reports whether the setup header carries the "HdrS" magic.
func (bp *BootParams) HdrS() bool { return bp.u32(BP_header) == 0x53726448 }

// Type_of_loader: the boot loader's id (0x00 LILO ... 0x7 GRUB, 0xb qemu).
func (bp *BootParams) Type_of_loader() uint8 { return bp.u8(BP_type_of_loader) }

// Cmd_line_ptr is the physical address of the command line (with the
// ext_ high half, Linux get_cmd_line_ptr).
func (bp *BootParams) Cmd_line_ptr() uint64 {
	return uint64(bp.u32(BP_cmd_line_ptr)) | uint64(bp.u32(BP_ext_cmd_line_ptr))<<32
}

// Cmdline_size is the maximum command-line length the kernel accepts.
func (bp *BootParams) Cmdline_size() uint32 { return bp.u32(BP_cmdline_size) }

// Ramdisk returns the initrd's physical address and size.
func (bp *BootParams) Ramdisk() (addr, size uint64) {
	addr = uint64(bp.u32(BP_ramdisk_image)) | uint64(bp.u32(BP_ext_ramdisk_image))<<32
	size = uint64(bp.u32(BP_ramdisk_size)) | uint64(bp.u32(BP_ext_ramdisk_size))<<32
	return
}

// E820_entries is the number of entries the setup code stored.
func (bp *BootParams) E820_entries() int { return int(bp.u8(BP_e820_entries)) }

// E820_entry returns entry i of the firmware's map, as received.
func (bp *BootParams) E820_entry(i int) (addr, size uint64, typ uint32) {
	off := BP_e820_table + i*E820_ENTRY_SIZE
	return le.Uint64(bp[off:]), le.Uint64(bp[off+8:]), le.Uint32(bp[off+16:])
}

// Alt_mem_k and Ext_mem_k: the E801 and 88h results, KiB above 1 MiB.
func (bp *BootParams) Alt_mem_k() uint32 { return bp.u32(BP_alt_mem_k) }
func (bp *BootParams) Ext_mem_k() uint32 { return uint32(bp.u16(BP_ext_mem_k)) }
