package i8259

import (
	"gokern/kunit"
	"gokern/printk"
)

// Test_i8259: the 8259s hold the masks the kernel wrote (OCW1 reads back),
// and nothing is in service.
func Test_i8259(t *kunit.Kunit) {
	if !Initialized {
		if Probe_8259A() {
			t.Errorf("init_8259A did not run, but an 8259A answers")
			return
		}
		t.Skip("no 8259A (probe_8259A: the mask does not read back)")
		return
	}
	if imr := Read_imr(); imr != Cached_irq_mask {
		t.Errorf("IMR %#04x, cached_irq_mask %#04x", printk.Int(imr), printk.Int(Cached_irq_mask))
	}
	for n := uint32(0); n < 16; n++ {
		if n != 2 && i8259A_irq_real(n) {
			t.Errorf("IRQ %d is in service with nobody handling it", printk.Int(n))
		}
	}
}
