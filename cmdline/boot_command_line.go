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

// Kept is how much of the loader's command line raw the kernel keeps
// (Linux: strscpy into boot_command_line, COMMAND_LINE_SIZE). raw holds
// the loader's bytes, at least COMMAND_LINE_SIZE of them when the line is
// that long. Up to the NUL, n = its length; a line with no NUL in its
// first COMMAND_LINE_SIZE-1 bytes is truncated there, and when the
// truncation cuts a word in two (the first byte left out is not a
// separator, <= ' '), that word is dropped too, rather than half applied
// (Linux keeps the half): dropped is what arrived of it. Trailing
// separators are not kept. The real-mode setup and the boot stage keep
// the same bytes (boot/cmdline.S, boot/compressed/cmdline.S), so every
// stage sees one command line.
func Kept(raw []byte) (n int, truncated bool, dropped []byte) {
	const limit = asm.COMMAND_LINE_SIZE - 1
	for n < len(raw) && n < limit && raw[n] != 0 {
		n++
	}
	if n == limit && len(raw) > limit && raw[limit] != 0 {
		truncated = true
		if raw[limit] > ' ' {
			end := n
			for n > 0 && raw[n-1] > ' ' {
				n--
			}
			dropped = raw[n:end]
		}
	}
	for n > 0 && raw[n-1] <= ' ' {
		n--
	}
	return n, truncated, dropped
}
