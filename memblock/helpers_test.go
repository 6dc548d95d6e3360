package memblock

import (
	"strings"
	"syscall"
	"testing"
	"unsafe"

	"gokern/printk"
)

// simRAM is simulated physical memory for host tests: an anonymous mapping
// (pages are only really allocated when touched, so it can be large).
type simRAM struct{ mem []byte }

func newRAM(t testing.TB, size uint64) *simRAM {
	t.Helper()
	mem, err := syscall.Mmap(-1, 0, int(size), syscall.PROT_READ|syscall.PROT_WRITE,
		syscall.MAP_PRIVATE|syscall.MAP_ANONYMOUS|syscall.MAP_NORESERVE)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Munmap(mem) })
	return &simRAM{mem: mem}
}

func (r *simRAM) Bytes(pa, size uint64) []byte {
	if pa > uint64(len(r.mem)) || size > uint64(len(r.mem))-pa {
		panic("simRAM: access outside simulated RAM")
	}
	return r.mem[pa : pa+size : pa+size]
}

// pa returns the physical address of a slice handed out through Bytes.
func (r *simRAM) pa(b []byte) uint64 {
	return uint64(uintptr(unsafe.Pointer(unsafe.SliceData(b))) - uintptr(unsafe.Pointer(unsafe.SliceData(r.mem))))
}

func (r *simRAM) fill(c byte) {
	for i := range r.mem {
		r.mem[i] = c
	}
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

// setup starts memblock afresh on a simulated RAM of size bytes, all of
// it memory.
func setup(t testing.TB, size uint64) *simRAM {
	t.Helper()
	ram := newRAM(t, size)
	Init(ram)
	Memblock_debug = false
	if size > 0 {
		if err := Memblock_add(0, size); err != OK {
			t.Fatal(err)
		}
	}
	return ram
}

type rng [2]uint64 // [base, end)

func regions(ty *Type) []rng {
	var out []rng
	for i := uint64(0); i < ty.Cnt; i++ {
		r := ty.Regions[i]
		if r.Size != 0 {
			out = append(out, rng{r.Base, r.Base + r.Size})
		}
	}
	return out
}

func freeRanges() []rng {
	var out []rng
	For_each_free_mem_range(NUMA_NO_NODE, MEMBLOCK_NONE, func(s, e uint64, _ int32) bool {
		out = append(out, rng{s, e})
		return true
	})
	return out
}

// checkType verifies a region array's invariants: sorted, no overlaps,
// neighbours that could merge are merged, Total_size is the sum.
func checkType(t testing.TB, ty *Type) {
	t.Helper()
	if ty.Cnt == 0 || ty.Cnt > ty.Max || uint64(len(ty.Regions)) != ty.Max {
		t.Fatalf("%s: cnt %d max %d len %d", ty.Name, ty.Cnt, ty.Max, len(ty.Regions))
	}
	var sum uint64
	for i := uint64(0); i < ty.Cnt; i++ {
		r := ty.Regions[i]
		sum += r.Size
		if r.Size == 0 && ty.Cnt != 1 {
			t.Fatalf("%s[%d]: empty region in a non-empty array", ty.Name, i)
		}
		if i > 0 {
			p := ty.Regions[i-1]
			if p.Base+p.Size > r.Base {
				t.Fatalf("%s[%d]: overlap/unsorted %+v %+v", ty.Name, i, p, r)
			}
			if p.Base+p.Size == r.Base && p.Nid == r.Nid && p.Flags == r.Flags {
				t.Fatalf("%s[%d]: not merged %+v %+v", ty.Name, i, p, r)
			}
		}
	}
	if sum != ty.Total_size {
		t.Fatalf("%s: Total_size %#x, regions sum to %#x", ty.Name, ty.Total_size, sum)
	}
}
