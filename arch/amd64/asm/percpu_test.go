package asm

import "testing"

// Get_stack_info finds a stack by any address on it, its guard page
// included; Is_guard_page knows the guard pages below each stack and
// above the last exception stack.
func TestGetStackInfo(t *testing.T) {
	var p PcpuHot
	p.Stacks[STACK_TYPE_TASK] = Stack_info{Type: STACK_TYPE_TASK, Begin: 0x10000, End: 0x20000, Guard: 0xf000}
	p.Stacks[STACK_TYPE_IRQ] = Stack_info{Type: STACK_TYPE_IRQ, Begin: 0x30000, End: 0x34000}
	last := STACK_TYPE_EXCEPTION_LAST
	p.Stacks[last] = Stack_info{Type: uint64(last), Begin: 0x41000, End: 0x49000, Guard: 0x40000}
	for _, c := range []struct {
		sp   uintptr
		want int
	}{{0x10000, STACK_TYPE_TASK}, {0x1fff8, STACK_TYPE_TASK}, {0xf008, STACK_TYPE_TASK}, {0xeff8, -1},
		{0x20000, -1}, {0x30000, STACK_TYPE_IRQ}, {0x2f000, -1}, {0x40010, last}, {0x49000, -1}} {
		s, ok := p.Get_stack_info(c.sp)
		if c.want < 0 && ok || c.want >= 0 && (!ok || s != &p.Stacks[c.want]) {
			t.Errorf("Get_stack_info(%#x) = %v, %v; want stack %d", c.sp, s, ok, c.want)
		}
	}
	for va, want := range map[uintptr]bool{0xf000: true, 0xffff: true, 0x10000: false, 0x2f000: false,
		0x40000: true, 0x49000: true, 0x49fff: true, 0x4a000: false} {
		if p.Is_guard_page(va) != want {
			t.Errorf("Is_guard_page(%#x) = %v", va, !want)
		}
	}
	if Stack_type_name(STACK_TYPE_EXCEPTION+ESTACK_DF) != "#DF" || Stack_type_name(STACK_TYPE_TASK) != "TASK" {
		t.Error("Stack_type_name")
	}
}

// Canonical addresses (SDM Vol. 1 §3.3.7.1) and the user range.
func TestCanonicalAndAccessOk(t *testing.T) {
	for va, want := range map[uintptr]bool{0: true, 0x00007fffffffffff: true, 0x0000800000000000: false,
		0xffff800000000000: true, 0xffff7fffffffffff: false, 0x8000000000000000: false, 0xffffffffffffffff: true} {
		if Is_canonical_address(va) != want {
			t.Errorf("Is_canonical_address(%#x) = %v", va, !want)
		}
	}
	if !Access_ok(0x1000, 8) || !Access_ok(TASK_SIZE_MAX-8, 8) || Access_ok(TASK_SIZE_MAX-8, 9) ||
		Access_ok(0xffffffff81000000, 1) || Access_ok(0x1000, ^uintptr(0)) || TASK_SIZE_MAX != 0x7ffffffff000 {
		t.Error("Access_ok")
	}
	if Copy_from_kernel_nofault_allowed(0x1000, 8) || Copy_from_kernel_nofault_allowed(0x8000000000000000, 8) ||
		!Copy_from_kernel_nofault_allowed(0xffffffff81000000, 8) || Copy_from_kernel_nofault_allowed(0xfffffffffffffff8, 16) {
		t.Error("Copy_from_kernel_nofault_allowed")
	}
}
