package initramfs

import (
	"unsafe"

	"gokern/fs"
	"gokern/include/uapi"
	"gokern/kunit"
	"gokern/lib/crc32"
	"gokern/printk"
)

// Selftests of the initramfs (selftest=fs_initramfs,fs_initrd_freed). The
// boot tests (internal/boottest/fs_test.go) give an initrd they built and
// compare what the kernel lists with what they wrote.

// listMax: up to this many entries are listed one per line; a bigger
// tree is summed up.
const listMax = 300

// walk_state is the listing's running totals.
type walk_state struct {
	entries, files, dirs, links, others int
	bytes                               uint64
	crc                                 uint32 // of every file's contents, in listing order
	depth                               int
}

var walk_path [uapi.PATH_MAX]byte

// walk lists the directory whose path is walk_path[:n], depth first.
func walk(t *kunit.Kunit, w *walk_state, n int) {
	if w.depth > 32 {
		t.Errorf("%s: deeper than 32 levels", printk.Bytes(walk_path[:n]))
		return
	}
	fd := fs.Do_sys_open(uapi.AT_FDCWD, walk_path[:n], uapi.O_RDONLY|uapi.O_DIRECTORY, 0)
	if fd < 0 {
		t.Errorf("open %s: %d", printk.Bytes(walk_path[:n]), printk.Int(fd))
		return
	}
	w.depth++
	var buf [1024]byte
	for {
		it := fs.Iov_iter_kvec(buf[:])
		got := fs.Ksys_getdents64(fd, &it)
		if got <= 0 {
			break
		}
		for off := 0; off < got; {
			reclen := int(buf[off+16]) | int(buf[off+17])<<8
			dtype := buf[off+18]
			name := buf[off+uapi.Linux_dirent64_name : off+reclen]
			for i, c := range name {
				if c == 0 {
					name = name[:i]
					break
				}
			}
			off += reclen
			if string(name) == "." || string(name) == ".." || n == 1 && (string(name) == "proc" || string(name) == "fs_selftest") {
				continue
			}
			m := n
			if n > 1 {
				walk_path[m] = '/'
				m++
			}
			m += copy(walk_path[m:], name)
			listEntry(t, w, walk_path[:m], dtype)
			if dtype == uapi.DT_DIR {
				walk(t, w, m)
			}
		}
	}
	w.depth--
	fs.Ksys_close(fd)
}

// listEntry prints one entry the way the boot test parses it.
func listEntry(t *kunit.Kunit, w *walk_state, path []byte, dtype uint8) {
	var st fs.Kstat
	if err := fs.Vfs_fstatat(uapi.AT_FDCWD, path, &st, uapi.AT_SYMLINK_NOFOLLOW); err != 0 {
		t.Errorf("lstat %s: %d", printk.Bytes(path), printk.Int(err))
		return
	}
	w.entries++
	verbose := w.entries <= listMax
	switch st.Mode & uapi.S_IFMT {
	case uapi.S_IFREG:
		w.files++
		crc, n := file_crc(path)
		w.bytes += uint64(n)
		le := [4]byte{byte(crc), byte(crc >> 8), byte(crc >> 16), byte(crc >> 24)}
		w.crc = crc32.Crc32_le(w.crc, le[:])
		if n != st.Size {
			t.Errorf("%s: read %d bytes, stat says %d", printk.Bytes(path), printk.Int(n), printk.Int(st.Size))
		}
		if verbose {
			t.Logf("file %s mode %s size %d crc32 %08x nlink %d mtime %d", printk.Bytes(path), printk.Str(octal(st.Mode)),
				printk.Int(st.Size), printk.Int(crc), printk.Int(st.Nlink), printk.Int(st.Mtime.Tv_sec))
		}
	case uapi.S_IFDIR:
		w.dirs++
		if verbose {
			t.Logf("dir %s mode %s", printk.Bytes(path), printk.Str(octal(st.Mode)))
		}
	case uapi.S_IFLNK:
		w.links++
		var target [256]byte
		it := fs.Iov_iter_kvec(target[:])
		k := fs.Do_readlinkat(uapi.AT_FDCWD, path, &it)
		if verbose {
			t.Logf("link %s -> %s", printk.Bytes(path), printk.Bytes(target[:max(k, 0)]))
		}
	default:
		w.others++
		if verbose {
			t.Logf("node %s mode %s rdev %d:%d", printk.Bytes(path), printk.Str(octal(st.Mode)),
				printk.Int(uapi.MAJOR(st.Rdev)), printk.Int(uapi.MINOR(st.Rdev)))
		}
	}
	if uint8(st.Mode>>12&15) != dtype {
		t.Errorf("%s: d_type %d, mode %s", printk.Bytes(path), printk.Int(dtype), printk.Str(octal(st.Mode)))
	}
}

var octal_buf [12]byte

// octal formats a mode (printk has no %o); valid until the next call.
func octal(v uint32) string {
	n := len(octal_buf)
	for {
		n--
		octal_buf[n] = byte('0' + v&7)
		v >>= 3
		if v == 0 {
			break
		}
	}
	return unsafe.String(&octal_buf[n], len(octal_buf)-n)
}

// file_crc reads a file whole: its CRC-32 and length.
func file_crc(path []byte) (uint32, int64) {
	fd := fs.Do_sys_open(uapi.AT_FDCWD, path, uapi.O_RDONLY, 0)
	if fd < 0 {
		return 0, -1
	}
	var crc uint32
	var total int64
	var buf [4096]byte
	for {
		it := fs.Iov_iter_kvec(buf[:])
		n := fs.Ksys_read(fd, &it)
		if n <= 0 {
			break
		}
		crc = crc32.Crc32_le(crc, buf[:n])
		total += n
	}
	fs.Ksys_close(fd)
	return crc, total
}

// Test_fs_initramfs (selftest fs_initramfs): the tree rootfs holds, every
// file read whole and checksummed, each entry on a line the boot test
// compares with the archive it built; with no initrd, the built-in
// archive's /dev/console and /root.
func Test_fs_initramfs(t *kunit.Kunit) {
	var w walk_state
	walk_path[0] = '/'
	walk(t, &w, 1)
	t.Logf("rootfs: %d entries: %d files (%d bytes, crc32 of crc32s %08x), %d directories, %d symlinks, %d other",
		printk.Int(w.entries), printk.Int(w.files), printk.Int(w.bytes), printk.Int(w.crc), printk.Int(w.dirs),
		printk.Int(w.links), printk.Int(w.others))
	if Unpacked.Bytes != 0 {
		t.Logf("initrd: %d bytes unpacked in %d us (%d KB/s): %s", printk.Int(Unpacked.Bytes), printk.Int(Unpacked.Ns/1000),
			printk.Int(Unpacked.Bytes*1000000/max(Unpacked.Ns, 1)), printk.Str(message_or_ok(Unpacked.Message)))
	}
	var st fs.Kstat
	if err := fs.Vfs_fstatat(uapi.AT_FDCWD, []byte("/dev/console"), &st, 0); err != 0 || st.Rdev != uapi.MKDEV(5, 1) {
		t.Errorf("/dev/console: %d, rdev %d:%d", printk.Int(err), printk.Int(uapi.MAJOR(st.Rdev)), printk.Int(uapi.MINOR(st.Rdev)))
	}
	if err := fs.Vfs_fstatat(uapi.AT_FDCWD, []byte("/root"), &st, 0); err != 0 || st.Mode&uapi.S_IFMT != uapi.S_IFDIR {
		t.Errorf("/root: %d", printk.Int(err))
	}
}

func message_or_ok(m string) string {
	if m == "" {
		return "ok"
	}
	return m
}

// Test_fs_initrd_freed (selftest fs_initrd_freed): the initrd's whole
// pages went to the buddy allocator after unpacking, and its free count
// grew by exactly their number (Linux free_initrd_mem).
func Test_fs_initrd_freed(t *kunit.Kunit) {
	if Unpacked.Bytes == 0 {
		t.Errorf("no initrd was given (boot with -initrd)")
		return
	}
	if Unpacked.FreedPages != Unpacked.WholePages || Unpacked.FreeDelta != Unpacked.FreedPages {
		t.Errorf("initrd of %d bytes: %d whole pages, %d freed, free count grew by %d", printk.Int(Unpacked.Bytes),
			printk.Int(Unpacked.WholePages), printk.Int(Unpacked.FreedPages), printk.Int(Unpacked.FreeDelta))
	}
	t.Logf("%d pages freed, the buddy allocator's free count grew by %d", printk.Int(Unpacked.FreedPages), printk.Int(Unpacked.FreeDelta))
}
