package memblock

import (
	"math/rand"
	"reflect"
	"testing"

	"gokern/arch/amd64/asm"
	"gokern/internal/ktest"
)

// The reference model: one bool per page for memory and for reserved, in a
// small simulated RAM. Every operation is applied to both; afterwards the
// region arrays must describe exactly the model's runs of pages, and the
// free ranges exactly its "memory and not reserved" runs.

const modelPages = 512

// modelSpace has room for a range starting at the last page.
const modelSpace = modelPages + 32

type model struct {
	mem, res [modelSpace]bool
	allocs   int // successful allocations, so the test cannot pass vacuously
}

func runs(f func(p int) bool) []rng {
	var out []rng
	for p := 0; p < modelSpace; {
		if !f(p) {
			p++
			continue
		}
		q := p
		for q < modelSpace && f(q) {
			q++
		}
		out = append(out, rng{uint64(p) * asm.PAGE_SIZE, uint64(q) * asm.PAGE_SIZE})
		p = q
	}
	return out
}

func (m *model) check(t testing.TB) {
	t.Helper()
	checkType(t, Memory())
	checkType(t, Reserved())
	if got, want := regions(Memory()), runs(func(p int) bool { return m.mem[p] }); !reflect.DeepEqual(got, want) {
		t.Fatalf("memory\n got %x\nwant %x", got, want)
	}
	if got, want := regions(Reserved()), runs(func(p int) bool { return m.res[p] }); !reflect.DeepEqual(got, want) {
		t.Fatalf("reserved\n got %x\nwant %x", got, want)
	}
	want := runs(func(p int) bool { return m.mem[p] && !m.res[p] })
	if got := freeRanges(); !reflect.DeepEqual(got, want) {
		t.Fatalf("free ranges\n got %x\nwant %x", got, want)
	}
	var rev []rng
	For_each_free_mem_range_reverse(asm.NUMA_NO_NODE, MEMBLOCK_NONE, func(s, e uint64, _ int32) bool {
		rev = append([]rng{{s, e}}, rev...)
		return true
	})
	if !reflect.DeepEqual(rev, want) {
		t.Fatalf("reverse free ranges\n got %x\nwant %x", rev, want)
	}
}

func (m *model) set(a *[modelSpace]bool, p, n int, v bool) {
	for i := p; i < p+n; i++ {
		a[i] = v
	}
}

// find is what an allocation must return: the highest (top-down) or
// lowest (bottom-up) page c, aligned, in [start, end), never page 0, with
// pages [c, c+n) all free.
func (m *model) find(n, align, start, end int, bottomUp bool) int {
	start = max(start, 1)
	best := -1
	for c := 0; c+n <= end && c+n <= modelSpace; c += align {
		if c < start {
			continue
		}
		ok := true
		for i := c; i < c+n; i++ {
			if !m.mem[i] || m.res[i] {
				ok = false
				break
			}
		}
		if ok {
			best = c
			if bottomUp {
				break
			}
		}
	}
	return best
}

// op applies one operation, chosen by the numbers in o, to memblock and to
// the model.
func (m *model) op(t testing.TB, o [6]int) {
	t.Helper()
	kind := o[0] % 6
	p, n := o[1]%modelPages, 1+o[2]%32
	base, size := uint64(p)*asm.PAGE_SIZE, uint64(n)*asm.PAGE_SIZE
	var err Error
	switch kind {
	case 0:
		err = Memblock_add(base, size)
		if err == OK {
			m.set(&m.mem, p, n, true)
		}
	case 1:
		err = Memblock_remove(base, size)
		if err == OK {
			m.set(&m.mem, p, n, false)
		}
	case 2:
		err = Memblock_reserve(base, size)
		if err == OK {
			m.set(&m.res, p, n, true)
		}
	case 3:
		err = Memblock_free(base, size)
		if err == OK {
			m.set(&m.res, p, n, false)
		}
	default:
		align := 1 << (o[3] % 4)
		start, end := o[4]%modelSpace, o[5]%(modelSpace+1)
		if o[5]%5 == 0 || end == 0 { // 0 would mean Current_limit
			end = modelSpace
		}
		bottomUp := kind == 5
		Memblock_set_bottom_up(bottomUp)
		want := m.find(n, align, start, end, bottomUp)
		pa, e := memblock_alloc_range_nid(size, uint64(align)*asm.PAGE_SIZE, uint64(start)*asm.PAGE_SIZE, uint64(end)*asm.PAGE_SIZE, asm.NUMA_NO_NODE, false), OK
		if pa == 0 {
			e = ErrNoMem
		}
		if want < 0 {
			if e == OK {
				t.Fatalf("alloc %d pages align %d in [%d,%d): got page %d, model finds none", n, align, start, end, pa/asm.PAGE_SIZE)
			}
		} else if pa != uint64(want)*asm.PAGE_SIZE {
			t.Fatalf("alloc %d pages align %d in [%d,%d) bottom-up=%v: got page %d (err %v), want %d",
				n, align, start, end, bottomUp, pa/asm.PAGE_SIZE, e, want)
		} else {
			m.set(&m.res, want, n, true)
			m.allocs++
		}
		return
	}
	if err != OK && err != ErrArrayFull {
		t.Fatalf("op %d(%#x, %#x): %v", kind, base, size, err)
	}
}

func TestModel(t *testing.T) {
	ktest.StartCapture(t) // keep "array is full" messages off the test output
	rnd := rand.New(rand.NewSource(2))
	allocs := 0
	defer func() {
		if allocs < 2000 {
			t.Errorf("only %d allocations succeeded", allocs)
		}
	}()
	for seq := 0; seq < 400; seq++ {
		Init(ktest.NewRAM(t, modelSpace*asm.PAGE_SIZE))
		var m model
		for i := 0; i < 150; i++ {
			var o [6]int
			for k := range o {
				o[k] = rnd.Intn(1 << 20)
			}
			// Mostly small adds and reserves early, so that there is
			// memory to allocate from.
			if i < 10 {
				o[0] = 0
				o[2] = 31
			}
			m.op(t, o)
			m.check(t)
		}
		allocs += m.allocs
	}
}

// FuzzModel drives the same model from fuzz input.
func FuzzModel(f *testing.F) {
	f.Add([]byte{0, 0, 200, 2, 10, 5, 4, 0, 3, 1, 0, 0, 5, 3, 3, 2, 100, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		Init(ktest.NewRAM(t, modelSpace*asm.PAGE_SIZE))
		var m model
		for i := 0; i+6 <= len(data) && i < 6*200; i += 6 {
			var o [6]int
			for k := range o {
				o[k] = int(data[i+k]) * 7
			}
			m.op(t, o)
		}
		m.check(t)
	})
}
