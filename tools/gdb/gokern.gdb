# tools/gdb/gokern.gdb — gdb support for gokern. From the repository root:
#
#   ./qemu.sh debug            # QEMU waits at the first instruction
#   gdb -x tools/gdb/gokern.gdb -ex 'gk-connect localhost:1234'
#
# or ./qemu.sh debug gdb, which does both. docs/boot.md walks the boot with it.
#
# Symbols: build/vmlinux (the Go kernel, at its virtual addresses), the
# real-mode setup (linked at 0, loaded by QEMU at 0x10000) and the boot
# stage (linked at 0, loaded at code32_start = 0x100000).
#
# Real-mode pitfalls (DESIGN.md §6): QEMU reports 64-bit registers in every
# mode, $pc in real mode is IP (not CS*16+IP: use gk-linear), and gdb's x/i
# decodes as 64-bit code: use `monitor x /4i $pc`-style monitor commands,
# which decode in the CPU's current mode. After stopping on a real-mode
# breakpoint, delete it (or stepi) before `continue`.

set pagination off
set confirm off
set print pretty on

file build/vmlinux
add-symbol-file build/setup.elf -o 0x10000
add-symbol-file build/compressed/vmlinux -o 0x100000

# __START_KERNEL_map: the kernel's startup_64 first runs at its PHYSICAL
# address (virtual - this), until it switches to its own page tables.
set $START_KERNEL_map = 0xffffffff80000000

define gk-connect
  target remote $arg0
end
document gk-connect
gk-connect HOST:PORT — attach to QEMU's gdb stub (./qemu.sh debug prints the port).
end

define gk-linear
  printf "CS:IP %04x:%04x = linear 0x%05x\n", $cs, $pc, ($cs << 4) + $pc
end
document gk-linear
Print the real-mode linear address of the next instruction (CS*16 + IP).
end

define gk-break-setup
  hbreak *0x10200
end
document gk-break-setup
Break at _start of the real-mode setup: linear 0x10200 (CS=0x1020, IP=0), boot/header.S.
end

define gk-break-startup_32
  hbreak *0x100000
end
document gk-break-startup_32
Break at startup_32 (boot/compressed/head_64.S), 32-bit protected mode, at code32_start.
end

define gk-break-startup_64
  hbreak *((unsigned long)&'gokern/arch/amd64.startup_64.abi0' - $START_KERNEL_map)
end
document gk-break-startup_64
Break at the kernel's startup_64 (arch/amd64/head_64.s) where it first runs: its physical address.
end

define gk-break-start_kernel
  hbreak main.start_kernel
end
document gk-break-start_kernel
Break at start_kernel (kmain.go), in Go, at its virtual address.
end

define gk-stages
  gk-break-setup
  gk-break-startup_32
  gk-break-startup_64
  gk-break-start_kernel
end
document gk-stages
Hardware breakpoints at each stage: _start, startup_32, startup_64, start_kernel.
end

define gk-regs
  monitor info registers
end
document gk-regs
QEMU's view of the CPU (decoded in the current mode: segments, CR0, EFER, GDT, IDT).
end

define gk-dmesg
  # In a Go frame gdb parses Go, which has no C casts: switch for a moment.
  set language c
  printf "%s\n", (char *)&'gokern/printk.log_buf'
  set language auto
end
document gk-dmesg
Print the kernel log buffer (__log_buf) from its start (each line begins <level>).
end
