//go:build amd64

package asm

// Loading and storing the descriptor-table registers. Linux:
// arch/x86/include/asm/desc.h (native_load_gdt, native_load_idt,
// native_store_gdt, store_idt, native_load_tr_desc, store_tr).

// Load_gdt, Load_idt: LGDT and LIDT of a 10-byte pseudo-descriptor
// (SDM Vol. 3A §3.5.1, §6.10).
//
//go:noescape
func Load_gdt(d *DescPtr)

//go:noescape
func Load_idt(d *DescPtr)

// Store_gdt, Store_idt: SGDT and SIDT.
//
//go:noescape
func Store_gdt(d *DescPtr)

//go:noescape
func Store_idt(d *DescPtr)

// Load_tr executes LTR with a TSS selector (SDM Vol. 3A §8.2.4).
func Load_tr(sel uint16)

// Store_tr executes STR.
func Store_tr() uint16
