package sys

import (
	"gokern/arch/amd64/asm"
	"gokern/include/uapi"
	"gokern/kernel/sched"
	"gokern/printk"
)

// Restarting, halting and powering off the machine, Linux
// kernel/reboot.c: reboot(2) (SYSCALL_DEFINE4(reboot): busybox's
// reboot -f, halt -f, poweroff -f, or what Ctrl-Alt-Del does) and the
// generic half it calls (kernel_restart, kernel_halt, kernel_power_off).
// Only a caller with CAP_SYS_BOOT (gokern: effective uid 0) may; the two
// magic numbers guard against a stray call (include/uapi/linux/reboot.h).
// The architecture plugs in how its machine does each (Linux x86's
// machine_ops, pm_power_off: arch/amd64/reboot.go).

var (
	// Machine_ops: the machine's restart, halt and power-off, which do
	// not return (Linux struct machine_ops, arch/x86/kernel/reboot.c).
	Machine_ops struct {
		Restart   func(cmd []byte)
		Halt      func()
		Power_off func()
	}
	// Pm_power_off is set when the machine can power itself off (Linux
	// pm_power_off: ACPI's S5 here), nil otherwise.
	Pm_power_off func()
	// C_A_D: Ctrl-Alt-Del restarts at once (LINUX_REBOOT_CMD_CAD_ON)
	// rather than signalling init (Linux C_A_D). Kept for reboot(2)'s
	// sake: gokern has no keyboard to press it on.
	C_A_D = true
)

// Kernel_can_power_off says whether the machine can power itself off
// (Linux kernel_can_power_off).
func Kernel_can_power_off() bool { return Pm_power_off != nil }

// Kernel_restart restarts the machine, saying so first, with the
// command RESTART2 passed when there is one (Linux kernel_restart).
func Kernel_restart(cmd []byte) {
	printk.Console_verbose()
	if len(cmd) == 0 {
		printk.Pr_emerg("reboot: Restarting system\n")
	} else {
		printk.Pr_emerg("reboot: Restarting system with command '%s'\n", printk.Escaped(cmd))
	}
	Machine_ops.Restart(cmd)
}

// Kernel_halt stops the machine with every CPU halted (Linux
// kernel_halt).
func Kernel_halt() {
	printk.Console_verbose()
	printk.Pr_emerg("reboot: System halted\n")
	Machine_ops.Halt()
}

// Kernel_power_off powers the machine off (Linux kernel_power_off).
func Kernel_power_off() {
	printk.Console_verbose()
	printk.Pr_emerg("reboot: Power down\n")
	Machine_ops.Power_off()
}

const (
	X__NR_reboot      = 169
	X__NR_ia32_reboot = 88

	LINUX_REBOOT_MAGIC1  = 0xfee1dead
	LINUX_REBOOT_MAGIC2  = 672274793 // Linus's birthday, 0x28121969
	LINUX_REBOOT_MAGIC2A = 85072278  // 0x05121996
	LINUX_REBOOT_MAGIC2B = 369367448 // 0x16041998
	LINUX_REBOOT_MAGIC2C = 537993216 // 0x20112000

	LINUX_REBOOT_CMD_RESTART    = 0x01234567
	LINUX_REBOOT_CMD_HALT       = 0xCDEF0123
	LINUX_REBOOT_CMD_CAD_ON     = 0x89ABCDEF
	LINUX_REBOOT_CMD_CAD_OFF    = 0x00000000
	LINUX_REBOOT_CMD_POWER_OFF  = 0x4321FEDC
	LINUX_REBOOT_CMD_RESTART2   = 0xA1B2C3D4
	LINUX_REBOOT_CMD_SW_SUSPEND = 0xD000FCE2
	LINUX_REBOOT_CMD_KEXEC      = 0x45584543

	// REBOOT_CMD_MAX: RESTART2's command string, NUL included (Linux's
	// buffer[256]).
	REBOOT_CMD_MAX = 256
)

// reboot_check is reboot(2)'s argument check, in Linux's order: the
// capability first, then the magic numbers; then what the command
// becomes: POWER_OFF on a machine that cannot power itself off halts
// (Linux: "Instead of trying to make the power_off code look like halt
// when pm_power_off is not set do it the easy way."). It returns the
// command, or an error.
func reboot_check(capable bool, magic1, magic2, cmd uint32, can_power_off bool) (uint32, int64) {
	if !capable {
		return 0, -uapi.EPERM
	}
	if magic1 != LINUX_REBOOT_MAGIC1 || (magic2 != LINUX_REBOOT_MAGIC2 && magic2 != LINUX_REBOOT_MAGIC2A &&
		magic2 != LINUX_REBOOT_MAGIC2B && magic2 != LINUX_REBOOT_MAGIC2C) {
		return 0, -uapi.EINVAL
	}
	if cmd == LINUX_REBOOT_CMD_POWER_OFF && !can_power_off {
		cmd = LINUX_REBOOT_CMD_HALT
	}
	switch cmd {
	case LINUX_REBOOT_CMD_RESTART, LINUX_REBOOT_CMD_HALT, LINUX_REBOOT_CMD_POWER_OFF, LINUX_REBOOT_CMD_RESTART2,
		LINUX_REBOOT_CMD_CAD_ON, LINUX_REBOOT_CMD_CAD_OFF:
		return cmd, 0
	}
	// KEXEC and SW_SUSPEND too: gokern has neither kexec nor
	// hibernation (Linux without CONFIG_KEXEC_CORE, CONFIG_HIBERNATION).
	return 0, -uapi.EINVAL
}

// reboot_cmd is RESTART2's command string, copied from the caller.
var reboot_cmd [REBOOT_CMD_MAX]byte

func sys_reboot(r *asm.PtRegs) int64 {
	cmd, err := reboot_check(sched.Capable(sched.CAP_SYS_BOOT), uint32(a1(r)), uint32(a2(r)), uint32(a3(r)),
		Kernel_can_power_off())
	if err != 0 {
		return err
	}
	switch cmd {
	case LINUX_REBOOT_CMD_RESTART:
		Kernel_restart(nil)
	case LINUX_REBOOT_CMD_RESTART2:
		n := asm.Strncpy_from_user(reboot_cmd[:REBOOT_CMD_MAX-1], uintptr(a4(r)))
		if n < 0 {
			return -uapi.EFAULT
		}
		Kernel_restart(reboot_cmd[:n])
	case LINUX_REBOOT_CMD_CAD_ON:
		C_A_D = true
	case LINUX_REBOOT_CMD_CAD_OFF:
		C_A_D = false
	case LINUX_REBOOT_CMD_HALT:
		Kernel_halt()
	case LINUX_REBOOT_CMD_POWER_OFF:
		Kernel_power_off()
	}
	return 0
}
