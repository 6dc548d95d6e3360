package amd64

// Go declarations of the assembly in head_64.s (go vet's asmdecl wants one
// for every TEXT symbol). None of these is called from Go. The exception
// stubs and their table are generated:
//
//go:generate go run gokern/cmd/vectors

func startup_64()
func startup_64_high()
func early_idt_handler_common()

// Set by startup_64, read by Go.
var (
	startup_64_va, startup_64_high_va uintptr
	kernel_end_va                     uintptr
)
