package fwtables

import (
	"fmt"
	"testing"
)

// Osl is a host test's acpi.Osl over a simulated RAM: it hands out
// copies of the bytes and poisons each copy when it is unmapped, so that
// a parser that keeps reading a table after unmapping it sees garbage, and
// it checks the parser's discipline — at most MaxMapped mappings at a
// time, every mapping undone, only mappings it handed out unmapped.
// Addresses outside Valid (when set) cannot be mapped, like memory outside
// the firmware's map in the kernel.
type Osl struct {
	T         testing.TB
	Mem       Mem
	Valid     func(pa, size uint64) bool
	MaxMapped int // default 1
	mapped    map[*byte]int
	Maps      int // mappings made
}

// Acpi_os_map_memory returns a copy of the size bytes at pa.
func (o *Osl) Acpi_os_map_memory(pa, size uint64) ([]byte, bool) {
	if o.mapped == nil {
		o.mapped = map[*byte]int{}
	}
	max := o.MaxMapped
	if max == 0 {
		max = 1
	}
	if len(o.mapped) >= max {
		o.T.Errorf("Acpi_os_map_memory(%#x, %#x) with %d mappings outstanding (at most %d)", pa, size, len(o.mapped), max)
	}
	if size == 0 || (o.Valid != nil && !o.Valid(pa, size)) {
		return nil, false
	}
	b := o.mem(pa, size)
	if b == nil {
		return nil, false
	}
	c := append([]byte(nil), b...)
	o.mapped[&c[0]] = len(c)
	o.Maps++
	return c, true
}

func (o *Osl) mem(pa, size uint64) (b []byte) {
	defer func() {
		if recover() != nil {
			b = nil // ktest.RAM panics outside the simulated RAM
		}
	}()
	return o.Mem.Bytes(pa, size)
}

// Acpi_os_unmap_memory poisons b.
func (o *Osl) Acpi_os_unmap_memory(b []byte) {
	if len(b) == 0 || o.mapped[&b[0]] != len(b) {
		o.T.Errorf("Acpi_os_unmap_memory of %d bytes that were not mapped", len(b))
		return
	}
	delete(o.mapped, &b[0])
	for i := range b {
		b[i] = 0xa5
	}
}

// Check fails the test if mappings are left.
func (o *Osl) Check() {
	if len(o.mapped) != 0 {
		o.T.Errorf("%d mappings left outstanding", len(o.mapped))
	}
}

// String describes the Osl for failure messages.
func (o *Osl) String() string { return fmt.Sprintf("fwtables.Osl{%d maps}", o.Maps) }
