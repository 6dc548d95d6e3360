package cmdline

import "gokern/arch/amd64/asm"

// The kernel's copy of the command line. Linux defines boot_command_line
// in init/main.c and declares it for everyone in include/linux/init.h;
// gokern's init/main.c is package main, which no package can import, so
// the copy lives here, with the code that parses it, at the bottom of the
// layers: every subsystem may read it.

var (
	// Boot_command_line is the command line the loader passed, copied by
	// copy_bootdata (arch/amd64/head64.go) and NUL-terminated (Linux
	// boot_command_line).
	Boot_command_line [asm.COMMAND_LINE_SIZE]byte
	// BootCommandLineLen is its length without the NUL.
	BootCommandLineLen int
)

// BootCommandLine returns Boot_command_line without its NUL.
func BootCommandLine() []byte { return Boot_command_line[:BootCommandLineLen] }
