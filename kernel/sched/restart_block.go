package sched

// Restart_block is struct restart_block (include/linux/restart_block.h):
// how to go on with a system call a signal interrupted when no handler
// runs — a stop and SIGCONT, an ignored signal. The call returns
// -ERESTART_RESTARTBLOCK after filling it; the signal code then makes
// the task re-enter the kernel through restart_syscall (219; i386 0),
// which calls Fn. Unlike a plain restart (-ERESTARTSYS), which repeats
// the call with its original arguments, this one carries state: a
// relative sleep goes on until its original deadline rather than for
// its whole length again. gokern's only user is the nanosleep family.
type Restart_block struct {
	// Fn continues the call (Linux restart_block.fn); nil is
	// do_no_restart_syscall, -EINTR.
	Fn func(r *Restart_block) int64
	// The nanosleep's: its clock, its deadline in nanoseconds on that
	// clock, and where the time left goes (0: nowhere).
	Clockid int
	Expires uint64
	Rmtp    uintptr
}
