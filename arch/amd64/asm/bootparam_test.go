package asm

import (
	"encoding/binary"
	"testing"
)

func TestBootParamsAccessors(t *testing.T) {
	var bp BootParams
	le := binary.LittleEndian
	le.PutUint32(bp[BP_header:], 0x53726448)
	le.PutUint16(bp[BP_version:], 0x020f)
	le.PutUint32(bp[BP_cmd_line_ptr:], 0x20000)
	le.PutUint32(bp[BP_ext_cmd_line_ptr:], 1)
	bp[BP_e820_entries] = 2
	off := BP_e820_table + E820_ENTRY_SIZE // entry 1 of the packed 20-byte array
	le.PutUint64(bp[off:], 0x100000)
	le.PutUint64(bp[off+8:], 0x7ee0000)
	le.PutUint32(bp[off+16:], 1)
	le.PutUint32(bp[BP_alt_mem_k:], 129920)
	le.PutUint16(bp[BP_ext_mem_k:], 64512)
	le.PutUint32(bp[BP_ramdisk_image:], 0x7000000)
	le.PutUint32(bp[BP_ext_ramdisk_image:], 2)
	le.PutUint32(bp[BP_ramdisk_size:], 0x300123)
	if !bp.HdrS() || bp.Version() != 0x020f || bp.Cmd_line_ptr() != 0x100020000 || bp.E820_entries() != 2 {
		t.Fatal("header accessors")
	}
	if a, s, ty := bp.E820_entry(1); a != 0x100000 || s != 0x7ee0000 || ty != 1 {
		t.Fatalf("E820_entry(1) = %#x %#x %d", a, s, ty)
	}
	if bp.Alt_mem_k() != 129920 || bp.Ext_mem_k() != 64512 {
		t.Fatal("E801/88h accessors")
	}
	if a, s := bp.Ramdisk(); a != 0x207000000 || s != 0x300123 {
		t.Fatalf("Ramdisk() = %#x %#x", a, s)
	}
}

// The setup header ends where boot.rst says: 0x7b bytes from 0x1f1
// (struct setup_header of protocol 2.15), and the e820 table is followed
// by 48 bytes of padding (_pad8) and edd's buffer.
func TestBootParamsLayout(t *testing.T) {
	if SETUP_HDR_SIZE != 0x7b {
		t.Errorf("setup header is %#x bytes", SETUP_HDR_SIZE)
	}
	if end := BP_e820_table + E820_MAX_ENTRIES_ZEROPAGE*E820_ENTRY_SIZE; end+48 != BP_eddbuf {
		t.Errorf("e820_table ends at %#x, eddbuf at %#x", end, BP_eddbuf)
	}
}
