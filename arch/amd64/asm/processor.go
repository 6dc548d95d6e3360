package asm

// The 64-bit task-state segment. Linux: arch/x86/include/asm/processor.h
// (struct x86_hw_tss). The CPUID and stack-pointer instructions of
// processor.h are in special_insns.go.

// X86HwTss is the 64-bit task-state segment (SDM Vol. 3A §8.7, Figure 8-11
// "64-Bit TSS Format"), Linux struct x86_hw_tss. It is packed (RSP0 sits
// at offset 4), which a Go struct cannot express, so it is bytes with
// accessors. gokern uses the interrupt stack table: IST1 is the stack of
// the exception handlers.
type X86HwTss [TSS_SIZE]byte

const (
	TSS_SIZE     = 104 // sizeof(struct x86_hw_tss)
	tssRsp0      = 4
	tssIst1      = 36
	tssIoMapBase = 102
)

func (t *X86HwTss) put64(off int, v uint64) {
	for i := 0; i < 8; i++ {
		t[off+i] = byte(v >> (8 * i))
	}
}

func (t *X86HwTss) get64(off int) uint64 {
	var v uint64
	for i := 0; i < 8; i++ {
		v |= uint64(t[off+i]) << (8 * i)
	}
	return v
}

// Set_sp0 sets RSP0, the stack the CPU switches to when an interrupt or
// exception arrives in ring 3 (SDM Vol. 3A §6.14.4 "Stack Switching in
// IA-32e Mode"). Linux: tss->x86_tss.sp0 (cpu_current_top_of_stack).
func (t *X86HwTss) Set_sp0(sp uintptr) { t.put64(tssRsp0, uint64(sp)) }

// Sp0 returns RSP0.
func (t *X86HwTss) Sp0() uint64 { return t.get64(tssRsp0) }

// Set_ist sets stack n (1..7) of the interrupt stack table.
func (t *X86HwTss) Set_ist(n int, sp uintptr) { t.put64(tssIst1+8*(n-1), uint64(sp)) }

// Ist returns stack n (1..7).
func (t *X86HwTss) Ist(n int) uint64 { return t.get64(tssIst1 + 8*(n-1)) }

// Set_io_bitmap_base puts the I/O permission bitmap at off; at or past the
// limit there is no bitmap, so ring 3 gets no port access (SDM Vol. 3A
// §20.5.2 "I/O Permission Bit Map").
func (t *X86HwTss) Set_io_bitmap_base(off uint16) {
	t[tssIoMapBase], t[tssIoMapBase+1] = byte(off), byte(off>>8)
}
