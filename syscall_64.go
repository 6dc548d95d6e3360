package main

import (
	"gokern/fs"
	"gokern/kernel/futex"
	"gokern/kernel/sched"
	"gokern/traps"
)

// The system calls of the layers traps cannot be imported by: the
// scheduler and the VFS sit below it (Linux builds sys_call_table from
// syscall_64.tbl at compile time; gokern's layers fill theirs at boot,
// kernel/exec's Register_syscalls for the process and memory calls).
var sys_call_table_below = [...]struct {
	nr uint64
	fn traps.Sys_call_ptr_t
}{
	{sched.X__NR_sched_yield, sched.Sys_sched_yield},
	{sched.X__NR_sched_setaffinity, sched.Sys_sched_setaffinity},
	{sched.X__NR_sched_getaffinity, sched.Sys_sched_getaffinity},
	{sched.X__NR_getrlimit, sched.Sys_getrlimit},
	{sched.X__NR_setrlimit, sched.Sys_setrlimit},
	{sched.X__NR_prlimit64, sched.Sys_prlimit64},
	{fs.X__NR_epoll_create, fs.Sys_epoll_create},
	{fs.X__NR_epoll_create1, fs.Sys_epoll_create1},
	{fs.X__NR_epoll_ctl, fs.Sys_epoll_ctl},
	{fs.X__NR_epoll_wait, fs.Sys_epoll_wait},
	{fs.X__NR_epoll_pwait, fs.Sys_epoll_pwait},
	{fs.X__NR_eventfd, fs.Sys_eventfd},
	{fs.X__NR_eventfd2, fs.Sys_eventfd2},
}

// syscalls_below_init puts them in the table, and futex's (Linux
// futex_init).
func syscalls_below_init() {
	for _, s := range sys_call_table_below {
		traps.Sys_call_table[s.nr] = s.fn
	}
	futex.Futex_init()
}
