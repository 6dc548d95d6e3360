// Package ktest holds host-test helpers shared by the kernel packages'
// tests: a simulated physical memory and a capture of printk's output.
// It is test support (like net/http/httptest), never linked into the
// kernel, and uses the Go heap freely.
package ktest

import (
	"strings"
	"syscall"
	"testing"
	"unsafe"

	"gokern/printk"
)

// RAM is simulated physical memory: an anonymous mapping whose pages are
// only allocated when touched, so it can be large. Physical address 0 is
// Mem[0]. It implements the PhysMem hooks of memblock and bootmem.
type RAM struct{ Mem []byte }

// NewRAM maps size bytes of simulated RAM for the duration of the test.
func NewRAM(t testing.TB, size uint64) *RAM {
	t.Helper()
	mem, err := syscall.Mmap(-1, 0, int(size), syscall.PROT_READ|syscall.PROT_WRITE,
		syscall.MAP_PRIVATE|syscall.MAP_ANONYMOUS|syscall.MAP_NORESERVE)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Munmap(mem) })
	return &RAM{Mem: mem}
}

// Bytes returns the size bytes at physical address pa; an access outside
// the simulated RAM panics (on hardware it would be a wild access).
func (r *RAM) Bytes(pa, size uint64) []byte {
	if pa > uint64(len(r.Mem)) || size > uint64(len(r.Mem))-pa {
		panic("ktest.RAM: access outside simulated RAM")
	}
	return r.Mem[pa : pa+size : pa+size]
}

// PA returns the physical address of a slice handed out through Bytes.
func (r *RAM) PA(b []byte) uint64 {
	return uint64(uintptr(unsafe.Pointer(unsafe.SliceData(b))) - uintptr(unsafe.Pointer(unsafe.SliceData(r.Mem))))
}

// Fill sets every byte of the RAM to c.
func (r *RAM) Fill(c byte) {
	for i := range r.Mem {
		r.Mem[i] = c
	}
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
