package main

import (
	"gokern/fs"
	"gokern/kernel/futex"
	"gokern/kernel/sched"
	"gokern/net"
	"gokern/net/ipv4"
	"gokern/net/netlink"
	"gokern/net/unix"
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
	{fs.X__NR_timerfd_create, fs.Sys_timerfd_create},
	{fs.X__NR_timerfd_settime, fs.Sys_timerfd_settime},
	{fs.X__NR_timerfd_gettime, fs.Sys_timerfd_gettime},
	// The socket calls (net/socket.c's SYSCALL_DEFINEs).
	{net.X__NR_socket, net.Sys_socket},
	{net.X__NR_socketpair, net.Sys_socketpair},
	{net.X__NR_bind, net.Sys_bind},
	{net.X__NR_listen, net.Sys_listen},
	{net.X__NR_accept, net.Sys_accept},
	{net.X__NR_accept4, net.Sys_accept4},
	{net.X__NR_connect, net.Sys_connect},
	{net.X__NR_getsockname, net.Sys_getsockname},
	{net.X__NR_getpeername, net.Sys_getpeername},
	{net.X__NR_sendto, net.Sys_sendto},
	{net.X__NR_recvfrom, net.Sys_recvfrom},
	{net.X__NR_sendmsg, net.Sys_sendmsg},
	{net.X__NR_recvmsg, net.Sys_recvmsg},
	{net.X__NR_shutdown, net.Sys_shutdown},
	{net.X__NR_setsockopt, net.Sys_setsockopt},
	{net.X__NR_getsockopt, net.Sys_getsockopt},
}

// syscalls_below_init puts them in the table, and futex's (Linux
// futex_init).
func syscalls_below_init() {
	for _, s := range sys_call_table_below {
		traps.Sys_call_table[s.nr] = s.fn
	}
	futex.Futex_init()
}

// afUnixInit is AF_UNIX's initcall (Linux af_unix_init, an
// fs_initcall): the socket layer's caches and the family. It lives here,
// with the socket calls' rows, so kmain.go's lines stay where the docs
// cite them. Then lo (Linux loopback_net_init, a pernet init),
// AF_NETLINK with rtnetlink (netlink_proto_init, a core_initcall), and
// AF_INET's initcall (Linux inet_init, an
// fs_initcall too), which gives lo its address and registers its
// rtnetlink handlers: it needs the socket layer's caches af_unix_init
// makes.
func afUnixInit() {
	check_initcall("af_unix_init", unix.Af_unix_init())
	check_initcall("loopback_net_init", net.Loopback_net_init())
	check_initcall("netlink_proto_init", netlink.Netlink_proto_init())
	check_initcall("inet_init", ipv4.Inet_init())
}
