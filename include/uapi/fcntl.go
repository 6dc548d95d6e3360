package uapi

// open(2) flags (include/uapi/asm-generic/fcntl.h; octal, as Linux writes
// them).
const (
	O_ACCMODE   = 0o3
	O_RDONLY    = 0o0
	O_WRONLY    = 0o1
	O_RDWR      = 0o2
	O_CREAT     = 0o100
	O_EXCL      = 0o200
	O_NOCTTY    = 0o400
	O_TRUNC     = 0o1000
	O_APPEND    = 0o2000
	O_NONBLOCK  = 0o4000
	O_DSYNC     = 0o10000
	FASYNC      = 0o20000
	O_DIRECT    = 0o40000
	O_LARGEFILE = 0o100000
	O_DIRECTORY = 0o200000
	O_NOFOLLOW  = 0o400000
	O_NOATIME   = 0o1000000
	O_CLOEXEC   = 0o2000000
	O_SYNC      = 0o4000000 | O_DSYNC
	O_PATH      = 0o10000000
	O_TMPFILE   = 0o20000000 | O_DIRECTORY
)

// fcntl(2) commands and the descriptor flag.
const (
	F_DUPFD         = 0
	F_GETFD         = 1
	F_SETFD         = 2
	F_GETFL         = 3
	F_SETFL         = 4
	F_DUPFD_CLOEXEC = 1030 // F_LINUX_SPECIFIC_BASE + 6
	FD_CLOEXEC      = 1
)

// The *at(2) calls (include/uapi/linux/fcntl.h).
const (
	AT_FDCWD            = -100
	AT_SYMLINK_NOFOLLOW = 0x100
	AT_REMOVEDIR        = 0x200
	AT_SYMLINK_FOLLOW   = 0x400
	AT_NO_AUTOMOUNT     = 0x800
	AT_EMPTY_PATH       = 0x1000
	AT_EACCESS          = 0x200 // faccessat: check with the effective ids (the same while every task is root)
	AT_STATX_SYNC_TYPE  = 0x6000
)

// renameat2(2) flags (include/uapi/linux/fs.h).
const (
	RENAME_NOREPLACE = 1 << 0
	RENAME_EXCHANGE  = 1 << 1
	RENAME_WHITEOUT  = 1 << 2
)

// lseek(2) (include/uapi/linux/fs.h).
const (
	SEEK_SET  = 0
	SEEK_CUR  = 1
	SEEK_END  = 2
	SEEK_DATA = 3
	SEEK_HOLE = 4
)

// Limits (include/uapi/linux/limits.h).
const (
	NAME_MAX = 255  // bytes in a file name
	PATH_MAX = 4096 // bytes in a path, with its NUL
	PIPE_BUF = 4096 // writes up to this size are atomic on a pipe
	// NR_OPEN: gokern's nr_open, the ceiling of RLIMIT_NOFILE's hard
	// limit and of a descriptor table (Linux: sysctl fs.nr_open, 1048576;
	// gokern's tables are kmalloc'd whole, 32 KiB at this size).
	NR_OPEN = 4096
	// RLIMIT_NOFILE's defaults (include/uapi/linux/fs.h INR_OPEN_CUR,
	// INR_OPEN_MAX): init's soft and hard limits, which every process
	// inherits. The Go runtime raises its soft limit to the hard one at
	// start-up (os.init) and lowers it again for the programs it execs.
	INR_OPEN_CUR = 1024
	INR_OPEN_MAX = 4096
)

// mount(2) and umount2(2) flags (include/uapi/linux/mount.h).
const (
	MS_RDONLY       = 1
	MS_NOSUID       = 2
	MS_NODEV        = 4
	MS_NOEXEC       = 8
	MS_REMOUNT      = 32
	MS_NOATIME      = 1024
	MS_BIND         = 4096
	MS_REC          = 16384
	MS_SILENT       = 32768
	MS_RELATIME     = 1 << 21
	MS_MGC_VAL      = 0xc0ed0000 // an old magic in the high half: ignored
	MS_MGC_MSK      = 0xffff0000
	MNT_FORCE       = 1
	MNT_DETACH      = 2
	MNT_EXPIRE      = 4
	UMOUNT_NOFOLLOW = 8
)
