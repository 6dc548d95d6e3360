package asm

import (
	"encoding/binary"
	"math/rand"
	"testing"
)

func TestDescStructMatchesLinux(t *testing.T) {
	// Linux GDT_ENTRY_INIT(flags, 0, 0xfffff) values for the kernel's
	// flat segments (arch/x86/kernel/cpu/common.c gdt_page).
	cases := []struct {
		name string
		d    DescStruct
		want uint64
	}{
		{"KERNEL32_CS", DESC_KERNEL32_CS, 0x00cf9b000000ffff},
		{"KERNEL_CS", DESC_KERNEL_CS, 0x00af9b000000ffff},
		{"KERNEL_DS", DESC_KERNEL_DS, 0x00cf93000000ffff},
		// GDT_ENTRY_INIT(0xc0fb / 0xc0f3 / 0xa0fb, 0, 0xfffff)
		{"USER32_CS", DESC_USER32_CS, 0x00cffb000000ffff},
		{"USER_DS", DESC_USER_DS, 0x00cff3000000ffff},
		{"USER_CS", DESC_USER_CS, 0x00affb000000ffff},
	}
	for _, c := range cases {
		if uint64(c.d) != c.want {
			t.Errorf("%s = %#016x, want %#016x", c.name, uint64(c.d), c.want)
		}
		if dpl := 3 * int(c.d>>46&1); c.d.Base() != 0 || c.d.Limit() != 0xfffff || !c.d.Present() || c.d.DPL() != dpl {
			t.Errorf("%s decodes to base %#x limit %#x", c.name, c.d.Base(), c.d.Limit())
		}
	}
	if !DESC_KERNEL_CS.Long() || DESC_KERNEL32_CS.Long() || !DESC_USER_CS.Long() || DESC_USER32_CS.Long() {
		t.Error("L bit wrong")
	}
	if DESC_USER_CS.DPL() != 3 || DESC_USER_DS.DPL() != 3 || DESC_USER32_CS.DPL() != 3 {
		t.Error("user segments not DPL 3")
	}
	// setup_getcpu's GDT_ENTRY_INIT(0x40f5, 0, node << 12 | cpu).
	if d := Desc_cpunode(5, 1); uint64(d) != 0x0040f50000001005 || d.Limit() != 0x1005 || d.DPL() != 3 {
		t.Errorf("CPUNODE descriptor %#016x", uint64(d))
	}
}

func TestGateRoundTrip(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for i := 0; i < 1000; i++ {
		h := uintptr(r.Uint64())
		sel := uint16(r.Intn(1 << 16))
		ist, typ, dpl := r.Intn(8), GATE_INTERRUPT+r.Intn(2), r.Intn(4)
		g := Pack_gate(typ, h, dpl, ist, sel)
		if g.Offset() != uint64(h) || g.Selector() != sel || g.IST() != ist || g.Type() != typ || g.DPL() != dpl || !g.Present() {
			t.Fatalf("Pack_gate(%#x,%#x,%d,%d,%#x) decodes to %#x %#x %d %#x %d", typ, h, dpl, ist, sel,
				g.Offset(), g.Selector(), g.IST(), g.Type(), g.DPL())
		}
		if g[1]>>32 != 0 {
			t.Fatal("reserved upper half of the second quadword is not zero")
		}
	}
	// A known encoding (SDM Vol. 3A Figure 6-8): handler 0xffffffff81001234,
	// selector 0x10, IST 1, interrupt gate, DPL 0.
	g := Pack_gate(GATE_INTERRUPT, 0xffffffff81001234, 0, 1, 0x10)
	if g[0] != 0x81008e0100101234 || g[1] != 0xffffffff {
		t.Fatalf("gate = %#016x %#016x", g[1], g[0])
	}
}

func TestTssDescAndTss(t *testing.T) {
	var d LdttssDesc
	Set_tssldt_descriptor(&d, 0xffffffff81234560, DESC_TSS, TSS_SIZE-1)
	if d.Base() != 0xffffffff81234560 {
		t.Fatalf("TSS base %#x", d.Base())
	}
	seg := DescStruct(d[0])
	if seg.Limit() != TSS_SIZE-1 || !seg.Present() || (d[0]>>40)&0xf != DESC_TSS {
		t.Fatalf("TSS descriptor %#x", d[0])
	}
	var tss X86HwTss
	tss.Set_sp0(0xffffffff81abcde0)
	if binary.LittleEndian.Uint64(tss[4:]) != 0xffffffff81abcde0 || tss.Sp0() != 0xffffffff81abcde0 {
		t.Fatalf("RSP0 bytes % x", tss[:12])
	}
	tss.Set_ist(1, 0x1122334455667788)
	tss.Set_ist(7, 0xffffffff81000000)
	tss.Set_io_bitmap_base(TSS_SIZE)
	if binary.LittleEndian.Uint64(tss[36:]) != 0x1122334455667788 || tss.Ist(7) != 0xffffffff81000000 ||
		binary.LittleEndian.Uint16(tss[102:]) != TSS_SIZE {
		t.Fatalf("TSS bytes % x", tss[:])
	}
}

func TestDescPtr(t *testing.T) {
	var d DescPtr
	d.Set(0xffffffff81abcdef, 0x0fff)
	if d.Base() != 0xffffffff81abcdef || d.Limit() != 0x0fff || d[0] != 0xff || d[1] != 0x0f || d[2] != 0xef {
		t.Fatalf("DescPtr % x", d[:])
	}
}

// The selectors are the GDT indexes times 8, plus RPL 3 for the user ones
// (Linux segment.h, 64-bit), in the order SYSCALL and SYSRET impose:
// SYSCALL loads CS from STAR[47:32] and SS = that + 8; SYSRET to 64-bit
// code CS = STAR[63:48] + 16 and SS = STAR[63:48] + 8, to 32-bit code
// CS = STAR[63:48] (SDM Vol. 2B, SYSCALL, SYSRET).
func TestSelectors(t *testing.T) {
	if X__KERNEL32_CS != 0x08 || X__KERNEL_CS != 0x10 || X__KERNEL_DS != 0x18 || X__TSS != 0x40 ||
		X__USER32_CS != 0x23 || X__USER_DS != 0x2b || X__USER_CS != 0x33 || X__USER32_DS != X__USER_DS {
		t.Fatalf("selectors %#x %#x %#x %#x %#x %#x %#x", X__KERNEL32_CS, X__KERNEL_CS, X__KERNEL_DS, X__TSS,
			X__USER32_CS, X__USER_DS, X__USER_CS)
	}
	if X__KERNEL_CS+8 != X__KERNEL_DS || X__USER32_CS+8 != X__USER_DS || X__USER32_CS+16 != X__USER_CS {
		t.Fatal("the GDT is not in SYSCALL/SYSRET order")
	}
	// GDT_ENTRY_TSS takes two slots, GDT_ENTRY_LDT two more, then TLS.
	if GDT_ENTRY_LDT != GDT_ENTRY_TSS+2 || GDT_ENTRY_TLS_MIN != GDT_ENTRY_LDT+2 || GDT_ENTRY_CPUNODE >= GDT_ENTRIES {
		t.Fatal("system descriptors overlap")
	}
}

// le16 is the 16 bytes of a two-quadword descriptor as memory holds them.
func le16(q [2]uint64) []byte {
	b := make([]byte, 16)
	binary.LittleEndian.PutUint64(b, q[0])
	binary.LittleEndian.PutUint64(b[8:], q[1])
	return b
}

// The gates of trap_init, byte by byte as SDM Vol. 3A Figure 6-8 "64-Bit
// IDT Gate Descriptors" lays them out: bytes 0-1 offset 15:0, 2-3 the
// segment selector, 4 the IST index (bits 2:0, the rest 0), 5 P | DPL |
// 0 | type, 6-7 offset 31:16, 8-11 offset 63:32, 12-15 reserved (0).
// Byte 5 is Linux's "type_attr": 0x8e an interrupt gate (set_intr_gate),
// 0xee one user code may INT to (set_system_intr_gate, int3, int $0x80),
// 0x8f a trap gate (set_trap_gate).
func TestGateBytes(t *testing.T) {
	const h = 0xffffffff81a2b3c4
	for _, c := range []struct {
		name          string
		typ, dpl, ist int
		want          []byte
	}{
		{"set_intr_gate", GATE_INTERRUPT, 0, 0, []byte{0xc4, 0xb3, 0x10, 0x00, 0x00, 0x8e, 0xa2, 0x81, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0}},
		{"set_system_intr_gate", GATE_INTERRUPT, 3, 0, []byte{0xc4, 0xb3, 0x10, 0x00, 0x00, 0xee, 0xa2, 0x81, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0}},
		{"set_trap_gate", GATE_TRAP, 0, 0, []byte{0xc4, 0xb3, 0x10, 0x00, 0x00, 0x8f, 0xa2, 0x81, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0}},
		{"set_intr_gate_ist (#MC, IST4)", GATE_INTERRUPT, 0, 4, []byte{0xc4, 0xb3, 0x10, 0x00, 0x04, 0x8e, 0xa2, 0x81, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0}},
	} {
		if got := le16(Pack_gate(c.typ, h, c.dpl, c.ist, X__KERNEL_CS)); string(got) != string(c.want) {
			t.Errorf("%s: % x\nwant % x", c.name, got, c.want)
		}
	}
}

// The TSS descriptor byte by byte, SDM Vol. 3A Figure 8-4 "Format of TSS
// and LDT Descriptors in 64-bit Mode": bytes 0-1 limit 15:0, 2-4 base
// 23:0, 5 P | DPL | 0 | type (0x89: present, available 64-bit TSS), 6
// G | 0 0 | AVL | limit 19:16, 7 base 31:24, 8-11 base 63:32, 12-15
// reserved (0, including the type field that must be 0 there).
func TestTssDescBytes(t *testing.T) {
	var d LdttssDesc
	Set_tssldt_descriptor(&d, 0xffffffff81a2b3c4, DESC_TSS, TSS_SIZE-1)
	lim := TSS_SIZE - 1
	want := []byte{byte(lim), byte(lim >> 8), 0xc4, 0xb3, 0xa2, 0x89, byte(lim >> 16 & 0xf), 0x81, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0}
	if got := le16(d); string(got) != string(want) {
		t.Errorf("TSS descriptor % x\nwant % x", got, want)
	}
	// The 104-byte TSS itself (Figure 8-11 "64-Bit TSS Format"): RSP0 at
	// byte 4, IST1-7 at 36, 44, ... 84, the I/O map base at 102.
	var tss X86HwTss
	if len(tss) != 104 || TSS_SIZE < 104 {
		t.Fatalf("TSS %d bytes, TSS_SIZE %d", len(tss), TSS_SIZE)
	}
	for i := 1; i <= 7; i++ {
		tss.Set_ist(i, uintptr(0x1111111111111111*i))
	}
	for i := 1; i <= 7; i++ {
		if v := binary.LittleEndian.Uint64(tss[36+8*(i-1):]); v != uint64(0x1111111111111111*i) {
			t.Errorf("IST%d at byte %d: %#x", i, 36+8*(i-1), v)
		}
	}
}
