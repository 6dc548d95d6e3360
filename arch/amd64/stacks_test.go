package amd64

import (
	"testing"

	"gokern/arch/amd64/asm"
)

// TestBlockGuardPage: map_ap_stacks leaves a hole at exactly the pages
// the stacks' descriptions call guard pages (Is_guard_page, which the #DF
// handler asks): one below each of the six stacks and the top guard above
// the last exception stack.
func TestBlockGuardPage(t *testing.T) {
	var p asm.PcpuHot
	var g cpu_gs
	const base = uintptr(0xffffc90000100000)
	setup_stacks_at(&p, base, AP_TASK_STACK_SIZE, &g.task, &g.irq, &g.estack, true)
	n := 0
	for off := uintptr(0); off < AP_STACKS_SIZE; off += asm.PAGE_SIZE {
		want := p.Is_guard_page(base + off)
		if block_guard_page(off) != want {
			t.Errorf("offset %#x: block_guard_page %v, Is_guard_page %v", off, !want, want)
		}
		if want {
			n++
		}
	}
	if n != asm.N_EXCEPTION_STACKS+3 {
		t.Errorf("%d guard pages, want %d", n, asm.N_EXCEPTION_STACKS+3)
	}
	if p.Top_of_stack != base+AP_STACKS_SIZE {
		t.Errorf("top of stack %#x, want the block's end %#x", p.Top_of_stack, base+AP_STACKS_SIZE)
	}
}
