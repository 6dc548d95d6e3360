package amd64

// Segment and gate descriptors, typed. Linux:
// arch/x86/include/asm/desc_defs.h (struct desc_struct, gate_struct,
// GDT_ENTRY_INIT), segment.h (GDT_ENTRY_*), desc.h.

// SegDesc is an 8-byte code or data segment descriptor (SDM Vol. 3A §3.4.5,
// Figure 3-8).
type SegDesc uint64

// Descriptor fields (SDM Vol. 3A §3.4.5): the access byte is bits 40-47,
// the flags nibble bits 52-55.
const (
	SEG_ACCESSED = 1 << 40 // A: set by the CPU on load
	SEG_RW       = 1 << 41 // readable code / writable data
	SEG_CODE     = 1 << 43 // type: code (else data)
	SEG_S        = 1 << 44 // code or data (else system)
	SEG_DPL3     = 3 << 45 // descriptor privilege level 3
	SEG_P        = 1 << 47 // present
	SEG_L        = 1 << 53 // 64-bit code segment (§5.2.1)
	SEG_DB       = 1 << 54 // 32-bit default operand size
	SEG_G        = 1 << 55 // limit in 4 KiB units
)

// Flat segments as Linux's GDT_ENTRY_INIT(0xa09b/0xc09b/0xc093, 0, 0xfffff).
const (
	DESC_KERNEL32_CS SegDesc = SEG_P | SEG_S | SEG_CODE | SEG_RW | SEG_ACCESSED | SEG_DB | SEG_G | 0xffff | 0xf<<48
	DESC_KERNEL_CS   SegDesc = SEG_P | SEG_S | SEG_CODE | SEG_RW | SEG_ACCESSED | SEG_L | SEG_G | 0xffff | 0xf<<48
	DESC_KERNEL_DS   SegDesc = SEG_P | SEG_S | SEG_RW | SEG_ACCESSED | SEG_DB | SEG_G | 0xffff | 0xf<<48
)

// Base, Limit, DPL, Present, Long decode a descriptor.
func (d SegDesc) Base() uint32 {
	return uint32(d>>16)&0xffffff | uint32(d>>56)<<24
}
func (d SegDesc) Limit() uint32 { return uint32(d)&0xffff | uint32(d>>48)&0xf<<16 }
func (d SegDesc) DPL() int      { return int(d>>45) & 3 }
func (d SegDesc) Present() bool { return d&SEG_P != 0 }
func (d SegDesc) Long() bool    { return d&SEG_L != 0 }

// GDT layout, Linux arch/x86/include/asm/segment.h (64-bit).
const (
	GDT_ENTRY_KERNEL32_CS = 1
	GDT_ENTRY_KERNEL_CS   = 2
	GDT_ENTRY_KERNEL_DS   = 3
	GDT_ENTRY_TSS         = 8 // 16 bytes: entries 8 and 9
	GDT_ENTRIES           = 16

	X__KERNEL32_CS = GDT_ENTRY_KERNEL32_CS * 8
	X__KERNEL_CS   = GDT_ENTRY_KERNEL_CS * 8
	X__KERNEL_DS   = GDT_ENTRY_KERNEL_DS * 8
	X__TSS         = GDT_ENTRY_TSS * 8
)

// SystemDesc is a 16-byte system descriptor (TSS or LDT) of 64-bit mode
// (SDM Vol. 3A §8.2.3, Figure 8-4).
type SystemDesc [2]uint64

// DESC_TSS is the type of an available 64-bit TSS (SDM Vol. 3A §3.5, Table 3-2).
const DESC_TSS = 0x9

// Mk_tss_desc builds the TSS descriptor for base and limit.
func Mk_tss_desc(base uintptr, limit uint32) SystemDesc {
	b := uint64(base)
	lo := uint64(limit&0xffff) | (b&0xffffff)<<16 | uint64(DESC_TSS)<<40 | SEG_P |
		uint64(limit>>16&0xf)<<48 | (b>>24&0xff)<<56
	return SystemDesc{lo, b >> 32}
}

// Base of a system descriptor.
func (d SystemDesc) Base() uint64 {
	return (d[0]>>16)&0xffffff | (d[0]>>56)<<24 | d[1]<<32
}

// Tss is the 64-bit task-state segment (SDM Vol. 3A §8.7, Figure 8-11),
// Linux struct x86_hw_tss. It is packed (RSP0 sits at offset 4), which a Go
// struct cannot express, so it is bytes with accessors. gokern uses the
// interrupt stack table: IST1 is the stack of the exception handlers.
type Tss [TSS_SIZE]byte

const (
	TSS_SIZE      = 104 // sizeof(struct x86_hw_tss)
	tssRsp0       = 4
	tssIst1       = 36
	tssIoMapBase  = 102
	IST_EXCEPTION = 1 // the IST index of the early exception stack
)

func (t *Tss) put64(off int, v uint64) {
	for i := 0; i < 8; i++ {
		t[off+i] = byte(v >> (8 * i))
	}
}

func (t *Tss) get64(off int) uint64 {
	var v uint64
	for i := 0; i < 8; i++ {
		v |= uint64(t[off+i]) << (8 * i)
	}
	return v
}

// Set_ist sets stack n (1..7) of the interrupt stack table.
func (t *Tss) Set_ist(n int, sp uintptr) { t.put64(tssIst1+8*(n-1), uint64(sp)) }

// Ist returns stack n (1..7).
func (t *Tss) Ist(n int) uint64 { return t.get64(tssIst1 + 8*(n-1)) }

// Set_io_bitmap_base puts the I/O permission bitmap past the limit: no
// bitmap, so ring 3 gets no port access (SDM Vol. 3A §20.5.2).
func (t *Tss) Set_io_bitmap_base(off uint16) {
	t[tssIoMapBase], t[tssIoMapBase+1] = byte(off), byte(off>>8)
}

// DescPtr is the operand of LGDT/LIDT/SGDT/SIDT: a 2-byte limit followed by
// an 8-byte base (SDM Vol. 3A §3.5.1, Figure 3-11), Linux struct desc_ptr.
// Packed, hence bytes.
type DescPtr [10]byte

// Set stores base and limit.
func (d *DescPtr) Set(base uintptr, limit uint16) {
	d[0], d[1] = byte(limit), byte(limit>>8)
	for i := 0; i < 8; i++ {
		d[2+i] = byte(uint64(base) >> (8 * i))
	}
}

// Base returns the table's linear address.
func (d *DescPtr) Base() uint64 {
	var b uint64
	for i := 0; i < 8; i++ {
		b |= uint64(d[2+i]) << (8 * i)
	}
	return b
}

// Limit returns the table's size in bytes minus one.
func (d *DescPtr) Limit() uint16 { return uint16(d[0]) | uint16(d[1])<<8 }
