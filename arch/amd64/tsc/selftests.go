package tsc

import (
	"gokern/arch/amd64/asm"
	"gokern/kunit"
	"gokern/printk"
)

// In-kernel selftest of the clock (kmain.go lists it for selftest=).

// Test_tsc_clock: the TSC frequency is known and printk's clock advances.
func Test_tsc_clock(t *kunit.Kunit) {
	if Tsc_khz == 0 {
		t.Errorf("tsc_khz = 0")
	}
	a := Local_clock()
	for i := 0; i < 1000; i++ {
		asm.Inb(0x80) // a slow I/O port read, as Linux's io_delay
	}
	b := Local_clock()
	if b <= a {
		t.Errorf("local_clock did not advance: %d then %d", printk.Int(a), printk.Int(b))
	}
	if ns := Cycles_2_ns(Tsc_khz*1000, Tsc_khz); ns != 1000000000 {
		t.Errorf("one second of cycles is %d ns", printk.Int(ns))
	}
}
