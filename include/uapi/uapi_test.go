package uapi

import (
	"os"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// sameLayout checks that every field of ours sits at the offset and has
// the size of the host's field of the same position.
func sameLayout(t *testing.T, ours, host any, names ...[2]string) {
	t.Helper()
	o, h := reflect.TypeOf(ours), reflect.TypeOf(host)
	for _, n := range names {
		of, ok1 := o.FieldByName(n[0])
		hf, ok2 := fieldByPath(h, n[1])
		if !ok1 || !ok2 {
			t.Fatalf("no field %s/%s", n[0], n[1])
		}
		if of.Offset != hf.Offset || of.Type.Size() != hf.Type.Size() {
			t.Errorf("%s.%s at %d size %d, host %s.%s at %d size %d", o.Name(), n[0], of.Offset, of.Type.Size(),
				h.Name(), n[1], hf.Offset, hf.Type.Size())
		}
	}
}

// fieldByPath finds a field by a dotted path, its offset from the outer
// struct.
func fieldByPath(t reflect.Type, path string) (reflect.StructField, bool) {
	var off uintptr
	var f reflect.StructField
	for _, name := range strings.Split(path, ".") {
		var ok bool
		if f, ok = t.FieldByName(name); !ok {
			return f, false
		}
		off += f.Offset
		t = f.Type
	}
	f.Offset = off
	return f, true
}

// TestStatLayout: struct stat is the host's syscall.Stat_t, and a real
// fstat of the host's, read through our type, gives the same values.
func TestStatLayout(t *testing.T) {
	if unsafe.Sizeof(Stat{}) != 144 || unsafe.Sizeof(Stat{}) != unsafe.Sizeof(syscall.Stat_t{}) {
		t.Fatalf("sizeof(struct stat) = %d, host %d", unsafe.Sizeof(Stat{}), unsafe.Sizeof(syscall.Stat_t{}))
	}
	sameLayout(t, Stat{}, syscall.Stat_t{},
		[2]string{"St_dev", "Dev"}, [2]string{"St_ino", "Ino"}, [2]string{"St_nlink", "Nlink"},
		[2]string{"St_mode", "Mode"}, [2]string{"St_uid", "Uid"}, [2]string{"St_gid", "Gid"},
		[2]string{"St_rdev", "Rdev"}, [2]string{"St_size", "Size"}, [2]string{"St_blksize", "Blksize"},
		[2]string{"St_blocks", "Blocks"}, [2]string{"St_atime", "Atim.Sec"}, [2]string{"St_atime_nsec", "Atim.Nsec"},
		[2]string{"St_mtime", "Mtim.Sec"}, [2]string{"St_mtime_nsec", "Mtim.Nsec"},
		[2]string{"St_ctime", "Ctim.Sec"}, [2]string{"St_ctime_nsec", "Ctim.Nsec"})
	// The host kernel fills our struct directly.
	f, err := os.Open("/dev/null")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var st Stat
	if _, _, e := syscall.Syscall(syscall.SYS_FSTAT, f.Fd(), uintptr(unsafe.Pointer(&st)), 0); e != 0 {
		t.Fatal(e)
	}
	var hs syscall.Stat_t
	syscall.Fstat(int(f.Fd()), &hs)
	if st.St_rdev != hs.Rdev || st.St_mode != hs.Mode || st.St_ino != hs.Ino || !S_ISCHR(st.St_mode) {
		t.Fatalf("fstat(/dev/null) through Stat: %+v, host %+v", st, hs)
	}
	// /dev/null is c 1 3: our encoding of st_rdev is the kernel's.
	if New_encode_dev(MKDEV(1, 3)) != st.St_rdev {
		t.Fatalf("new_encode_dev(1,3) = %#x, host st_rdev %#x", New_encode_dev(MKDEV(1, 3)), st.St_rdev)
	}
	if unix.Major(st.St_rdev) != 1 || unix.Minor(st.St_rdev) != 3 {
		t.Fatalf("host decodes %#x as %d,%d", st.St_rdev, unix.Major(st.St_rdev), unix.Minor(st.St_rdev))
	}
	big := MKDEV(259, 0x12345)
	if e := New_encode_dev(big); unix.Major(e) != 259 || unix.Minor(e) != 0x12345 {
		t.Fatalf("new_encode_dev(259, 0x12345) = %#x decodes as %d,%#x", e, unix.Major(e), unix.Minor(e))
	}
}

// TestStatxLayout: struct statx is x/sys's, 256 bytes, and the host's
// statx fills ours.
func TestStatxLayout(t *testing.T) {
	if unsafe.Sizeof(Statx{}) != 256 || unsafe.Sizeof(unix.Statx_t{}) != 256 {
		t.Fatalf("sizeof(struct statx) = %d, host %d", unsafe.Sizeof(Statx{}), unsafe.Sizeof(unix.Statx_t{}))
	}
	sameLayout(t, Statx{}, unix.Statx_t{},
		[2]string{"Stx_mask", "Mask"}, [2]string{"Stx_blksize", "Blksize"}, [2]string{"Stx_attributes", "Attributes"},
		[2]string{"Stx_nlink", "Nlink"}, [2]string{"Stx_uid", "Uid"}, [2]string{"Stx_gid", "Gid"},
		[2]string{"Stx_mode", "Mode"}, [2]string{"Stx_ino", "Ino"}, [2]string{"Stx_size", "Size"},
		[2]string{"Stx_blocks", "Blocks"}, [2]string{"Stx_attributes_mask", "Attributes_mask"},
		[2]string{"Stx_atime", "Atime"}, [2]string{"Stx_btime", "Btime"}, [2]string{"Stx_ctime", "Ctime"},
		[2]string{"Stx_mtime", "Mtime"}, [2]string{"Stx_rdev_major", "Rdev_major"}, [2]string{"Stx_rdev_minor", "Rdev_minor"},
		[2]string{"Stx_dev_major", "Dev_major"}, [2]string{"Stx_dev_minor", "Dev_minor"}, [2]string{"Stx_mnt_id", "Mnt_id"},
		[2]string{"Stx_dio_mem_align", "Dio_mem_align"}, [2]string{"Stx_dio_offset_align", "Dio_offset_align"})
	var sx Statx
	path, _ := syscall.BytePtrFromString("/dev/null")
	if _, _, e := syscall.Syscall6(unix.SYS_STATX, uintptr(0xffffffffffffff9c), uintptr(unsafe.Pointer(path)), 0,
		STATX_BASIC_STATS, uintptr(unsafe.Pointer(&sx)), 0); e != 0 {
		t.Fatalf("statx on the host to compare with: %v (host kernel older than 4.11?)", e)
	}
	if sx.Stx_rdev_major != 1 || sx.Stx_rdev_minor != 3 || uint32(sx.Stx_mode)&S_IFMT != S_IFCHR {
		t.Fatalf("statx(/dev/null) through Statx: %+v", sx)
	}
}

// TestDirentLayout: d_name at 19, and records built to our layout parse
// with the host's syscall.ParseDirent.
func TestDirentLayout(t *testing.T) {
	var d Linux_dirent64
	if unsafe.Offsetof(d.D_type)+1 != Linux_dirent64_name || unsafe.Offsetof(d.D_reclen) != 16 {
		t.Fatalf("linux_dirent64: d_reclen at %d, d_type at %d", unsafe.Offsetof(d.D_reclen), unsafe.Offsetof(d.D_type))
	}
	// The host's getdents64 on a directory we make, read through our
	// type: the names we created come back.
	dir := t.TempDir()
	os.WriteFile(dir+"/a-file", nil, 0o644)
	os.Mkdir(dir+"/subdir", 0o755)
	fd, err := syscall.Open(dir, syscall.O_RDONLY|syscall.O_DIRECTORY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(fd)
	buf := make([]byte, 4096)
	n, err := syscall.Getdents(fd, buf)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]uint8{}
	for off := 0; off < n; {
		rec := (*Linux_dirent64)(unsafe.Pointer(&buf[off]))
		name := buf[off+Linux_dirent64_name : off+int(rec.D_reclen)]
		for i, c := range name {
			if c == 0 {
				name = name[:i]
				break
			}
		}
		seen[string(name)] = rec.D_type
		off += int(rec.D_reclen)
	}
	if seen["a-file"] != DT_REG || seen["subdir"] != DT_DIR || seen["."] != DT_DIR {
		t.Fatalf("host getdents64 through Linux_dirent64: %v", seen)
	}
}

// TestTermiosLayout: struct termios is the first 36 bytes of x/sys's
// (which adds the speeds of termios2), and TCGETS on a host pty fills ours
// with what the host's reads.
func TestTermiosLayout(t *testing.T) {
	if unsafe.Sizeof(Termios{}) != 36 {
		t.Fatalf("sizeof(struct termios) = %d, want 36", unsafe.Sizeof(Termios{}))
	}
	sameLayout(t, Termios{}, unix.Termios{},
		[2]string{"C_iflag", "Iflag"}, [2]string{"C_oflag", "Oflag"}, [2]string{"C_cflag", "Cflag"},
		[2]string{"C_lflag", "Lflag"}, [2]string{"C_line", "Line"}, [2]string{"C_cc", "Cc"})
	sameLayout(t, Winsize{}, unix.Winsize{}, [2]string{"Ws_row", "Row"}, [2]string{"Ws_col", "Col"},
		[2]string{"Ws_xpixel", "Xpixel"}, [2]string{"Ws_ypixel", "Ypixel"})
	ptmx, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Skipf("no pty on the host: %v", err)
	}
	defer ptmx.Close()
	// A fresh pty has Linux's tty_std_termios: check our constants
	// against it, through our struct.
	var tio [64]byte // room beyond 36: the kernel must write only 36
	for i := range tio {
		tio[i] = 0xa5
	}
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, ptmx.Fd(), TCGETS, uintptr(unsafe.Pointer(&tio))); e != 0 {
		t.Fatal(e)
	}
	if tio[36] != 0xa5 {
		t.Fatalf("TCGETS wrote past 36 bytes")
	}
	ours := (*Termios)(unsafe.Pointer(&tio))
	host, err := unix.IoctlGetTermios(int(ptmx.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	if ours.C_iflag != host.Iflag || ours.C_lflag != host.Lflag || ours.C_cc != host.Cc {
		t.Fatalf("ours %+v, host %+v", ours, host)
	}
	if ours.C_lflag&(ISIG|ICANON|ECHO|ECHOE|ECHOK|ECHOCTL|ECHOKE|IEXTEN) != ISIG|ICANON|ECHO|ECHOE|ECHOK|ECHOCTL|ECHOKE|IEXTEN ||
		ours.C_cc[VINTR] != 3 || ours.C_cc[VERASE] != 0o177 || ours.C_cc[VEOF] != 4 || ours.C_cc[VMIN] != 1 {
		t.Fatalf("a host pty's termios is not tty_std_termios as our constants spell it: %+v", ours)
	}
	var ws Winsize
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, ptmx.Fd(), TIOCGWINSZ, uintptr(unsafe.Pointer(&ws))); e != 0 {
		t.Fatal(e)
	}
}

// TestConstants: the numbers that must agree with the host's.
func TestConstants(t *testing.T) {
	pairs := []struct {
		name       string
		ours, host int64
	}{
		{"O_CREAT", O_CREAT, unix.O_CREAT}, {"O_EXCL", O_EXCL, unix.O_EXCL}, {"O_TRUNC", O_TRUNC, unix.O_TRUNC},
		{"O_APPEND", O_APPEND, unix.O_APPEND}, {"O_NONBLOCK", O_NONBLOCK, unix.O_NONBLOCK},
		{"O_DIRECTORY", O_DIRECTORY, unix.O_DIRECTORY}, {"O_NOFOLLOW", O_NOFOLLOW, unix.O_NOFOLLOW},
		{"O_CLOEXEC", O_CLOEXEC, unix.O_CLOEXEC}, {"O_PATH", O_PATH, unix.O_PATH}, {"O_LARGEFILE", O_LARGEFILE, 0o100000},
		{"O_NOCTTY", O_NOCTTY, unix.O_NOCTTY}, {"O_TMPFILE", O_TMPFILE, unix.O_TMPFILE},
		{"F_DUPFD_CLOEXEC", F_DUPFD_CLOEXEC, unix.F_DUPFD_CLOEXEC}, {"F_SETFL", F_SETFL, unix.F_SETFL},
		{"AT_FDCWD", AT_FDCWD, unix.AT_FDCWD}, {"AT_REMOVEDIR", AT_REMOVEDIR, unix.AT_REMOVEDIR},
		{"AT_SYMLINK_NOFOLLOW", AT_SYMLINK_NOFOLLOW, unix.AT_SYMLINK_NOFOLLOW}, {"AT_EMPTY_PATH", AT_EMPTY_PATH, unix.AT_EMPTY_PATH},
		{"RENAME_NOREPLACE", RENAME_NOREPLACE, unix.RENAME_NOREPLACE}, {"RENAME_EXCHANGE", RENAME_EXCHANGE, unix.RENAME_EXCHANGE},
		{"TCGETS", TCGETS, unix.TCGETS}, {"TCSETSW", TCSETSW, unix.TCSETSW}, {"TIOCGWINSZ", TIOCGWINSZ, unix.TIOCGWINSZ},
		{"TIOCSPGRP", TIOCSPGRP, unix.TIOCSPGRP}, {"TIOCSCTTY", TIOCSCTTY, unix.TIOCSCTTY}, {"FIONREAD", FIONREAD, syscall.TIOCINQ},
		{"ENOTEMPTY", ENOTEMPTY, int64(unix.ENOTEMPTY)}, {"ELOOP", ELOOP, int64(unix.ELOOP)}, {"ENAMETOOLONG", ENAMETOOLONG, int64(unix.ENAMETOOLONG)},
		{"EOVERFLOW", EOVERFLOW, int64(unix.EOVERFLOW)}, {"EOPNOTSUPP", EOPNOTSUPP, int64(unix.EOPNOTSUPP)},
		{"ECHOCTL", ECHOCTL, unix.ECHOCTL}, {"ECHOKE", ECHOKE, unix.ECHOKE}, {"IEXTEN", IEXTEN, unix.IEXTEN},
		{"IUTF8", IUTF8, unix.IUTF8}, {"VWERASE", VWERASE, unix.VWERASE}, {"VLNEXT", VLNEXT, unix.VLNEXT},
		{"B115200", B115200, unix.B115200}, {"POLLRDHUP", POLLRDHUP, unix.POLLRDHUP}, {"MS_RELATIME", MS_RELATIME, unix.MS_RELATIME},
		{"MNT_DETACH", MNT_DETACH, unix.MNT_DETACH}, {"UMOUNT_NOFOLLOW", UMOUNT_NOFOLLOW, unix.UMOUNT_NOFOLLOW},
		{"STATX_BASIC_STATS", STATX_BASIC_STATS, unix.STATX_BASIC_STATS}, {"STATX_MNT_ID", STATX_MNT_ID, unix.STATX_MNT_ID},
		{"SEEK_HOLE", SEEK_HOLE, unix.SEEK_HOLE}, {"S_IFSOCK", S_IFSOCK, unix.S_IFSOCK}, {"DT_LNK", DT_LNK, unix.DT_LNK},
	}
	for _, p := range pairs {
		if p.ours != p.host {
			t.Errorf("%s = %#x, host %#x", p.name, p.ours, p.host)
		}
	}
}
