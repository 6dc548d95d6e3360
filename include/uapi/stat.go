package uapi

// File types and permission bits (include/uapi/linux/stat.h).
const (
	S_IFMT    = 0o170000
	S_IFSOCK  = 0o140000
	S_IFLNK   = 0o120000
	S_IFREG   = 0o100000
	S_IFBLK   = 0o060000
	S_IFDIR   = 0o040000
	S_IFCHR   = 0o020000
	S_IFIFO   = 0o010000
	S_ISUID   = 0o4000
	S_ISGID   = 0o2000
	S_ISVTX   = 0o1000
	S_IXGRP   = 0o0010
	S_IRWXUGO = 0o777
	S_IALLUGO = 0o7777
)

func S_ISDIR(m uint32) bool  { return m&S_IFMT == S_IFDIR }
func S_ISREG(m uint32) bool  { return m&S_IFMT == S_IFREG }
func S_ISLNK(m uint32) bool  { return m&S_IFMT == S_IFLNK }
func S_ISCHR(m uint32) bool  { return m&S_IFMT == S_IFCHR }
func S_ISBLK(m uint32) bool  { return m&S_IFMT == S_IFBLK }
func S_ISFIFO(m uint32) bool { return m&S_IFMT == S_IFIFO }
func S_ISSOCK(m uint32) bool { return m&S_IFMT == S_IFSOCK }

// Stat is x86-64's struct stat, 144 bytes (arch/x86/include/uapi/asm/
// stat.h): what stat, fstat, lstat and newfstatat write.
type Stat struct {
	St_dev        uint64
	St_ino        uint64
	St_nlink      uint64
	St_mode       uint32
	St_uid        uint32
	St_gid        uint32
	X__pad0       uint32
	St_rdev       uint64
	St_size       int64
	St_blksize    int64
	St_blocks     int64 // 512-byte units
	St_atime      uint64
	St_atime_nsec uint64
	St_mtime      uint64
	St_mtime_nsec uint64
	St_ctime      uint64
	St_ctime_nsec uint64
	X__unused     [3]int64
}

// StatxTimestamp is struct statx_timestamp (include/uapi/linux/stat.h).
type StatxTimestamp struct {
	Tv_sec      int64
	Tv_nsec     uint32
	X__reserved int32
}

// Statx is struct statx, 256 bytes.
type Statx struct {
	Stx_mask             uint32
	Stx_blksize          uint32
	Stx_attributes       uint64
	Stx_nlink            uint32
	Stx_uid              uint32
	Stx_gid              uint32
	Stx_mode             uint16
	X__spare0            uint16
	Stx_ino              uint64
	Stx_size             uint64
	Stx_blocks           uint64
	Stx_attributes_mask  uint64
	Stx_atime            StatxTimestamp
	Stx_btime            StatxTimestamp
	Stx_ctime            StatxTimestamp
	Stx_mtime            StatxTimestamp
	Stx_rdev_major       uint32
	Stx_rdev_minor       uint32
	Stx_dev_major        uint32
	Stx_dev_minor        uint32
	Stx_mnt_id           uint64
	Stx_dio_mem_align    uint32
	Stx_dio_offset_align uint32
	X__spare3            [12]uint64
}

// statx(2) mask bits.
const (
	STATX_TYPE        = 0x1
	STATX_MODE        = 0x2
	STATX_NLINK       = 0x4
	STATX_UID         = 0x8
	STATX_GID         = 0x10
	STATX_ATIME       = 0x20
	STATX_MTIME       = 0x40
	STATX_CTIME       = 0x80
	STATX_INO         = 0x100
	STATX_SIZE        = 0x200
	STATX_BLOCKS      = 0x400
	STATX_BASIC_STATS = 0x7ff
	STATX_BTIME       = 0x800
	STATX_MNT_ID      = 0x1000
	STATX__RESERVED   = 0x80000000
)

// Linux_dirent64 is the fixed head of one getdents64 record (include/
// linux/dirent.h); the name follows, NUL-terminated, and the record is
// padded to 8 bytes.
type Linux_dirent64 struct {
	D_ino    uint64
	D_off    int64
	D_reclen uint16
	D_type   uint8
	// d_name[] follows at offset 19.
}

// Linux_dirent64_name is the offset of d_name.
const Linux_dirent64_name = 19

// d_type values (include/linux/fs_types.h): the file type bits of the
// mode, shifted down by 12.
const (
	DT_UNKNOWN = 0
	DT_FIFO    = 1
	DT_CHR     = 2
	DT_DIR     = 4
	DT_BLK     = 6
	DT_REG     = 8
	DT_LNK     = 10
	DT_SOCK    = 12
)

// Dev_t is the kernel's dev_t: 12 bits of major, 20 of minor (include/
// linux/kdev_t.h MKDEV). The user-space encoding, in st_dev and st_rdev,
// is new_encode_dev's.
type Dev_t uint32

const MINORBITS = 20

func MKDEV(major, minor uint32) Dev_t { return Dev_t(major<<MINORBITS | minor) }
func MAJOR(d Dev_t) uint32            { return uint32(d) >> MINORBITS }
func MINOR(d Dev_t) uint32            { return uint32(d) & (1<<MINORBITS - 1) }

// New_decode_dev is the kernel's dev_t for the user-space encoding
// mknod passes (Linux new_decode_dev).
func New_decode_dev(dev uint32) Dev_t {
	return MKDEV(dev&0xfff00>>8, dev&0xff|dev>>12&0xfff00)
}

// New_encode_dev is dev_t as user space sees it (Linux new_encode_dev):
// minor's low byte, major, then minor's high bits.
func New_encode_dev(d Dev_t) uint64 {
	major, minor := uint64(MAJOR(d)), uint64(MINOR(d))
	return minor&0xff | major<<8 | (minor&^0xff)<<12
}
