package irq

import (
	"fmt"
	"strings"
	"testing"

	"gokern/internal/ktest"
	"gokern/internal/mmtest"
	"gokern/mm"
)

// A fake controller that records what the flow handlers ask of it.
var chipLog []string

func logOp(op string) func(d *IrqData) {
	return func(d *IrqData) { chipLog = append(chipLog, fmt.Sprintf("%s %d", op, d.Hwirq)) }
}

var testChip = IrqChip{Name: "TEST", Irq_mask: logOp("mask"), Irq_unmask: logOp("unmask"),
	Irq_ack: logOp("ack"), Irq_eoi: logOp("eoi")}

var calls []string

func handlerA(irq int, dev uintptr) Irqreturn_t {
	calls = append(calls, fmt.Sprintf("A %d %d", irq, dev))
	return IRQ_HANDLED
}

func handlerNone(irq int, dev uintptr) Irqreturn_t {
	calls = append(calls, fmt.Sprintf("none %d %d", irq, dev))
	return IRQ_NONE
}

// setup boots a memory manager (descriptors and irqactions come from the
// slab allocator) and the ISA lines' descriptors.
func setup(t *testing.T) *ktest.Capture {
	mmtest.Boot(t, 64<<20, nil)
	Reset()
	Early_irq_init()
	chipLog, calls = nil, nil
	return ktest.StartCapture(t)
}

func want(t *testing.T, what string, got []string, w ...string) {
	t.Helper()
	if strings.Join(got, "; ") != strings.Join(w, "; ") {
		t.Fatalf("%s: %q, want %q", what, got, w)
	}
}

// Each flow handler talks to the controller in Linux's order: edge acks
// before the handlers, level masks+acks before and unmasks after, fasteoi
// sends one EOI after.
func TestFlows(t *testing.T) {
	setup(t)
	Irq_set_chip_and_handler_name(4, &testChip, 4, 0, Handle_edge_irq, "edge")
	Irq_set_chip_and_handler_name(1, &testChip, 1, 0, Handle_level_irq, "level")
	Irq_set_chip_and_handler_name(9, &testChip, 9, 0, Handle_fasteoi_irq, "fasteoi")
	for _, irq := range []int{4, 1, 9} {
		if err := Request_irq(irq, handlerA, 0, "dev", uintptr(irq*10)); err != 0 {
			t.Fatalf("Request_irq(%d) = %d", irq, err)
		}
	}
	want(t, "request", chipLog, "unmask 4", "unmask 1", "unmask 9")
	chipLog = nil
	for _, irq := range []int{4, 1, 9} {
		Generic_handle_irq_desc(Irq_to_desc(irq))
	}
	want(t, "chip", chipLog, "ack 4", "mask 1", "ack 1", "unmask 1", "eoi 9")
	want(t, "handlers", calls, "A 4 40", "A 1 10", "A 9 90")
	for _, irq := range []int{4, 1, 9} {
		if Kstat_irqs(irq) != 1 || Irq_to_desc(irq).Unhandled != 0 {
			t.Fatalf("irq %d: %d interrupts, %d unhandled", irq, Kstat_irqs(irq), Irq_to_desc(irq).Unhandled)
		}
	}
}

// Sharing: both must ask; both handlers run; free_irq takes out the one
// with the dev_id, and masks the line with the last one.
func TestSharedAndFree(t *testing.T) {
	out := setup(t)
	Irq_set_chip_and_handler_name(11, &testChip, 11, 0, Handle_fasteoi_irq, "fasteoi")
	if Request_irq(11, handlerA, IRQF_SHARED, "a", 1) != 0 || Request_irq(11, handlerNone, IRQF_SHARED, "b", 2) != 0 {
		t.Fatal("shared request failed")
	}
	if err := Request_irq(11, handlerA, 0, "c", 3); err != -EBUSY {
		t.Fatalf("unshared request on a shared line = %d", err)
	}
	if l := out.Lines(); len(l) != 1 || !strings.Contains(l[0], "genirq: Flags mismatch irq 11") {
		t.Fatalf("printed %q", l)
	}
	Generic_handle_irq_desc(Irq_to_desc(11))
	want(t, "handlers", calls, "A 11 1", "none 11 2")
	if Free_irq(11, 1) != "a" || Irq_to_desc(11).Action.Name != "b" {
		t.Fatal("free_irq took the wrong one")
	}
	chipLog = nil
	if Free_irq(11, 2) != "b" || Irq_to_desc(11).Action != nil {
		t.Fatal("free_irq of the last")
	}
	want(t, "chip", chipLog, "mask 11")
	if Free_irq(11, 2) != "" || !strings.Contains(strings.Join(out.Lines(), "\n"), "Trying to free already-free IRQ 11") {
		t.Fatal("double free not reported")
	}
	if Request_irq(12, handlerA, 0, "x", 0) != -EINVAL || Request_irq(NR_IRQS, handlerA, 0, "x", 0) != -EINVAL {
		t.Fatal("request on a line that is not set up")
	}
}

// An interrupt nobody claims is counted and reported once; a line with no
// handler at all is masked; 99,900 unclaimed of 100,000 disable it.
func TestUnhandled(t *testing.T) {
	out := setup(t)
	Irq_set_chip_and_handler_name(7, &testChip, 7, 0, Handle_edge_irq, "edge")
	Irq_to_desc(7).Vector = 0x37
	Generic_handle_irq_desc(Irq_to_desc(7))
	want(t, "chip", chipLog, "mask 7", "ack 7")
	Generic_handle_irq_desc(Irq_to_desc(7))
	if l := out.Lines(); len(l) != 1 || l[0] != "irq 7: unexpected interrupt on vector 0x37: no handler is installed (counted; more are not reported)" {
		t.Fatalf("printed %q", l)
	}
	if d := Irq_to_desc(7); d.Unhandled != 2 || d.Kstat_irqs != 2 {
		t.Fatalf("unhandled %d, count %d", d.Unhandled, d.Kstat_irqs)
	}
	Request_irq(7, handlerNone, 0, "deaf", 0)
	chipLog = nil
	for i := 0; i < 100000; i++ {
		Generic_handle_irq_desc(Irq_to_desc(7))
	}
	if d := Irq_to_desc(7); d.Depth != 1 || chipLog[len(chipLog)-1] != "mask 7" {
		t.Fatalf("depth %d, last chip op %q", d.Depth, chipLog[len(chipLog)-1])
	}
	if s := strings.Join(out.Lines(), "\n"); !strings.Contains(s, "irq 7: nobody cared") || !strings.Contains(s, "Disabling IRQ #7") {
		t.Fatalf("printed %q", s)
	}
}

// Irqactions come from kmalloc, so a line takes as many shared handlers
// as memory allows, and each free_irq gives one back; disable/enable nest.
func TestActionsAndDepth(t *testing.T) {
	out := setup(t)
	if Irq_to_desc(16) != nil || Irq_to_desc(15) == nil {
		t.Fatal("early_irq_init allocates the 16 ISA descriptors, no more")
	}
	Irq_set_chip_and_handler_name(3, &testChip, 3, 0, Handle_edge_irq, "edge")
	Irq_set_chip_and_handler_name(40, &testChip, 40, 0, Handle_fasteoi_irq, "fasteoi")
	if d := Irq_to_desc(40); d == nil || d.Irq_data.Irq != 40 || d.Depth != 1 {
		t.Fatal("a line past the ISA ones gets its descriptor when set up")
	}
	for i := 0; i < 100; i++ {
		if err := Request_irq(3, handlerA, IRQF_SHARED, "s", uintptr(i)); err != 0 {
			t.Fatalf("request %d = %d", i, err)
		}
	}
	for i := 0; i < 100; i++ {
		if Free_irq(3, uintptr(i)) != "s" {
			t.Fatalf("free %d", i)
		}
	}
	if msg := mm.Validate_all_slab_caches(); msg != "" || Irq_to_desc(3).Action != nil {
		t.Fatalf("after 100 requests and frees: %s", msg)
	}
	for i := 0; i < 100; i++ {
		Request_irq(3, handlerA, IRQF_SHARED, "s", uintptr(i))
	}
	chipLog = nil
	Disable_irq(3)
	Disable_irq(3)
	Enable_irq(3)
	want(t, "nested", chipLog, "mask 3")
	Enable_irq(3)
	Enable_irq(3)
	want(t, "enabled", chipLog, "mask 3", "unmask 3")
	if !strings.Contains(strings.Join(out.Lines(), "\n"), "Unbalanced enable for IRQ 3") {
		t.Fatal("unbalanced enable not reported")
	}
}

// /proc/interrupts' rows: lines with a handler or with interrupts, the
// chip, the pin and flow, the handlers, the unhandled count, then the
// architecture's rows.
func TestShowInterrupts(t *testing.T) {
	out := setup(t)
	Irq_set_chip_and_handler_name(0, &testChip, 2, 0, Handle_edge_irq, "edge")
	Irq_set_chip_and_handler_name(4, &testChip, 4, 0, Handle_edge_irq, "edge")
	Irq_set_chip_and_handler_name(5, &testChip, 5, 0, Handle_fasteoi_irq, "fasteoi")
	Request_irq(0, handlerA, 0, "timer", 0)
	Request_irq(4, handlerA, IRQF_SHARED, "ttyS0", 1)
	Request_irq(4, handlerNone, IRQF_SHARED, "ttyS2", 2)
	for i := 0; i < 3; i++ {
		Generic_handle_irq_desc(Irq_to_desc(0))
	}
	Generic_handle_irq_desc(Irq_to_desc(5))
	out.Lines()
	arch := false
	ArchShowInterrupts = func() { arch = true }
	defer func() { ArchShowInterrupts = nil }()
	PrintInterrupts()
	want := []string{
		"           CPU0",
		"  0:          3   TEST       2-edge     timer",
		"  4:          0   TEST       4-edge     ttyS0, ttyS2",
		"  5:          1   TEST       5-fasteoi  -  (1 unhandled)",
	}
	if got := out.Lines(); strings.Join(got, "|") != strings.Join(want, "|") || !arch {
		t.Fatalf("printed\n%s\nwant\n%s (arch rows %v)", strings.Join(got, "\n"), strings.Join(want, "\n"), arch)
	}
}
