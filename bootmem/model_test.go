package bootmem

import (
	"math/rand"
	"testing"

	"gokern/arch/amd64/asm"
	"gokern/internal/ktest"
)

// The reference model: one bool per page frame of a node, the next-fit
// hint, and the 2.6 search rules written the simple way (try every aligned
// candidate). Whole-page requests only; packing has its own tests.

const modelMax = 600 // pages in the simulated RAM

type bmodel struct {
	min, max uint64 // the node's page frames
	res      [modelMax]bool
	hint     uint64 // absolute page frame, as Node_min_pfn + Hint_idx
	allocs   int
	last     [5]uint64 // the last operation, for failure messages
}

func alignUp(x, a uint64) uint64 { return (x + a - 1) / a * a }

// ff is first fit: the lowest aligned c >= from with [c, c+n) free below max.
func (m *bmodel) ff(from, n, step, max uint64) int {
	for c := alignUp(from, step); c+n <= max; c += step {
		ok := true
		for i := c; i < c+n; i++ {
			if m.res[i] {
				ok = false
				break
			}
		}
		if ok {
			return int(c)
		}
	}
	return -1
}

func (m *bmodel) try(n, step, goal, limit uint64) int {
	lo, hi := m.min, m.max
	if limit != 0 && hi > limit {
		hi = limit
	}
	if hi <= lo {
		return -1
	}
	start := alignUp(lo, step)
	if goal != 0 && lo < goal && goal < hi {
		start = alignUp(goal, step)
	}
	if m.hint > start {
		if r := m.ff(m.hint, n, step, hi); r >= 0 {
			return r
		}
	}
	return m.ff(start, n, step, hi)
}

func (m *bmodel) check(t testing.TB) {
	t.Helper()
	b := &Bootmem_node_data[0]
	for p := m.min; p < m.max; p++ {
		if test_bit(b.bitmap, p-m.min) != m.res[p] {
			t.Fatalf("page %#x: bitmap %v, model %v (node [%#x,%#x), after op %v)", p, !m.res[p], m.res[p], m.min, m.max, m.last)
		}
	}
	if b.Node_min_pfn+b.Hint_idx != m.hint {
		t.Fatalf("hint %#x, model %#x", b.Node_min_pfn+b.Hint_idx, m.hint)
	}
}

func (m *bmodel) op(t testing.TB, o [5]uint64) {
	t.Helper()
	m.last = o
	span := m.max - m.min
	p, n := m.min+o[1]%span, 1+o[2]%40
	if p+n > m.max {
		n = m.max - p
	}
	switch o[0] % 4 {
	case 0, 1: // reserve, plain or exclusive
		excl := o[0]%4 == 1
		busy := false
		for i := p; i < p+n; i++ {
			busy = busy || m.res[i]
		}
		flags := BOOTMEM_DEFAULT
		if excl {
			flags = BOOTMEM_EXCLUSIVE
		}
		err := Reserve_bootmem(p<<asm.PAGE_SHIFT, n<<asm.PAGE_SHIFT, flags)
		if excl && busy {
			if err != ErrBusy {
				t.Fatalf("exclusive reserve over a busy page: %v", err)
			}
			return
		}
		if err != OK {
			t.Fatal(err)
		}
		for i := p; i < p+n; i++ {
			m.res[i] = true
		}
	case 2: // free
		// Never the bitmap's page: as in Linux, an allocation could then
		// land on the bitmap and zero it.
		if p == m.min {
			p, n = p+1, min(n, m.max-p-1)
		}
		free := false
		for i := p; i < p+n; i++ {
			free = free || !m.res[i]
		}
		err := Free_bootmem(p<<asm.PAGE_SHIFT, n<<asm.PAGE_SHIFT)
		if free {
			if err != ErrNotReserved {
				t.Fatalf("freeing a free page: %v", err)
			}
			return
		}
		if err != OK {
			t.Fatal(err)
		}
		for i := p; i < p+n; i++ {
			m.res[i] = false
		}
		m.hint = min(m.hint, p)
	case 3: // allocate
		step := uint64(1) << (o[3] % 4)
		goal, limit := o[4]%(modelMax+20), uint64(0)
		if o[4]%3 == 0 {
			limit = (o[4] / 3) % (modelMax + 20)
		}
		size := n << asm.PAGE_SHIFT
		region, err := alloc_nopanic(size, step<<asm.PAGE_SHIFT, goal<<asm.PAGE_SHIFT, limit<<asm.PAGE_SHIFT)
		// ___alloc_bootmem_nopanic: skip a node below the goal, stop at
		// one above the limit, retry without the goal. A goal that
		// leaves no room below the limit is a bug (Linux BUG_ON) once
		// the node is tried.
		want := -1
		for _, g := range []uint64{goal, 0} {
			if g != 0 && m.max <= g || limit != 0 && m.min >= limit {
				continue
			}
			if limit != 0 && g<<asm.PAGE_SHIFT+size > limit<<asm.PAGE_SHIFT {
				if err != ErrInvalid {
					t.Fatalf("goal %#x + size %#x beyond limit %#x: %v", g, size, limit, err)
				}
				return
			}
			if want = m.try(n, step, g, limit); want >= 0 || goal == 0 {
				break
			}
		}
		got := -1
		if err == OK {
			got = int(ram(t).PA(region) >> asm.PAGE_SHIFT)
		}
		if got != want {
			t.Fatalf("alloc %d pages step %d goal %#x limit %#x (hint %#x): got %#x (%v), model %#x",
				n, step, goal, limit, m.hint, got, err, want)
		}
		if want >= 0 {
			for i := uint64(want); i < uint64(want)+n; i++ {
				m.res[i] = true
			}
			m.hint = uint64(want) + n
			m.allocs++
		}
	}
}

var curRAM *ktest.RAM

func ram(t testing.TB) *ktest.RAM { return curRAM }

// newModel starts a node [min, max) with its bitmap at page min, reserved.
func newModel(t testing.TB, min uint64) *bmodel {
	curRAM = ktest.NewRAM(t, (modelMax+64)<<asm.PAGE_SHIFT)
	m := &bmodel{min: min, max: modelMax}
	node(t, curRAM, min, modelMax)
	m.res[min] = true
	m.hint = min
	return m
}

func (m *bmodel) checkFreeAll(t testing.TB) {
	t.Helper()
	var got []bool = make([]bool, modelMax)
	n := Free_all_bootmem(func(s, e uint64) {
		for p := s >> asm.PAGE_SHIFT; p < e>>asm.PAGE_SHIFT; p++ {
			if got[p] {
				t.Fatalf("page %#x released twice", p)
			}
			got[p] = true
		}
	})
	count := uint64(0)
	for p := m.min; p < m.max; p++ {
		want := !m.res[p] || p == m.min // the bitmap page goes too
		if got[p] != want {
			t.Fatalf("page %#x: released %v, model %v", p, got[p], want)
		}
		if want {
			count++
		}
	}
	if n != count {
		t.Fatalf("released %d pages, model %d", n, count)
	}
}

func TestModel(t *testing.T) {
	rnd := rand.New(rand.NewSource(4))
	allocs := 0
	for seq := 0; seq < 300; seq++ {
		m := newModel(t, uint64(rnd.Intn(70)))
		for i := 0; i < 120; i++ {
			var o [5]uint64
			for k := range o {
				o[k] = uint64(rnd.Intn(1 << 20))
			}
			m.op(t, o)
			m.check(t)
		}
		m.checkFreeAll(t)
		allocs += m.allocs
	}
	if allocs < 3000 {
		t.Errorf("only %d allocations succeeded", allocs)
	}
}

func FuzzModel(f *testing.F) {
	f.Add(uint8(3), []byte{3, 0, 5, 1, 9, 0, 10, 3, 0, 0, 2, 10, 3, 0, 0, 3, 1, 1, 2, 40})
	f.Fuzz(func(t *testing.T, min uint8, data []byte) {
		m := newModel(t, uint64(min%70))
		for i := 0; i+5 <= len(data) && i < 5*200; i += 5 {
			var o [5]uint64
			for k := range o {
				o[k] = uint64(data[i+k]) * 13
			}
			m.op(t, o)
		}
		m.check(t)
		m.checkFreeAll(t)
	})
}
