package amd64

// Go declarations of the assembly in head_64.s (go vet's asmdecl wants one
// for every TEXT symbol). None of these is called from Go.

func startup_64()
func startup_64_high()
func early_idt_handler_common()
func early_idt_handler_0()
func early_idt_handler_1()
func early_idt_handler_2()
func early_idt_handler_3()
func early_idt_handler_4()
func early_idt_handler_5()
func early_idt_handler_6()
func early_idt_handler_7()
func early_idt_handler_8()
func early_idt_handler_9()
func early_idt_handler_10()
func early_idt_handler_11()
func early_idt_handler_12()
func early_idt_handler_13()
func early_idt_handler_14()
func early_idt_handler_15()
func early_idt_handler_16()
func early_idt_handler_17()
func early_idt_handler_18()
func early_idt_handler_19()
func early_idt_handler_20()
func early_idt_handler_21()
func early_idt_handler_22()
func early_idt_handler_23()
func early_idt_handler_24()
func early_idt_handler_25()
func early_idt_handler_26()
func early_idt_handler_27()
func early_idt_handler_28()
func early_idt_handler_29()
func early_idt_handler_30()
func early_idt_handler_31()

// Set by startup_64, read by Go.
var (
	startup_64_va, startup_64_high_va uintptr
	kernel_end_va                     uintptr
	// early_idt_handler_array holds the addresses of the 32 stubs.
	early_idt_handler_array [32]uintptr
)
