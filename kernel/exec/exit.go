package exec

import (
	"gokern/drivers/debugexit"
	"gokern/mm"
	"gokern/printk"
)

// Exit. Linux: kernel/exit.c (do_exit, do_group_exit, find_child_reaper's
// "Attempted to kill init!"). When pid 1 ends, Linux panics; gokern
// does too, and with QEMU's isa-debug-exit present it ends the run with
// init's verdict (issue 14 item 6): 0x10 (QEMU exits 33) when init
// called exit(0), 0x11 (QEMU exits 35) for any other status or a death by
// a signal, so a boot test sees a program's result.

// Init_exit_code is init's Linux exit code when it died (for the tests
// and gdb): status << 8, or the signal.
var Init_exit_code int

// Do_group_exit ends the current process with code (Linux do_group_exit
// → do_exit; exit_group, exit and a fatal signal all come here): its
// address space goes, and for init the kernel stops. Without a scheduler
// the only process is init, so Do_group_exit never returns.
func Do_group_exit(code int) {
	p := current_proc
	p.Exit_code = code
	if m := p.Mm; m != nil {
		// exit_mm: back to the kernel's tables, then free the old.
		p.Mm = nil
		mm.Activate_mm(&mm.Init_mm)
		mm.Exit_mmap(m)
	}
	current_proc = nil
	if p.Pid == 1 {
		Init_exit_code = code
		// Linux: panic("Attempted to kill init! exitcode=0x%08x\n", ...).
		printk.Console_verbose()
		printk.Pr_emerg("Kernel panic - not syncing: Attempted to kill init! exitcode=0x%08x\n", printk.Int(code))
		if code == 0 {
			debugexit.Exit(debugexit.DEBUG_EXIT_SUCCESS)
		}
		debugexit.Exit(debugexit.DEBUG_EXIT_FAILURE)
	}
	printk.Pr_emerg("do_exit: pid %d (%s) exited with %#x and there is no scheduler to run anything else: halting\n",
		printk.Int(p.Pid), printk.Str(p.Comm_str()), printk.Int(code))
	debugexit.Machine_halt()
}
