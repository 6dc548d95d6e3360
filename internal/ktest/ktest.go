// Package ktest holds host-test helpers shared by the kernel packages'
// tests: a simulated physical memory and a capture of printk's output.
// It is test support (like net/http/httptest), never linked into the
// kernel, and uses the Go heap freely.
package ktest

import (
	"fmt"
	"strings"
	"syscall"
	"testing"
	"unsafe"

	"gokern/printk"
)

// pageSize is the base page size; ktest does not import the kernel's
// constants (it is test support for every layer, asm's tests included).
const pageSize = 4096

// RAM is simulated physical memory for host tests, the one RAM every
// package's tests use: an anonymous mapping whose pages are only allocated
// when touched, so it can be large. Physical address Base() is Mem[0]. It
// implements asm.PhysMem (memblock, bootmem, the page-table code), and
// hands out its own pages as page-table pages (AllocPage, NewPGD) for the
// page-table tests.
type RAM struct {
	Mem  []byte
	base uint64
	next uint64 // the next page AllocPage hands out
	// Allocated counts the pages AllocPage has handed out since Reset.
	Allocated int
}

// NewRAM maps size bytes of simulated RAM at physical address 0 for the
// duration of the test.
func NewRAM(t testing.TB, size uint64) *RAM { return NewRAMAt(t, 0, size) }

// NewRAMAt maps size bytes (a multiple of 4 KiB) of zeroed simulated RAM
// starting at physical address base (4 KiB aligned).
func NewRAMAt(t testing.TB, base, size uint64) *RAM {
	t.Helper()
	if size == 0 || size%pageSize != 0 || base%pageSize != 0 {
		t.Fatalf("ktest.RAM: base %#x and size %#x must be multiples of 4 KiB, size non-zero", base, size)
	}
	mem, err := syscall.Mmap(-1, 0, int(size), syscall.PROT_READ|syscall.PROT_WRITE,
		syscall.MAP_PRIVATE|syscall.MAP_ANONYMOUS|syscall.MAP_NORESERVE)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Munmap(mem) })
	return &RAM{Mem: mem, base: base, next: base}
}

// Base is the physical address of Mem[0].
func (r *RAM) Base() uint64 { return r.base }

// Bytes returns the size bytes at physical address pa (asm.PhysMem); an
// access outside the simulated RAM panics (on hardware it would be a wild
// access).
func (r *RAM) Bytes(pa, size uint64) []byte {
	if pa < r.base || pa-r.base > uint64(len(r.Mem)) || size > uint64(len(r.Mem))-(pa-r.base) {
		panic(fmt.Sprintf("ktest.RAM: access [%#x, +%#x) outside simulated RAM [%#x, %#x)",
			pa, size, r.base, r.base+uint64(len(r.Mem))))
	}
	off := pa - r.base
	return r.Mem[off : off+size : off+size]
}

// PA returns the physical address of a slice handed out through Bytes.
func (r *RAM) PA(b []byte) uint64 {
	return r.base + uint64(uintptr(unsafe.Pointer(unsafe.SliceData(b)))-uintptr(unsafe.Pointer(unsafe.SliceData(r.Mem))))
}

// Fill sets every byte of the RAM to c.
func (r *RAM) Fill(c byte) {
	for i := range r.Mem {
		r.Mem[i] = c
	}
}

// Table returns the 512 entries of the page at physical address pa, to
// inspect a page table. It panics if pa is not a page inside the RAM.
func (r *RAM) Table(pa uint64) *[512]uint64 {
	if pa%pageSize != 0 {
		panic(fmt.Sprintf("ktest.RAM: table at %#x is not page-aligned", pa))
	}
	return (*[512]uint64)(unsafe.Pointer(unsafe.SliceData(r.Bytes(pa, pageSize))))
}

// AllocPage hands out the next free page of the RAM, bottom up, or false
// when the RAM is used up: the page-table tests' page allocator. Pages are
// not cleared: the page-table builder clears them itself, and leaving old
// contents (see Scribble) checks that it does.
func (r *RAM) AllocPage() (uint64, bool) {
	if r.next-r.base >= uint64(len(r.Mem)) {
		return 0, false
	}
	pa := r.next
	r.next += pageSize
	r.Allocated++
	return pa, true
}

// Reset frees every page AllocPage handed out and zeroes them.
func (r *RAM) Reset() {
	clear(r.Mem[:r.next-r.base])
	r.Rewind()
}

// Rewind frees every page without clearing anything: cheap, for
// benchmarks. The page-table builder clears each table it takes, and
// NewPGD clears the PGD, so a tree built after Rewind is still correct.
func (r *RAM) Rewind() {
	r.next = r.base
	r.Allocated = 0
}

// Scribble fills the free pages with a non-zero pattern, so that a test
// notices if a new table is used without being cleared.
func (r *RAM) Scribble() {
	free := r.Mem[r.next-r.base:]
	for i := range free {
		free[i] = 0xa5
	}
}

// NewPGD allocates and clears a top-level table, the page CR3 would hold.
func (r *RAM) NewPGD() uint64 {
	pa, ok := r.AllocPage()
	if !ok {
		panic("ktest.RAM: no RAM left for a PGD")
	}
	*r.Table(pa) = [512]uint64{}
	return pa
}

// Capture collects what printk writes to the consoles during a test.
type Capture struct {
	b   strings.Builder
	con printk.Console
}

// StartCapture registers a capturing console until the test ends.
func StartCapture(t testing.TB) *Capture {
	t.Helper()
	c := &Capture{}
	c.con = printk.Console{Name: "test", Write: func(p []byte) { c.b.Write(p) }}
	printk.Register_console(&c.con)
	t.Cleanup(func() { printk.Unregister_console(&c.con) })
	return c
}

// Lines returns the lines captured since the last call, without their
// "[ time] " stamps.
func (c *Capture) Lines() []string {
	var out []string
	s := strings.TrimRight(c.b.String(), "\n")
	c.b.Reset()
	if s == "" {
		return nil
	}
	for _, l := range strings.Split(s, "\n") {
		if i := strings.Index(l, "] "); strings.HasPrefix(l, "[") && i > 0 {
			l = l[i+2:]
		}
		out = append(out, l)
	}
	return out
}
