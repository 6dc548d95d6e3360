package amd64

// The interrupt descriptor table, Linux arch/x86/kernel/idt.c and
// arch/x86/include/asm/desc_defs.h (struct gate_struct).

// Gate is a 16-byte IDT gate descriptor of 64-bit mode (SDM Vol. 3A §6.14.1,
// Figure 6-8): offset 0-15 | selector | IST (3 bits) | type, DPL, P |
// offset 16-31 | offset 32-63 | reserved.
type Gate [2]uint64

// Gate types (SDM Vol. 3A §3.5, Table 3-2).
const (
	GATE_INTERRUPT = 0xe // IF cleared on entry
	GATE_TRAP      = 0xf // IF unchanged
)

// Mk_gate builds a present gate to handler in code segment sel, using
// interrupt stack ist (0: none) and privilege level dpl.
func Mk_gate(handler uintptr, sel uint16, ist int, typ int, dpl int) Gate {
	h := uint64(handler)
	lo := h&0xffff | uint64(sel)<<16 | uint64(ist&7)<<32 |
		uint64(typ&0xf)<<40 | uint64(dpl&3)<<45 | 1<<47 |
		(h>>16&0xffff)<<48
	return Gate{lo, h >> 32}
}

// Offset returns the handler address.
func (g Gate) Offset() uint64 { return g[0]&0xffff | (g[0]>>48&0xffff)<<16 | g[1]<<32 }

// Selector returns the code segment selector.
func (g Gate) Selector() uint16 { return uint16(g[0] >> 16) }

// IST returns the interrupt stack table index.
func (g Gate) IST() int { return int(g[0]>>32) & 7 }

// Type returns the gate type.
func (g Gate) Type() int { return int(g[0]>>40) & 0xf }

// DPL returns the descriptor privilege level.
func (g Gate) DPL() int { return int(g[0]>>45) & 3 }

// Present reports the P bit.
func (g Gate) Present() bool { return g[0]&(1<<47) != 0 }

// IDT_ENTRIES: the vectors of x86 (Linux IDT_ENTRIES).
const IDT_ENTRIES = 256

// NUM_EXCEPTION_VECTORS: vectors 0-31 are the CPU's exceptions.
const NUM_EXCEPTION_VECTORS = 32

var (
	// Idt_table is the IDT (Linux idt_table). The early IDT fills the
	// exception vectors; trap_init (a later stage) installs the final gates.
	Idt_table [IDT_ENTRIES]Gate
	idt_descr DescPtr
)

// idt_setup_early_handler points every exception vector at its early stub
// (Linux idt_setup_early_handler; head64.c early_setup_idt), each on the
// IST1 stack so that even a fault with a broken kernel stack is reported.
//
//go:nosplit
func idt_setup_early_handler() {
	for i := 0; i < NUM_EXCEPTION_VECTORS; i++ {
		Idt_table[i] = Mk_gate(early_idt_handler_array[i], X__KERNEL_CS, IST_EXCEPTION, GATE_INTERRUPT, 0)
	}
	idt_descr.Set(uintptrOf(&Idt_table[0]), uint16(IDT_ENTRIES*16-1))
	Load_idt(&idt_descr)
}
