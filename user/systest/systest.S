/*
 * systest: the file system calls, from user mode, with good and bad
 * arguments (issue 14 items 3 and 5). No libc: a table of steps, each a
 * system call with its arguments and the result Linux gives, run in
 * order by a loop that stops at the first step whose result differs.
 * The same program runs on the host's Linux (argv[1] "host", in an empty
 * directory; steps marked GOKERN are skipped there: mount needs root, the
 * console's tty ioctls need a tty), so every expected value is Linux's
 * own, checked by internal/boottest's TestSystest on both kernels.
 *
 * A step is 10 quads: nr, six arguments, want, flags, name. An argument
 * SLOTk is replaced by the value saved in slot k (a descriptor from an
 * earlier open). The flags:
 *   mode EQ      the result must be want
 *   mode GE      the result must be >= 0 (a descriptor, a count the host's
 *                file system decides)
 *   mode MEMEQ   no system call: the a3 bytes at a1 must equal those at a2
 *                (the state behind a result: what read returned, what
 *                fstat filled in)
 *   mode LOAD    no system call: slot a2 = the int at a1 (pipe's fds)
 *   mode MEMNE   no system call: the a3 bytes at a1 and a2 differ
 *   mode GEDIFF  no system call: the timespec at a2 is at least a3
 *                nanoseconds after the one at a1
 *   SAVEk        keep the result in slot k
 *   GOKERN       skip on the host
 *   INT80        issue it with int $0x80 (i386 numbers and registers)
 * With argv[1] "bench" it prints instead the cost of a getpid round trip
 * through syscall and through int $0x80, and of clock_gettime, in TSC
 * cycles (the median-free mean of 10000 calls each: TCG's figures).
 * Built by internal/userprog as a static ET_EXEC only (the table holds
 * absolute addresses).
 */
	.set	NR_read, 0
	.set	NR_write, 1
	.set	NR_open, 2
	.set	NR_close, 3
	.set	NR_stat, 4
	.set	NR_fstat, 5
	.set	NR_lstat, 6
	.set	NR_poll, 7
	.set	NR_lseek, 8
	.set	NR_ioctl, 16
	.set	NR_pread64, 17
	.set	NR_pwrite64, 18
	.set	NR_readv, 19
	.set	NR_writev, 20
	.set	NR_access, 21
	.set	NR_pipe, 22
	.set	NR_select, 23
	.set	NR_dup, 32
	.set	NR_dup2, 33
	.set	NR_fcntl, 72
	.set	NR_fsync, 74
	.set	NR_truncate, 76
	.set	NR_ftruncate, 77
	.set	NR_getcwd, 79
	.set	NR_chdir, 80
	.set	NR_fchdir, 81
	.set	NR_rename, 82
	.set	NR_mkdir, 83
	.set	NR_rmdir, 84
	.set	NR_creat, 85
	.set	NR_link, 86
	.set	NR_unlink, 87
	.set	NR_symlink, 88
	.set	NR_readlink, 89
	.set	NR_umask, 95
	.set	NR_sync, 162
	.set	NR_mount, 165
	.set	NR_umount2, 166
	.set	NR_getdents64, 217
	.set	NR_exit_group, 231
	.set	NR_mkdirat, 258
	.set	NR_newfstatat, 262
	.set	NR_unlinkat, 263
	.set	NR_renameat, 264
	.set	NR_readlinkat, 267
	.set	NR_faccessat, 269
	.set	NR_pselect6, 270
	.set	NR_ppoll, 271
	.set	NR_dup3, 292
	.set	NR_pipe2, 293
	.set	NR_renameat2, 316
	.set	NR_statx, 332
	.set	NR_faccessat2, 439
	.set	NR_nanosleep, 35
	.set	NR_gettimeofday, 96
	.set	NR_sysinfo, 99
	.set	NR_prctl, 157
	.set	NR_set_tid_address, 218
	.set	NR_set_robust_list, 273
	.set	NR_get_robust_list, 274
	.set	NR_syslog, 103
	.set	NR_time, 201
	.set	NR_clock_gettime, 228
	.set	NR_clock_getres, 229
	.set	NR_clock_nanosleep, 230
	.set	NR_getrandom, 318
	.set	NR32_clock_gettime64, 403
	.set	NR32_getrandom, 355
	/* i386 */
	.set	NR32_lseek, 19
	.set	NR32_mkdir, 39
	.set	NR32_rmdir, 40
	.set	NR32_poll, 168
	.set	NR32_getcwd, 183
	.set	NR32_statx, 383

	.set	AT_FDCWD, -100
	.set	BAD, 0x10		/* an address no program maps */
	.set	SLOTBASE, 0x5107000000000000
	.set	EQ, 0
	.set	GE, 1
	.set	MEMEQ, 2
	.set	LOAD, 3
	.set	MEMNE, 4
	.set	GEDIFF, 5
	.set	GOKERN, 0x100
	.set	INT80, 0x200
	.set	SLOT0, SLOTBASE + 0
	.set	SAVE0, 1 << 16
	.set	SLOT1, SLOTBASE + 1
	.set	SAVE1, 2 << 16
	.set	SLOT2, SLOTBASE + 2
	.set	SAVE2, 3 << 16
	.set	SLOT3, SLOTBASE + 3
	.set	SAVE3, 4 << 16
	.set	SLOT4, SLOTBASE + 4
	.set	SAVE4, 5 << 16
	.set	SLOT5, SLOTBASE + 5
	.set	SAVE5, 6 << 16
	.set	SLOT6, SLOTBASE + 6
	.set	SAVE6, 7 << 16

/* S "name", nr, want, flags, args... */
	.macro	S name, nr, want, flags, a1=0, a2=0, a3=0, a4=0, a5=0, a6=0
	.pushsection .rodata.names, "a"
9:	.asciz	"\name"
	.popsection
	.quad	\nr, \a1, \a2, \a3, \a4, \a5, \a6, \want, \flags, 9b
	.endm
/* M "name", a, b, len: the bytes at a equal those at b */
	.macro	M name, a, b, len, flags=0
	S	"\name", 0, 0, MEMEQ|\flags, \a, \b, \len
	.endm

	.data
	.balign	8
steps:
	/* a directory to work in */
	S "mkdir st", NR_mkdir, 0, EQ, s_st, 0755
	S "mkdir st again", NR_mkdir, -17, EQ, s_st, 0755
	S "mkdir bad pointer", NR_mkdir, -14, EQ, BAD, 0755
	S "mkdir empty name", NR_mkdir, -2, EQ, s_empty, 0755
	S "chdir st", NR_chdir, 0, EQ, s_st
	S "chdir bad pointer", NR_chdir, -14, EQ, BAD
	S "getcwd", NR_getcwd, 4, GOKERN, buf, 4096
	M "getcwd is /st", buf, s_slashst, 4, GOKERN
	S "getcwd too small", NR_getcwd, -34, EQ, buf, 1
	S "getcwd bad buffer", NR_getcwd, -14, EQ, BAD, 4096
	S "umask 022", NR_umask, 0, GE, 022
	S "umask 077", NR_umask, 022, EQ, 077
	S "umask back", NR_umask, 077, EQ, 022
	/* a file: write, seek, pread, pwrite, readv, writev */
	S "open f O_CREAT", NR_open, 0, GE|SAVE0, s_f, 0102|01000, 0644
	S "write", NR_write, 11, EQ, SLOT0, s_hello, 11
	S "write bad buffer", NR_write, -14, EQ, SLOT0, BAD, 4
	S "write bad fd", NR_write, -9, EQ, 999, s_hello, 1
	S "lseek cur", NR_lseek, 11, EQ, SLOT0, 0, 1
	S "lseek negative", NR_lseek, -22, EQ, SLOT0, -1, 0
	S "lseek bad whence", NR_lseek, -22, EQ, SLOT0, 0, 7
	S "pread64", NR_pread64, 5, EQ, SLOT0, buf, 5, 6
	M "pread64 read world", buf, s_world, 5
	S "pread64 left the offset", NR_lseek, 11, EQ, SLOT0, 0, 1
	S "pwrite64", NR_pwrite64, 5, EQ, SLOT0, s_HELLO, 5, 0
	S "pread64 all", NR_pread64, 11, EQ, SLOT0, buf, 100, 0
	M "pread64 all read HELLO world", buf, s_HELLOworld, 11
	S "pread64 negative offset", NR_pread64, -22, EQ, SLOT0, buf, 5, -1
	S "pread64 bad buffer", NR_pread64, -14, EQ, SLOT0, BAD, 5, 0
	S "writev", NR_writev, 6, EQ, SLOT0, iov_w, 2
	S "lseek set 0", NR_lseek, 0, EQ, SLOT0, 0, 0
	S "readv", NR_readv, 17, EQ, SLOT0, iov_r, 2
	M "readv segment 1", buf, s_HELLOworld, 5
	M "readv segment 2", buf+100, s_worldabcdef, 12
	S "readv bad iovec array", NR_readv, -14, EQ, SLOT0, BAD, 2
	S "readv too many segments", NR_readv, -22, EQ, SLOT0, iov_r, 1025
	S "lseek set 0 again", NR_lseek, 0, EQ, SLOT0, 0, 0
	S "readv bad segment", NR_readv, -14, EQ, SLOT0, iov_bad, 1
	/* stat and friends */
	S "fstat", NR_fstat, 0, EQ, SLOT0, statbuf
	M "fstat st_size 17", statbuf+48, q17, 8
	M "fstat st_mode 0100644", statbuf+24, m_reg644, 4
	S "fstat bad buffer", NR_fstat, -14, EQ, SLOT0, BAD
	S "fstat bad fd", NR_fstat, -9, EQ, 999, statbuf
	S "stat", NR_stat, 0, EQ, s_f, statbuf
	M "stat st_size 17", statbuf+48, q17, 8
	S "stat missing", NR_stat, -2, EQ, s_none, statbuf
	S "stat bad name", NR_stat, -14, EQ, BAD, statbuf
	S "stat bad buffer", NR_stat, -14, EQ, s_f, BAD
	S "symlink", NR_symlink, 0, EQ, s_f, s_l
	S "symlink exists", NR_symlink, -17, EQ, s_f, s_l
	S "lstat", NR_lstat, 0, EQ, s_l, statbuf
	M "lstat st_mode 0120777", statbuf+24, m_lnk, 4
	M "lstat st_size 1", statbuf+48, q1, 8
	S "readlink", NR_readlink, 1, EQ, s_l, buf, 100
	M "readlink read f", buf, s_f, 1
	S "readlink not a link", NR_readlink, -22, EQ, s_f, buf, 100
	S "readlink size 0", NR_readlink, -22, EQ, s_l, buf, 0
	S "readlink bad buffer", NR_readlink, -14, EQ, s_l, BAD, 100
	S "readlinkat", NR_readlinkat, 1, EQ, AT_FDCWD, s_l, buf, 100
	S "newfstatat follows", NR_newfstatat, 0, EQ, AT_FDCWD, s_l, statbuf, 0
	M "newfstatat st_size 17", statbuf+48, q17, 8
	S "newfstatat nofollow", NR_newfstatat, 0, EQ, AT_FDCWD, s_l, statbuf, 0x100
	M "newfstatat nofollow st_size 1", statbuf+48, q1, 8
	S "newfstatat bad flags", NR_newfstatat, -22, EQ, AT_FDCWD, s_l, statbuf, 1
	S "newfstatat AT_EMPTY_PATH", NR_newfstatat, 0, EQ, SLOT0, s_empty, statbuf, 0x1000
	M "newfstatat AT_EMPTY_PATH st_size 17", statbuf+48, q17, 8
	S "statx", NR_statx, 0, EQ, AT_FDCWD, s_f, 0, 0x7ff, statxbuf
	M "statx stx_size 17", statxbuf+40, q17, 8
	M "statx stx_mode 0100644", statxbuf+28, m_reg644, 2
	S "statx bad buffer", NR_statx, -14, EQ, AT_FDCWD, s_f, 0, 0x7ff, BAD
	S "statx reserved mask", NR_statx, -22, EQ, AT_FDCWD, s_f, 0, 0x80000000, statxbuf
	/* links, access, rename, directories */
	S "link", NR_link, 0, EQ, s_f, s_h
	S "stat nlink", NR_stat, 0, EQ, s_f, statbuf
	M "stat st_nlink 2", statbuf+16, q2, 8
	S "link exists", NR_link, -17, EQ, s_f, s_h
	S "link bad name", NR_link, -14, EQ, s_f, BAD
	S "access R_OK|W_OK", NR_access, 0, EQ, s_f, 6
	S "access X_OK on 0644", NR_access, -13, EQ, s_f, 1
	S "access missing", NR_access, -2, EQ, s_none, 0
	S "access bad mode", NR_access, -22, EQ, s_f, 8
	S "faccessat", NR_faccessat, 0, EQ, AT_FDCWD, s_f, 4
	S "faccessat2 bad flags", NR_faccessat2, -22, EQ, AT_FDCWD, s_f, 4, 0x8000
	S "rename", NR_rename, 0, EQ, s_h, s_h2
	S "stat renamed away", NR_stat, -2, EQ, s_h, statbuf
	S "rename bad name", NR_rename, -14, EQ, BAD, s_h2
	S "mkdir d", NR_mkdir, 0, EQ, s_d, 0755
	S "mkdir d/e", NR_mkdir, 0, EQ, s_de, 0755
	S "rename d into itself", NR_rename, -22, EQ, s_d, s_dex
	S "rmdir not empty", NR_rmdir, -39, EQ, s_d
	S "unlink a directory", NR_unlink, -21, EQ, s_d
	S "rmdir a file", NR_rmdir, -20, EQ, s_f
	S "renameat2 NOREPLACE", NR_renameat2, -17, EQ, AT_FDCWD, s_h2, AT_FDCWD, s_f, 1
	S "renameat", NR_renameat, 0, EQ, AT_FDCWD, s_h2, AT_FDCWD, s_g
	S "mkdirat", NR_mkdirat, 0, EQ, AT_FDCWD, s_d2, 0700
	S "unlinkat bad flags", NR_unlinkat, -22, EQ, AT_FDCWD, s_d2, 1
	S "unlinkat AT_REMOVEDIR", NR_unlinkat, 0, EQ, AT_FDCWD, s_d2, 0x200
	/* getdents64 */
	S "open d", NR_open, 0, GE|SAVE1, s_d, 0200000
	S "getdents64", NR_getdents64, 72, EQ, SLOT1, buf, 4096
	S "getdents64 at the end", NR_getdents64, 0, EQ, SLOT1, buf, 4096
	S "lseek d 0", NR_lseek, 0, EQ, SLOT1, 0, 0
	S "getdents64 bad buffer", NR_getdents64, -14, EQ, SLOT1, BAD, 4096
	S "lseek d 0 again", NR_lseek, 0, EQ, SLOT1, 0, 0
	S "getdents64 buffer too small", NR_getdents64, -22, EQ, SLOT1, buf, 10
	S "getdents64 on a file", NR_getdents64, -20, EQ, SLOT0, buf, 4096
	S "fchdir d", NR_fchdir, 0, EQ, SLOT1
	S "stat e from d", NR_stat, 0, EQ, s_e, statbuf
	S "chdir ..", NR_chdir, 0, EQ, s_dotdot
	S "fchdir a file", NR_fchdir, -20, EQ, SLOT0
	S "chdir a file", NR_chdir, -20, EQ, s_f
	/* truncate */
	S "truncate", NR_truncate, 0, EQ, s_f, 5
	S "stat after truncate", NR_stat, 0, EQ, s_f, statbuf
	M "st_size 5", statbuf+48, q5, 8
	S "truncate negative", NR_truncate, -22, EQ, s_f, -1
	S "truncate bad name", NR_truncate, -14, EQ, BAD, 0
	S "ftruncate", NR_ftruncate, 0, EQ, SLOT0, 3
	S "fstat after ftruncate", NR_fstat, 0, EQ, SLOT0, statbuf
	M "st_size 3", statbuf+48, q3, 8
	S "ftruncate a directory", NR_ftruncate, -22, EQ, SLOT1, 0
	/* dup, dup2, dup3, fcntl */
	S "dup", NR_dup, 0, GE|SAVE2, SLOT0
	S "dup bad fd", NR_dup, -9, EQ, 999
	S "dup2 to 20", NR_dup2, 20, EQ, SLOT0, 20
	S "dup2 to itself", NR_dup2, 20, EQ, 20, 20
	S "dup2 bad fd", NR_dup2, -9, EQ, 999, 5
	S "dup3 to itself", NR_dup3, -22, EQ, 20, 20, 0
	S "dup3 bad flags", NR_dup3, -22, EQ, 20, 22, 4
	S "dup3 O_CLOEXEC", NR_dup3, 21, EQ, 20, 21, 02000000
	S "F_GETFD cloexec", NR_fcntl, 1, EQ, 21, 1
	S "F_GETFD dup2", NR_fcntl, 0, EQ, 20, 1
	S "F_SETFD", NR_fcntl, 0, EQ, 20, 2, 1
	S "F_GETFD set", NR_fcntl, 1, EQ, 20, 1
	S "F_DUPFD 30", NR_fcntl, 30, EQ, SLOT0, 0, 30
	S "F_DUPFD_CLOEXEC 30", NR_fcntl, 31, EQ, SLOT0, 1030, 30
	S "F_GETFD of it", NR_fcntl, 1, EQ, 31, 1
	S "F_GETFL", NR_fcntl, 0100002, EQ, SLOT0, 3
	S "F_SETFL O_APPEND", NR_fcntl, 0, EQ, SLOT0, 4, 02000
	S "F_GETFL O_APPEND", NR_fcntl, 0102002, EQ, 20, 3
	S "fcntl bad command", NR_fcntl, -22, EQ, SLOT0, 1000
	S "fcntl bad fd", NR_fcntl, -9, EQ, 999, 1
	S "close 20", NR_close, 0, EQ, 20
	S "close 20 again", NR_close, -9, EQ, 20
	S "close 21", NR_close, 0, EQ, 21
	S "close 30", NR_close, 0, EQ, 30
	S "close 31", NR_close, 0, EQ, 31
	S "close dup", NR_close, 0, EQ, SLOT2
	/* pipes, ioctl, poll, select */
	S "pipe2 O_CLOEXEC", NR_pipe2, 0, EQ, fds, 02000000
	S "LOAD", 0, 0, LOAD, fds, 3
	S "LOAD", 0, 0, LOAD, fds+4, 4
	S "F_GETFD pipe", NR_fcntl, 1, EQ, SLOT3, 1
	S "dup2 pipe read end to 10", NR_dup2, 10, EQ, SLOT3, 10
	S "dup2 pipe write end to 11", NR_dup2, 11, EQ, SLOT4, 11
	S "F_GETFD dup2 clears cloexec", NR_fcntl, 0, EQ, 10, 1
	S "pipe2 bad pointer", NR_pipe2, -14, EQ, BAD, 0
	S "pipe2 bad flags", NR_pipe2, -22, EQ, fds, 1
	S "pipe bad pointer", NR_pipe, -14, EQ, BAD
	S "lseek on a pipe", NR_lseek, -29, EQ, 10, 0, 0
	S "pread64 on a pipe", NR_pread64, -29, EQ, 10, buf, 1, 0
	S "fsync on a pipe", NR_fsync, -22, EQ, 10
	S "FIONREAD empty", NR_ioctl, 0, EQ, 10, 0x541b, intbuf
	M "FIONREAD 0", intbuf, q0, 4
	S "poll empty, no wait", NR_poll, 0, EQ, pfd_r, 1, 0
	S "poll empty, 100 ms", NR_poll, 0, EQ, pfd_r, 1, 100
	S "ppoll empty, 50 ms", NR_ppoll, 0, EQ, pfd_r, 1, ts_50ms, 0, 8
	M "ppoll wrote back no time left", ts_50ms, q0, 16
	S "ppoll bad sigsetsize", NR_ppoll, -22, EQ, pfd_r, 1, ts_0, sigset, 4
	S "ppoll with a mask", NR_ppoll, 0, EQ, pfd_r, 1, ts_0, sigset, 8
	S "ppoll bad mask pointer", NR_ppoll, -14, EQ, pfd_r, 1, ts_0, BAD, 8
	S "write the pipe", NR_write, 3, EQ, 11, s_abc, 3
	S "FIONREAD", NR_ioctl, 0, EQ, 10, 0x541b, intbuf
	M "FIONREAD 3", intbuf, q3, 4
	S "FIONREAD bad pointer", NR_ioctl, -14, EQ, 10, 0x541b, BAD
	S "poll ready", NR_poll, 1, EQ, pfd_r, 1, 0
	M "poll revents POLLIN", pfd_r+6, q1, 2
	S "poll bad pointer", NR_poll, -14, EQ, BAD, 1, 0
	S "poll too many", NR_poll, -22, EQ, pfd_r, 2000000, 0
	S "poll a closed fd", NR_poll, 1, EQ, pfd_bad, 1, 0
	M "poll revents POLLNVAL", pfd_bad+6, q20h, 2
	S "select", NR_select, 2, EQ, 12, rset, wset, 0, tv_0
	M "select readable: 10", rset, q400h, 8
	M "select writable: 11", wset, q800h, 8
	S "select a closed fd", NR_select, -9, EQ, 64, rset_bad, 0, 0, tv_0
	S "select bad set", NR_select, -14, EQ, 12, BAD, 0, 0, tv_0
	S "select negative n", NR_select, -22, EQ, -1, 0, 0, 0, tv_0
	S "pselect6", NR_pselect6, 1, EQ, 12, rset2, 0, 0, ts_0, 0
	M "pselect6 readable: 10", rset2, q400h, 8
	S "read the pipe", NR_read, 3, EQ, 10, buf, 10
	M "read abc", buf, s_abc, 3
	S "close the write end", NR_close, 0, EQ, 11
	S "close its original", NR_close, 0, EQ, SLOT4
	S "close the read end's original", NR_close, 0, EQ, SLOT3
	S "read at EOF", NR_read, 0, EQ, 10, buf, 10
	S "poll at EOF", NR_poll, 1, EQ, pfd_r, 1, 0
	M "poll revents POLLHUP", pfd_r+6, q10h, 2
	/* ioctl: files are not ttys; the console is */
	S "TCGETS on a file", NR_ioctl, -25, EQ, SLOT0, 0x5401, termios
	S "TCGETS bad fd", NR_ioctl, -9, EQ, 999, 0x5401, termios
	S "TCGETS console", NR_ioctl, 0, GOKERN, 1, 0x5401, termios
	S "TCGETS bad pointer", NR_ioctl, -14, GOKERN, 1, 0x5401, BAD
	S "TIOCGWINSZ console", NR_ioctl, 0, GOKERN, 1, 0x5413, winsz
	S "TCSETS console", NR_ioctl, 0, GOKERN, 1, 0x5402, termios
	S "TCSETS bad pointer", NR_ioctl, -14, GOKERN, 1, 0x5402, BAD
	/* sync */
	S "sync", NR_sync, 0, EQ
	S "fsync a file", NR_fsync, 0, EQ, SLOT0
	S "fsync a directory", NR_fsync, 0, EQ, SLOT1
	S "fsync bad fd", NR_fsync, -9, EQ, 999
	/* mount: proc and tmpfs (root only: not on the host) */
	S "mkdir p", NR_mkdir, 0, EQ, s_p, 0755
	S "mount proc", NR_mount, 0, GOKERN, s_proc, s_p, s_proc, 0, 0
	S "open p/uptime", NR_open, 0, GE|SAVE5|GOKERN, s_puptime, 0
	S "read p/uptime", NR_read, 0, GE|GOKERN, SLOT5, buf, 100
	S "close p/uptime", NR_close, 0, GOKERN, SLOT5
	S "readlink p/self", NR_readlink, 1, GOKERN, s_pself, buf, 100
	M "p/self is 1", buf, s_1, 1, GOKERN
	S "open p/self/stat", NR_open, 0, GE|SAVE5|GOKERN, s_pselfstat, 0
	S "read p/self/stat", NR_read, 0, GE|GOKERN, SLOT5, buf, 4096
	M "p/self/stat: 1 (", buf, s_stat1, s_stat1_len, GOKERN
	S "close p/self/stat", NR_close, 0, GOKERN, SLOT5
	S "open p/1/status", NR_open, 0, GE|SAVE5|GOKERN, s_p1status, 0
	S "read p/1/status", NR_read, 0, GE|GOKERN, SLOT5, buf, 4096
	M "p/1/status: Name", buf, s_status1, s_status1_len, GOKERN
	S "close p/1/status", NR_close, 0, GOKERN, SLOT5
	S "stat p/99999", NR_stat, -2, GOKERN, s_p99999, statbuf
	S "umount2 proc", NR_umount2, 0, GOKERN, s_p, 0
	S "umount2 not a mount", NR_umount2, -22, GOKERN, s_p, 0
	S "umount2 bad flags", NR_umount2, -22, GOKERN, s_p, 0x100
	S "mount unknown type", NR_mount, -19, GOKERN, s_proc, s_p, s_none, 0, 0
	S "mount bad type", NR_mount, -14, GOKERN, s_proc, s_p, BAD, 0, 0
	S "mount bad target", NR_mount, -14, GOKERN, s_proc, BAD, s_proc, 0, 0
	S "mount tmpfs", NR_mount, 0, GOKERN, s_tmpfs, s_p, s_tmpfs, 0, s_opts
	S "mkdir in tmpfs", NR_mkdir, 0, GOKERN, s_px, 0755
	S "umount2 tmpfs", NR_umount2, 0, GOKERN, s_p, 0
	S "tmpfs gone with its files", NR_stat, -2, GOKERN, s_px, statbuf
	/* i386: int $0x80 with the same functions */
	S "i386 mkdir", NR32_mkdir, 0, EQ|INT80, s_i, 0755
	S "i386 mkdir again", NR32_mkdir, -17, EQ|INT80, s_i, 0755
	S "i386 getcwd too small", NR32_getcwd, -34, EQ|INT80, buf, 1
	S "i386 statx", NR32_statx, 0, EQ|INT80, AT_FDCWD, s_f, 0, 0x7ff, statxbuf
	M "i386 statx stx_size 3", statxbuf+40, q3, 8
	S "lseek to the end, 3", NR_lseek, 3, EQ, SLOT0, 0, 2
	S "i386 lseek -1 from 3", NR32_lseek, 2, EQ|INT80, SLOT0, 0xffffffff, 1
	S "i386 poll", NR32_poll, 1, EQ|INT80, pfd_r, 1, 0
	S "i386 rmdir", NR32_rmdir, 0, EQ|INT80, s_i
	/* time */
	S "clock_gettime MONOTONIC", NR_clock_gettime, 0, EQ, 1, t1
	S "nanosleep 50 ms", NR_nanosleep, 0, EQ, ts_50ms_c, 0
	S "clock_gettime MONOTONIC after", NR_clock_gettime, 0, EQ, 1, t2
	S "nanosleep slept 50 ms", 0, 0, GEDIFF, t1, t2, 50000000
	S "clock_nanosleep MONOTONIC 50 ms", NR_clock_nanosleep, 0, EQ, 1, 0, ts_50ms_c, 0
	S "clock_gettime MONOTONIC after that", NR_clock_gettime, 0, EQ, 1, t1
	S "clock_nanosleep slept 50 ms", 0, 0, GEDIFF, t2, t1, 50000000
	S "clock_nanosleep ABSTIME in the past", NR_clock_nanosleep, 0, EQ, 1, 1, ts_0, 0
	S "clock_nanosleep REALTIME", NR_clock_nanosleep, 0, EQ, 0, 0, ts_1ms, 0
	S "clock_nanosleep thread CPU time", NR_clock_nanosleep, -95, EQ, 3, 0, ts_1ms, 0
	S "clock_nanosleep unknown clock", NR_clock_nanosleep, -22, EQ, 99, 0, ts_1ms, 0
	S "clock_nanosleep bad pointer", NR_clock_nanosleep, -14, EQ, 1, 0, BAD, 0
	S "nanosleep nsec too big", NR_nanosleep, -22, EQ, ts_bignsec, 0
	S "nanosleep negative", NR_nanosleep, -22, EQ, ts_neg, 0
	S "nanosleep bad pointer", NR_nanosleep, -14, EQ, BAD, 0
	S "clock_gettime REALTIME", NR_clock_gettime, 0, EQ, 0, t1
	S "gettimeofday", NR_gettimeofday, 0, EQ, tv_now, 0
	S "clock_gettime BOOTTIME", NR_clock_gettime, 0, EQ, 7, t2
	S "clock_gettime COARSE", NR_clock_gettime, 0, EQ, 6, t2
	S "clock_gettime unknown clock", NR_clock_gettime, -22, EQ, 99, t2
	S "clock_gettime bad pointer", NR_clock_gettime, -14, EQ, 0, BAD
	S "clock_getres MONOTONIC", NR_clock_getres, 0, EQ, 1, t2
	S "clock_getres MONOTONIC_COARSE", NR_clock_getres, 0, EQ, 6, t2
	M "clock_getres COARSE is a tick (HZ=250)", t2, ts_4ms, 16, GOKERN
	S "clock_getres NULL", NR_clock_getres, 0, EQ, 1, 0
	S "clock_getres unknown clock", NR_clock_getres, -22, EQ, 99, t2
	S "clock_getres bad pointer", NR_clock_getres, -14, EQ, 1, BAD
	S "gettimeofday NULL", NR_gettimeofday, 0, EQ, 0, 0
	S "gettimeofday bad pointer", NR_gettimeofday, -14, EQ, BAD, 0
	S "gettimeofday bad timezone", NR_gettimeofday, -14, EQ, tv_now, BAD
	S "time", NR_time, 0, GE, 0
	S "time bad pointer", NR_time, -14, EQ, BAD
	/* getrandom */
	S "getrandom 64", NR_getrandom, 64, EQ, rnd1, 64, 0
	S "getrandom 64 again", NR_getrandom, 64, EQ, rnd2, 64, 0
	S "two draws differ", 0, 0, MEMNE, rnd1, rnd2, 64
	S "a draw is not zeros", 0, 0, MEMNE, rnd1, zeros, 16
	S "getrandom NONBLOCK|RANDOM", NR_getrandom, 16, EQ, rnd1, 16, 3
	S "getrandom INSECURE", NR_getrandom, 16, EQ, rnd1, 16, 4
	S "getrandom INSECURE|RANDOM", NR_getrandom, -22, EQ, rnd1, 16, 6
	S "getrandom bad flags", NR_getrandom, -22, EQ, rnd1, 16, 8
	S "getrandom bad buffer", NR_getrandom, -14, EQ, BAD, 16, 0
	S "getrandom 0 bytes", NR_getrandom, 0, EQ, rnd1, 0, 0
	S "i386 getrandom", NR32_getrandom, 8, EQ|INT80, rnd1, 8, 0
	/* sysinfo */
	S "sysinfo", NR_sysinfo, 0, EQ, sinfo
	M "sysinfo mem_unit 1", sinfo+104, q1, 4
	S "sysinfo totalram > freeram", 0, 0, MEMNE, sinfo+32, sinfo+40, 8
	S "sysinfo bad pointer", NR_sysinfo, -14, EQ, BAD
	/* syslog */
	S "syslog SIZE_BUFFER", NR_syslog, 65536, GOKERN, 10, 0, 0
	S "syslog READ_ALL: whole lines", NR_syslog, 0, GE|GOKERN, 3, buf, 200
	M "syslog's text begins a line", buf, s_lt, 1, GOKERN
	S "syslog READ_ALL bad buffer", NR_syslog, -14, GOKERN, 3, BAD, 4096
	S "syslog READ_ALL negative", NR_syslog, -22, GOKERN, 3, buf, -1
	S "syslog CONSOLE_LEVEL 0", NR_syslog, -22, GOKERN, 8, 0, 0
	S "syslog unknown action", NR_syslog, -22, GOKERN, 99, 0, 0
	/* what glibc's start-up asks: the comm, the CLEARTID word, the
	   robust futex list (an empty one: its head links to itself) */
	S "prctl PR_SET_NAME", NR_prctl, 0, EQ, 15, s_pname
	S "prctl PR_GET_NAME", NR_prctl, 0, EQ, 16, buf
	M "PR_GET_NAME: the name cut to 15 bytes and a NUL", buf, s_pname15, 16
	S "prctl PR_SET_NAME bad pointer", NR_prctl, -14, EQ, 15, BAD
	S "prctl PR_GET_NAME bad pointer", NR_prctl, -14, EQ, 16, BAD
	S "prctl unknown option", NR_prctl, -22, EQ, 9999
	S "set_tid_address: the tid", NR_set_tid_address, 0, GE, tidword
	S "set_robust_list", NR_set_robust_list, 0, EQ, rhead, 24
	S "set_robust_list wrong size", NR_set_robust_list, -22, EQ, rhead, 23
	S "get_robust_list", NR_get_robust_list, 0, EQ, 0, rget, rget+8
	M "get_robust_list: the head", rget, q_rhead, 8
	M "get_robust_list: its size", rget+8, q24, 8
	S "get_robust_list no such pid", NR_get_robust_list, -3, EQ, 0x3ffffff0, rget, rget+8
	S "get_robust_list bad pointer", NR_get_robust_list, -14, EQ, 0, BAD, rget+8
	/* clean up */
	S "creat", NR_creat, 0, GE|SAVE6, s_c, 0600
	S "close creat", NR_close, 0, EQ, SLOT6
	S "unlink c", NR_unlink, 0, EQ, s_c
	S "unlink f", NR_unlink, 0, EQ, s_f
	S "unlink f again", NR_unlink, -2, EQ, s_f
	S "unlink bad name", NR_unlink, -14, EQ, BAD
	S "fstat an unlinked open file", NR_fstat, 0, EQ, SLOT0, statbuf
	M "its st_nlink 1 (g is its other name)", statbuf+16, q1, 8
	S "close f", NR_close, 0, EQ, SLOT0
	S "close f again", NR_close, -9, EQ, SLOT0
steps_end:

	.section .rodata
s_st:	.asciz	"st"
s_slashst: .asciz "/st"
s_empty: .asciz	""
s_f:	.asciz	"f"
s_l:	.asciz	"l"
s_h:	.asciz	"h"
s_h2:	.asciz	"h2"
s_g:	.asciz	"g"
s_c:	.asciz	"c"
s_i:	.asciz	"i"
s_d:	.asciz	"d"
s_d2:	.asciz	"d2"
s_de:	.asciz	"d/e"
s_dex:	.asciz	"d/e/x"
s_e:	.asciz	"e"
s_dotdot: .asciz ".."
s_p:	.asciz	"p"
s_px:	.asciz	"p/x"
s_puptime: .asciz "p/uptime"
s_pself: .asciz	"p/self"
s_pselfstat: .asciz "p/self/stat"
s_p1status: .asciz "p/1/status"
s_p99999: .asciz "p/99999"
s_1:	.ascii	"1"
s_stat1: .ascii	"1 ("
	.set	s_stat1_len, . - s_stat1
s_status1: .ascii "Name:\t"
	.set	s_status1_len, . - s_status1
s_proc:	.asciz	"proc"
s_tmpfs: .asciz	"tmpfs"
s_opts:	.asciz	"size=1m"
s_none:	.asciz	"none"
s_hello: .ascii	"hello world"
s_world: .ascii	"world"
s_HELLO: .ascii	"HELLO"
s_HELLOworld: .ascii "HELLO world"
s_worldabcdef: .ascii " worldabcdef"
s_ab:	.ascii	"ab"
s_cdef:	.ascii	"cdef"
s_abc:	.ascii	"abc"
s_lt:	.ascii	"<"
zeros:	.quad	0, 0
	.balign	8
q0:	.quad	0, 0
q1:	.quad	1
q24:	.quad	24
q_rhead: .quad	rhead
s_pname: .asciz	"systest-name-longer-than-comm"
s_pname15: .ascii "systest-name-lo"
	.byte	0
q2:	.quad	2
q3:	.quad	3
q5:	.quad	5
q17:	.quad	17
q10h:	.quad	0x10
q20h:	.quad	0x20
q400h:	.quad	0x400
q800h:	.quad	0x800
m_reg644: .long	0100644
m_lnk:	.long	0120777
iov_w:	.quad	s_ab, 2, s_cdef, 4
iov_r:	.quad	buf, 5, buf+100, 100
iov_bad: .quad	BAD, 4

	.data
	.balign	8
pfd_r:	.long	10
	.short	1, 0
pfd_bad: .long	999
	.short	1, 0
rset:	.quad	0xc00
wset:	.quad	0x800
rset2:	.quad	0x400
rset_bad: .quad	0x4000000000000	/* fd 50, not open */
tv_0:	.quad	0, 0
ts_0:	.quad	0, 0
ts_50ms: .quad	0, 50000000
ts_50ms_c: .quad 0, 50000000
ts_1ms:	.quad	0, 1000000
ts_1ns:	.quad	0, 1
ts_4ms:	.quad	0, 4000000
ts_bignsec: .quad 0, 1000000000
ts_neg:	.quad	-1, 0
sigset:	.quad	0
rhead:	.quad	rhead, 0, 0	/* struct robust_list_head: empty */

	.bss
	.balign	64
buf:	.space	4096
statbuf: .space	256
statxbuf: .space 256
termios: .space	64
winsz:	.space	16
intbuf:	.space	8
t1:	.space	16
t2:	.space	16
tv_now:	.space	16
rnd1:	.space	64
rnd2:	.space	64
sinfo:	.space	112
tidword: .space	8
rget:	.space	16
fds:	.space	8
slots:	.space	8*16
host:	.space	8

	.text
	.globl	_start
_start:
	mov	(%rsp), %rax		/* argc */
	cmp	$2, %rax
	jb	1f
	mov	16(%rsp), %rax		/* argv[1] */
	cmpb	$'b', (%rax)
	je	bench
	cmpb	$'h', (%rax)
	jne	1f
	movq	$1, host(%rip)
1:	lea	steps(%rip), %rbx
	xor	%r12d, %r12d		/* steps run */
next:
	lea	steps_end(%rip), %rax
	cmp	%rax, %rbx
	jae	done
	mov	64(%rbx), %r14		/* flags */
	test	$GOKERN, %r14
	jz	1f
	cmpq	$0, host(%rip)
	jne	skip
1:	mov	%r14, %rax
	and	$0xff, %eax
	cmp	$MEMEQ, %eax
	je	memeq
	cmp	$LOAD, %eax
	je	load
	cmp	$MEMNE, %eax
	je	memne
	cmp	$GEDIFF, %eax
	je	gediff
	/* the arguments, slots substituted */
	mov	8(%rbx), %rax
	call	subst
	mov	%rax, %rdi
	mov	16(%rbx), %rax
	call	subst
	mov	%rax, %rsi
	mov	24(%rbx), %rax
	call	subst
	mov	%rax, %rdx
	mov	32(%rbx), %rax
	call	subst
	mov	%rax, %r10
	mov	40(%rbx), %rax
	call	subst
	mov	%rax, %r8
	mov	48(%rbx), %rax
	call	subst
	mov	%rax, %r9
	mov	(%rbx), %rax
	test	$INT80, %r14
	jnz	int80
	syscall
	jmp	result
int80:
	/* i386: EBX ECX EDX ESI EDI EBP; the result in EAX, sign-extended */
	push	%rbx
	push	%rbp
	mov	%r9, %rbp
	mov	%rdi, %rbx
	mov	%rsi, %rcx
	mov	%r10, %rsi
	mov	%r8, %rdi
	int	$0x80
	pop	%rbp
	pop	%rbx
	movslq	%eax, %rax
result:
	mov	%rax, %r15
	/* save */
	mov	%r14, %rcx
	shr	$16, %rcx
	and	$0xff, %ecx
	jz	1f
	lea	slots(%rip), %rdx
	mov	%rax, -8(%rdx,%rcx,8)
1:	mov	%r14, %rax
	and	$0xff, %eax
	cmp	$GE, %eax
	je	ge
	cmp	56(%rbx), %r15
	jne	bad
	jmp	ok
ge:	test	%r15, %r15
	js	bad
ok:	inc	%r12
skip:	add	$80, %rbx
	jmp	next

memeq:
	mov	8(%rbx), %rsi
	mov	16(%rbx), %rdi
	mov	24(%rbx), %rcx
	repe cmpsb
	jne	badmem
	jmp	ok
memne:
	mov	8(%rbx), %rsi
	mov	16(%rbx), %rdi
	mov	24(%rbx), %rcx
	repe cmpsb
	je	badmem
	jmp	ok
gediff:
	/* (sec2 - sec1) * 1e9 + nsec2 - nsec1 >= a3 */
	mov	8(%rbx), %rsi
	mov	16(%rbx), %rdi
	mov	(%rdi), %rax
	sub	(%rsi), %rax
	imul	$1000000000, %rax
	add	8(%rdi), %rax
	sub	8(%rsi), %rax
	mov	%rax, %r15
	cmp	24(%rbx), %rax
	jl	badgediff
	jmp	ok
badgediff:
	mov	24(%rbx), %rax
	mov	%rax, 56(%rbx)		/* report a3 as the wanted value */
	jmp	bad
load:
	mov	8(%rbx), %rsi
	movslq	(%rsi), %rax
	mov	16(%rbx), %rcx
	lea	slots(%rip), %rdx
	mov	%rax, (%rdx,%rcx,8)
	jmp	ok

/* subst: %rax = slots[%rax - SLOTBASE] when %rax is SLOT(0..15) */
subst:
	mov	%rax, %rcx
	movabs	$SLOTBASE, %r11
	sub	%r11, %rcx
	cmp	$16, %rcx
	jae	1f
	lea	slots(%rip), %r11
	mov	(%r11,%rcx,8), %rax
1:	ret

done:
	lea	m_pass(%rip), %rsi
	mov	$m_pass_len, %edx
	call	write1
	mov	%r12, %rax
	call	writesdec
	lea	m_steps(%rip), %rsi
	mov	$m_steps_len, %edx
	call	write1
	mov	$NR_exit_group, %eax
	xor	%edi, %edi
	syscall
	hlt

/* bench: 10000 calls of each, the TSC cycles per call */
	.set	BENCH_N, 10000
bench:
	lea	b_getpid(%rip), %rsi
	mov	$b_getpid_len, %edx
	call	write1
	rdtsc
	shl	$32, %rdx
	or	%rax, %rdx
	mov	%rdx, %r13
	mov	$BENCH_N, %r12d
1:	mov	$39, %eax
	syscall
	dec	%r12d
	jnz	1b
	call	per_call
	lea	b_int80(%rip), %rsi
	mov	$b_int80_len, %edx
	call	write1
	rdtsc
	shl	$32, %rdx
	or	%rax, %rdx
	mov	%rdx, %r13
	mov	$BENCH_N, %r12d
1:	mov	$20, %eax
	int	$0x80
	dec	%r12d
	jnz	1b
	call	per_call
	lea	b_clock(%rip), %rsi
	mov	$b_clock_len, %edx
	call	write1
	rdtsc
	shl	$32, %rdx
	or	%rax, %rdx
	mov	%rdx, %r13
	mov	$BENCH_N, %r12d
1:	mov	$NR_clock_gettime, %eax
	mov	$1, %edi
	lea	t1(%rip), %rsi
	syscall
	dec	%r12d
	jnz	1b
	call	per_call
	lea	m_nl(%rip), %rsi
	mov	$1, %edx
	call	write1
	mov	$NR_exit_group, %eax
	xor	%edi, %edi
	syscall
	hlt

/* per_call: print (TSC now - %r13) / BENCH_N */
per_call:
	rdtsc
	shl	$32, %rdx
	or	%rdx, %rax
	sub	%r13, %rax
	xor	%edx, %edx
	mov	$BENCH_N, %ecx
	div	%rcx
	call	writesdec
	ret

bad:
	call	failname
	lea	m_got(%rip), %rsi
	mov	$m_got_len, %edx
	call	write1
	mov	%r15, %rax
	call	writesdec
	lea	m_want(%rip), %rsi
	mov	$m_want_len, %edx
	call	write1
	mov	56(%rbx), %rax
	call	writesdec
	jmp	fail
badmem:
	call	failname
	lea	m_mem(%rip), %rsi
	mov	$m_mem_len, %edx
	call	write1
	mov	8(%rbx), %rsi		/* what a1 held */
	mov	24(%rbx), %rdx
	call	write1
	lea	m_quote(%rip), %rsi
	mov	$1, %edx
	call	write1
fail:
	lea	m_nl(%rip), %rsi
	mov	$1, %edx
	call	write1
	mov	$NR_exit_group, %eax
	mov	$1, %edi
	syscall
	hlt

/* failname: "systest: FAIL <name>" */
failname:
	lea	m_fail(%rip), %rsi
	mov	$m_fail_len, %edx
	call	write1
	mov	72(%rbx), %rsi
	xor	%edx, %edx
1:	cmpb	$0, (%rsi,%rdx)
	je	2f
	inc	%rdx
	jmp	1b
2:	call	write1
	ret

	.section .rodata
m_pass:	.ascii	"systest: "
	.set	m_pass_len, . - m_pass
m_steps: .ascii	" steps passed\n"
	.set	m_steps_len, . - m_steps
m_fail:	.ascii	"systest: FAIL "
	.set	m_fail_len, . - m_fail
m_got:	.ascii	": got "
	.set	m_got_len, . - m_got
m_want:	.ascii	", want "
	.set	m_want_len, . - m_want
m_mem:	.ascii	": the memory differs: \""
	.set	m_mem_len, . - m_mem
m_nl:	.ascii	"\n"
m_quote: .ascii	"\""
b_getpid: .ascii "systest: TSC cycles per call: getpid via syscall "
	.set	b_getpid_len, . - b_getpid
b_int80: .ascii	", via int $0x80 "
	.set	b_int80_len, . - b_int80
b_clock: .ascii	", clock_gettime "
	.set	b_clock_len, . - b_clock
