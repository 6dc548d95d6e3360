/*
 * boot/compressed/piggy.S — the kernel payload inside the boot stage.
 * Linux: arch/x86/boot/compressed/mkpiggy.c writes piggy.S with .incbin of
 * the compressed vmlinux; gokern's image builder writes build/piggy.bin
 * (header + the Go kernel's loadable segments, see head_64.S) and this file
 * includes it.
 */
	.section .rodata..compressed, "a", @progbits
	.globl	input_data, input_data_end
	.balign	16
input_data:
	.incbin	"piggy.bin"
input_data_end:
