package bootmem

import (
	"strings"
	"syscall"
	"testing"
	"unsafe"

	"gokern/printk"
)

// SimRAM is simulated physical memory for host tests: an anonymous mapping
// whose pages are only allocated when touched. (Exported for the
// cross-check test in package bootmem_test.)
type SimRAM struct{ Mem []byte }

func NewSimRAM(t testing.TB, size uint64) *SimRAM {
	t.Helper()
	mem, err := syscall.Mmap(-1, 0, int(size), syscall.PROT_READ|syscall.PROT_WRITE,
		syscall.MAP_PRIVATE|syscall.MAP_ANONYMOUS|syscall.MAP_NORESERVE)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Munmap(mem) })
	return &SimRAM{Mem: mem}
}

func (r *SimRAM) Bytes(pa, size uint64) []byte {
	if pa > uint64(len(r.Mem)) || size > uint64(len(r.Mem))-pa {
		panic("SimRAM: access outside simulated RAM")
	}
	return r.Mem[pa : pa+size : pa+size]
}

// PA returns the physical address of a slice handed out through Bytes.
func (r *SimRAM) PA(b []byte) uint64 {
	return uint64(uintptr(unsafe.Pointer(unsafe.SliceData(b))) - uintptr(unsafe.Pointer(unsafe.SliceData(r.Mem))))
}

type capture struct {
	b   strings.Builder
	con printk.Console
}

func startCapture(t testing.TB) *capture {
	t.Helper()
	c := &capture{}
	c.con = printk.Console{Name: "test", Write: func(p []byte) { c.b.Write(p) }}
	printk.Register_console(&c.con)
	t.Cleanup(func() { printk.Unregister_console(&c.con) })
	return c
}

func (c *capture) lines() []string {
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

const (
	K = 1 << 10
	M = 1 << 20
)

// reservedPages lists the reserved page frames of a node.
func reservedPages(b *Bootmem_data) []uint64 {
	var out []uint64
	for pfn := b.Node_min_pfn; pfn < b.Node_low_pfn; pfn++ {
		if test_bit(b.bitmap, pfn-b.Node_min_pfn) {
			out = append(out, pfn)
		}
	}
	return out
}
