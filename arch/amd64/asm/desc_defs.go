package asm

// Segment descriptors, gate descriptors, the TSS descriptor and the
// pseudo-descriptor of LGDT/LIDT, typed. Linux:
// arch/x86/include/asm/desc_defs.h (struct desc_struct, GDT_ENTRY_INIT,
// struct gate_struct / gate_desc, struct ldttss_desc, struct desc_ptr)
// and desc.h (pack_gate, set_tssldt_descriptor).

// DescStruct is an 8-byte code or data segment descriptor (SDM Vol. 3A
// §3.4.5, Figure 3-8 "Segment Descriptor"), Linux struct desc_struct.
type DescStruct uint64

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

// Flat segments as Linux's GDT_ENTRY_INIT(0xc09b/0xa09b/0xc093, 0, 0xfffff)
// in arch/x86/kernel/cpu/common.c gdt_page.
const (
	DESC_KERNEL32_CS DescStruct = SEG_P | SEG_S | SEG_CODE | SEG_RW | SEG_ACCESSED | SEG_DB | SEG_G | 0xffff | 0xf<<48
	DESC_KERNEL_CS   DescStruct = SEG_P | SEG_S | SEG_CODE | SEG_RW | SEG_ACCESSED | SEG_L | SEG_G | 0xffff | 0xf<<48
	DESC_KERNEL_DS   DescStruct = SEG_P | SEG_S | SEG_RW | SEG_ACCESSED | SEG_DB | SEG_G | 0xffff | 0xf<<48
	// The user segments, DPL 3: GDT_ENTRY_INIT(0xc0fb / 0xc0f3 / 0xa0fb,
	// 0, 0xfffff). In 64-bit mode base and limit are ignored for CS, DS,
	// ES and SS (SDM Vol. 3A §3.2.4); only L, D, DPL and the type matter.
	DESC_USER32_CS DescStruct = SEG_P | SEG_S | SEG_CODE | SEG_RW | SEG_ACCESSED | SEG_DPL3 | SEG_DB | SEG_G | 0xffff | 0xf<<48
	DESC_USER_DS   DescStruct = SEG_P | SEG_S | SEG_RW | SEG_ACCESSED | SEG_DPL3 | SEG_DB | SEG_G | 0xffff | 0xf<<48
	DESC_USER_CS   DescStruct = SEG_P | SEG_S | SEG_CODE | SEG_RW | SEG_ACCESSED | SEG_DPL3 | SEG_L | SEG_G | 0xffff | 0xf<<48
)

// Desc_cpunode is the GDT_ENTRY_CPUNODE descriptor of a CPU: a present,
// read-only, accessed data segment of DPL 3 whose 20-bit limit is
// node << 12 | cpu, so that LSL returns the CPU number without a memory
// access (Linux setup_getcpu: GDT_ENTRY_INIT(0x40f5, 0, cpudata)).
func Desc_cpunode(cpu, node int) DescStruct {
	limit := uint64(node)<<12 | uint64(cpu)&0xfff
	return SEG_P | SEG_S | SEG_ACCESSED | SEG_DPL3 | 1<<42 /* expand-down: type 0101 */ | SEG_DB |
		DescStruct(limit&0xffff) | DescStruct(limit>>16&0xf)<<48
}

// Base, Limit, DPL, Present, Long decode a descriptor.
func (d DescStruct) Base() uint32 {
	return uint32(d>>16)&0xffffff | uint32(d>>56)<<24
}
func (d DescStruct) Limit() uint32 { return uint32(d)&0xffff | uint32(d>>48)&0xf<<16 }
func (d DescStruct) DPL() int      { return int(d>>45) & 3 }
func (d DescStruct) Present() bool { return d&SEG_P != 0 }
func (d DescStruct) Long() bool    { return d&SEG_L != 0 }

// System-segment and gate types (SDM Vol. 3A §3.5, Table 3-2 "System-Segment
// and Gate-Descriptor Types", IA-32e mode). Linux: enum in desc_defs.h.
const (
	GATE_INTERRUPT = 0xe // IF cleared on entry
	GATE_TRAP      = 0xf // IF unchanged
	DESC_TSS       = 0x9 // available 64-bit TSS
)

// GateDesc is a 16-byte IDT gate descriptor of 64-bit mode (SDM Vol. 3A
// §6.14.1, Figure 6-8 "64-Bit IDT Gate Descriptors"): offset 0-15 |
// selector | IST (3 bits) | type, DPL, P | offset 16-31 | offset 32-63 |
// reserved. Linux: gate_desc (struct gate_struct).
type GateDesc [2]uint64

// Pack_gate builds a present gate of type typ to handler fn in code
// segment seg, with privilege level dpl, on interrupt stack ist (0: none).
// Linux: pack_gate (desc.h; idt_init_desc in 5.x).
func Pack_gate(typ int, fn uintptr, dpl int, ist int, seg uint16) GateDesc {
	h := uint64(fn)
	lo := h&0xffff | uint64(seg)<<16 | uint64(ist&7)<<32 |
		uint64(typ&0xf)<<40 | uint64(dpl&3)<<45 | 1<<47 |
		(h>>16&0xffff)<<48
	return GateDesc{lo, h >> 32}
}

// Offset returns the handler address.
func (g GateDesc) Offset() uint64 { return g[0]&0xffff | (g[0]>>48&0xffff)<<16 | g[1]<<32 }

// Selector returns the code segment selector.
func (g GateDesc) Selector() uint16 { return uint16(g[0] >> 16) }

// IST returns the interrupt stack table index.
func (g GateDesc) IST() int { return int(g[0]>>32) & 7 }

// Type returns the gate type.
func (g GateDesc) Type() int { return int(g[0]>>40) & 0xf }

// DPL returns the descriptor privilege level.
func (g GateDesc) DPL() int { return int(g[0]>>45) & 3 }

// Present reports the P bit.
func (g GateDesc) Present() bool { return g[0]&(1<<47) != 0 }

// LdttssDesc is a 16-byte system descriptor (TSS or LDT) of 64-bit mode
// (SDM Vol. 3A §8.2.3, Figure 8-4 "Format of TSS and LDT Descriptors in
// 64-bit Mode"), Linux struct ldttss_desc (tss_desc).
type LdttssDesc [2]uint64

// Set_tssldt_descriptor fills d for a system segment of type typ at addr
// with the given limit (size - 1, as Linux's callers pass
// __KERNEL_TSS_LIMIT). Linux: set_tssldt_descriptor (desc.h).
func Set_tssldt_descriptor(d *LdttssDesc, addr uintptr, typ int, limit uint32) {
	b := uint64(addr)
	lo := uint64(limit&0xffff) | (b&0xffffff)<<16 | uint64(typ&0xf)<<40 | SEG_P |
		uint64(limit>>16&0xf)<<48 | (b>>24&0xff)<<56
	*d = LdttssDesc{lo, b >> 32}
}

// Base of a system descriptor.
func (d LdttssDesc) Base() uint64 {
	return (d[0]>>16)&0xffffff | (d[0]>>56)<<24 | d[1]<<32
}

// DescPtr is the operand of LGDT/LIDT/SGDT/SIDT: a 2-byte limit followed by
// an 8-byte base (SDM Vol. 3A §3.5.1, Figure 3-11 "Pseudo-Descriptor
// Formats"), Linux struct desc_ptr. Packed, hence bytes.
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
