package amd64

import (
	"gokern/arch/amd64/apic"
	"gokern/arch/amd64/asm"
	"gokern/arch/amd64/entry"
	"gokern/arch/amd64/tsc"
	"gokern/kunit"
	"gokern/printk"
	"gokern/traps"
)

// nmi_nested_state: what the selftest's NMI handler saw (one CPU, the
// selftest's, with interrupts off: plain variables).
var nmi_nested_state struct {
	runs, depth, max_depth int
	// runs_after_int3: runs, read by the first run after its int3 came
	// back, by when the second NMI was already delivered.
	runs_after_int3 int
	int3s           uint64
}

// nmi_nested_handler is traps.Nmi_handler during Test_nmi_nested. Its
// first run sends this CPU a second NMI, pending while NMIs are blocked,
// then takes an int3, whose IRETQ unblocks them (SDM Vol. 3A §6.7.1): the
// second NMI comes in at once, inside the first's handler.
func nmi_nested_handler(regs *asm.PtRegs) bool {
	st := &nmi_nested_state
	st.runs++
	st.depth++
	if st.depth > st.max_depth {
		st.max_depth = st.depth
	}
	if st.runs == 1 {
		apic.Send_NMI(asm.Smp_processor_id())
		n := traps.Int3_count
		asm.Int3()
		st.int3s = traps.Int3_count - n
		st.runs_after_int3 = st.runs
	}
	st.depth--
	return true
}

// Test_nmi_nested: an NMI that comes in while an NMI handler runs (after
// an exception inside the handler unblocked NMIs) must not run over the
// first one, whose frame and handler stack are at the top of the same IST
// stack: asm_exc_nmi latches it, and the first NMI's IRETQ goes to
// nmi_repeat, which runs the handler once more (Linux asm_exc_nmi's
// nested-NMI logic). So: two runs of the handler, never one inside the
// other, the second after the first's int3; and nmi_common follows
// nmi_repeat in the text, as asm_exc_nmi's RIP test assumes.
func Test_nmi_nested(t *kunit.Kunit) {
	if start, end := entry.Nmi_repeat_range(); end <= start || end-start > 256 {
		t.Errorf("nmi_common at %#x does not follow nmi_repeat at %#x", printk.Int(end), printk.Int(start))
	}
	if apic.Apic_intr_mode == apic.APIC_PIC {
		t.Skip("no local APIC to send this CPU an NMI")
		return
	}
	st := &nmi_nested_state
	*st = struct {
		runs, depth, max_depth int
		runs_after_int3        int
		int3s                  uint64
	}{}
	old := traps.Nmi_handler
	f := asm.Arch_local_irq_save()
	traps.Nmi_handler = nmi_nested_handler
	n0 := traps.Nmi_count
	apic.Send_NMI(asm.Smp_processor_id())
	budget := tsc.New_run_budget(1000)
	for st.runs < 2 && !budget.Spent() {
		asm.Cpu_relax()
	}
	traps.Nmi_handler = old
	asm.Arch_local_irq_restore(f)
	if st.runs != 2 || st.max_depth != 1 || st.runs_after_int3 != 1 || st.int3s != 1 || traps.Nmi_count-n0 != 2 {
		t.Errorf("handler runs %d (want 2), deepest nesting %d (want 1), runs when the int3 came back %d (want 1), int3s %d, NMIs counted %d (want 2)",
			printk.Int(st.runs), printk.Int(st.max_depth), printk.Int(st.runs_after_int3), printk.Int(st.int3s), printk.Int(traps.Nmi_count-n0))
	}
	t.Logf("an NMI inside an NMI handler (after its int3's IRETQ) ran the handler again after it, not inside it")
}
