package asm

import (
	"testing"
	"unsafe"
)

// The kernel's PhysMem is the direct map: physical pa is read at
// PAGE_OFFSET + pa (only the pointer is computed: nothing is mapped there
// on the host).
func TestLinearMem(t *testing.T) {
	var mem PhysMem = &DirectMap
	if b := mem.Bytes(0x1234000, 4096); uintptr(unsafe.Pointer(unsafe.SliceData(b))) != PAGE_OFFSET+0x1234000 || len(b) != 4096 {
		t.Errorf("DirectMap.Bytes(0x1234000) = %p len %d", unsafe.SliceData(b), len(b))
	}
	ident := LinearMem{}
	if b := ident.Bytes(0x5000, 8); uintptr(unsafe.Pointer(unsafe.SliceData(b))) != 0x5000 {
		t.Errorf("identity Bytes(0x5000) = %p", unsafe.SliceData(b))
	}
	if p := Phys_to_virt(0x40e); uintptr(p) != PAGE_OFFSET+0x40e {
		t.Errorf("Phys_to_virt(0x40e) = %p", p)
	}
}

// X__pa undoes both kernel mappings.
func TestPa(t *testing.T) {
	for _, c := range []struct{ va, pa uint64 }{
		{X__START_KERNEL_map, 0},
		{X__START_KERNEL, LOAD_PHYSICAL_ADDR},
		{X__START_KERNEL + 0x1234, LOAD_PHYSICAL_ADDR + 0x1234},
		{PAGE_OFFSET, 0},
		{PAGE_OFFSET + 0x9fc00, 0x9fc00},
	} {
		if got := X__pa(c.va); got != c.pa {
			t.Errorf("__pa(%#x) = %#x, want %#x", c.va, got, c.pa)
		}
	}
}
