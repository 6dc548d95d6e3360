package fs

import (
	"unsafe"

	"gokern/include/uapi"
	"gokern/kunit"
	"gokern/printk"
)

// In-kernel selftests of the VFS (selftest=fs_vfs,fs_pipe,fs_nomem). The
// host tests (fs/*_test.go) cover the logic in depth; these prove it in
// the booted kernel, on its allocator, from the boot task's descriptor
// table. Each leaves the tree and the object counts as it found them.

const selftestDir = "/fs_selftest"

// st_counts are the VFS's object counts, for leak checks.
type st_counts struct{ inodes, dentries, files uint64 }

func st_snapshot() st_counts { return st_counts{Nr_inodes(), Nr_dentry(), Nr_files()} }

func st_check_leaks(t *kunit.Kunit, before st_counts) {
	if after := st_snapshot(); after != before || Vfs_bugs != 0 {
		t.Errorf("leak: inodes %d→%d, dentries %d→%d, files %d→%d, %d refcount bugs",
			printk.Int(before.inodes), printk.Int(after.inodes), printk.Int(before.dentries), printk.Int(after.dentries),
			printk.Int(before.files), printk.Int(after.files), printk.Int(Vfs_bugs))
	}
}

// st_path builds selftestDir + "/" + name in buf.
func st_path(buf []byte, name string) []byte {
	n := copy(buf, selftestDir)
	if name != "" {
		buf[n] = '/'
		n++
		n += copy(buf[n:], name)
	}
	return buf[:n]
}

// Test_fs_vfs (selftest fs_vfs): directories, a file of several pages
// written and read back, a symlink followed, a rename over a file,
// getdents64, stat, and the errors Linux gives; nothing leaks.
func Test_fs_vfs(t *kunit.Kunit) {
	before := st_snapshot()
	var p, q [96]byte
	if err := Do_mkdirat(uapi.AT_FDCWD, st_path(p[:], ""), 0o755); err != 0 {
		t.Errorf("mkdir %s: %d", printk.Str(selftestDir), printk.Int(err))
		return
	}
	Do_mkdirat(uapi.AT_FDCWD, st_path(p[:], "sub"), 0o700)
	fd := Do_sys_open(uapi.AT_FDCWD, st_path(p[:], "sub/file"), uapi.O_RDWR|uapi.O_CREAT|uapi.O_EXCL, 0o644)
	if fd < 0 {
		t.Errorf("create: %d", printk.Int(fd))
		return
	}
	var page [4096]byte
	var sum uint64
	for i := 0; i < 3; i++ {
		for k := range page {
			page[k] = byte(i*7 + k)
		}
		it := Iov_iter_kvec(page[:])
		if n := Ksys_write(fd, &it); n != 4096 {
			t.Errorf("write %d: %d", printk.Int(i), printk.Int(n))
		}
	}
	Ksys_lseek(fd, 0, uapi.SEEK_SET)
	for i := 0; i < 3; i++ {
		it := Iov_iter_kvec(page[:])
		if n := Ksys_read(fd, &it); n != 4096 || page[100] != byte(i*7+100) {
			t.Errorf("read back page %d: %d bytes, byte 100 = %d", printk.Int(i), printk.Int(n), printk.Int(page[100]))
		}
		sum += uint64(page[4095])
	}
	Ksys_close(fd)
	Do_symlinkat([]byte("sub/file"), uapi.AT_FDCWD, st_path(p[:], "link"))
	var st Kstat
	if err := Vfs_fstatat(uapi.AT_FDCWD, st_path(p[:], "link"), &st, 0); err != 0 || st.Size != 3*4096 || st.Blocks != 24 {
		t.Errorf("stat through the symlink: %d, size %d blocks %d", printk.Int(err), printk.Int(st.Size), printk.Int(st.Blocks))
	}
	Do_mknodat(uapi.AT_FDCWD, st_path(p[:], "other"), uapi.S_IFREG|0o600, 0)
	if err := Do_renameat2(uapi.AT_FDCWD, st_path(p[:], "sub/file"), uapi.AT_FDCWD, st_path(q[:], "other"), 0); err != 0 {
		t.Errorf("rename: %d", printk.Int(err))
	}
	type want struct {
		what string
		got  int
		err  int
	}
	for _, w := range [...]want{
		{"open through a file", Do_sys_open(uapi.AT_FDCWD, st_path(p[:], "other/x"), uapi.O_RDONLY, 0), -ENOTDIR},
		{"dangling symlink", Do_sys_open(uapi.AT_FDCWD, st_path(p[:], "link"), uapi.O_RDONLY, 0), -ENOENT},
		{"mkdir existing", Do_mkdirat(uapi.AT_FDCWD, st_path(p[:], "sub"), 0o755), -EEXIST},
		{"rmdir non-empty", Do_rmdir(uapi.AT_FDCWD, st_path(p[:], "")), -ENOTEMPTY},
		{"unlink a directory", Do_unlinkat(uapi.AT_FDCWD, st_path(p[:], "sub")), -EISDIR},
		{"close a bad descriptor", Ksys_close(999), -EBADF},
		{"dup3 onto itself", Ksys_dup3(0, 0, 0), -EINVAL},
	} {
		if w.got != w.err {
			t.Errorf("%s: %d, want %d", printk.Str(w.what), printk.Int(w.got), printk.Int(w.err))
		}
	}
	// getdents64 lists the three names and the dots.
	fd = Do_sys_open(uapi.AT_FDCWD, st_path(p[:], ""), uapi.O_RDONLY|uapi.O_DIRECTORY, 0)
	it := Iov_iter_kvec(page[:])
	n := Ksys_getdents64(fd, &it)
	names := 0
	for off := 0; off < n; {
		reclen := int(page[off+16]) | int(page[off+17])<<8
		names++
		off += reclen
	}
	Ksys_close(fd)
	if names != 5 {
		t.Errorf("getdents64: %d entries (%d bytes), want 5", printk.Int(names), printk.Int(n))
	}
	for _, name := range [...]string{"link", "other", "sub"} {
		if name == "sub" {
			Do_rmdir(uapi.AT_FDCWD, st_path(p[:], name))
		} else {
			Do_unlinkat(uapi.AT_FDCWD, st_path(p[:], name))
		}
	}
	if err := Do_rmdir(uapi.AT_FDCWD, st_path(p[:], "")); err != 0 {
		t.Errorf("rmdir: %d", printk.Int(err))
	}
	st_check_leaks(t, before)
	t.Logf("inode %d bytes, dentry %d, file %d (slab object sizes); %d inodes, %d dentries, %d files live",
		printk.Int(inode_cache.Objsize()), printk.Int(dentry_cache.Objsize()), printk.Int(filp_cachep.Objsize()),
		printk.Int(Nr_inodes()), printk.Int(Nr_dentry()), printk.Int(Nr_files()))
	_ = sum
}

// Test_fs_pipe (selftest fs_pipe): a pipe carries bytes in order, a
// reader sees EOF after the writer closes, a writer without reader gets
// EPIPE, an empty non-blocking pipe EAGAIN.
func Test_fs_pipe(t *kunit.Kunit) {
	before := st_snapshot()
	var fds [2]int
	if err := Do_pipe2(&fds, uapi.O_NONBLOCK|uapi.O_CLOEXEC); err != 0 {
		t.Errorf("pipe2: %d", printk.Int(err))
		return
	}
	var buf [100]byte
	it := Iov_iter_kvec(buf[:])
	if n := Ksys_read(fds[0], &it); n != -EAGAIN {
		t.Errorf("empty pipe: %d", printk.Int(n))
	}
	msg := [...]byte{'g', 'o', 'k', 'e', 'r', 'n'}
	it = Iov_iter_kvec(msg[:])
	Ksys_write(fds[1], &it)
	it = Iov_iter_kvec(buf[:])
	if n := Ksys_read(fds[0], &it); n != 6 || string(buf[:6]) != "gokern" {
		t.Errorf("read %d %s", printk.Int(n), printk.Bytes(buf[:max(n, 0)]))
	}
	if !Get_close_on_exec(fds[0]) {
		t.Errorf("O_CLOEXEC not set")
	}
	Ksys_close(fds[1])
	it = Iov_iter_kvec(buf[:])
	if n := Ksys_read(fds[0], &it); n != 0 {
		t.Errorf("EOF: %d", printk.Int(n))
	}
	Ksys_close(fds[0])
	Do_pipe2(&fds, 0)
	Ksys_close(fds[0])
	it = Iov_iter_kvec(msg[:])
	if n := Ksys_write(fds[1], &it); n != -EPIPE {
		t.Errorf("no reader: %d", printk.Int(n))
	}
	Ksys_close(fds[1])
	st_check_leaks(t, before)
}

// Test_fs_nomem (selftest fs_nomem): every allocation of a mkdir and of a
// create-and-write made to fail in turn: ENOMEM or ENOSPC, nothing left
// behind, nothing leaked; then both succeed.
func Test_fs_nomem(t *kunit.Kunit) {
	before := st_snapshot()
	var p [96]byte
	long := "a-name-longer-than-the-inline-thirty-two-bytes"
	failed := 0
	for n := 1; n < 100; n++ {
		Fail_nth = n
		err := Do_mkdirat(uapi.AT_FDCWD, st_path(p[:], ""), 0o755)
		if err == 0 {
			fd := Do_sys_open(uapi.AT_FDCWD, st_path(p[:], long), uapi.O_CREAT|uapi.O_WRONLY, 0o644)
			if fd >= 0 {
				var page [4096]byte
				it := Iov_iter_kvec(page[:])
				if w := Ksys_write(fd, &it); w < 0 {
					err = int(w)
				}
				Ksys_close(fd)
			} else {
				err = fd
			}
		}
		fired := Fail_nth == 0
		Fail_nth = 0
		Do_unlinkat(uapi.AT_FDCWD, st_path(p[:], long))
		Do_rmdir(uapi.AT_FDCWD, st_path(p[:], ""))
		if !fired {
			if err != 0 {
				t.Errorf("failed with no allocation failing: %d", printk.Int(err))
			}
			break
		}
		failed++
		if err != 0 && err != -ENOMEM && err != -ENOSPC {
			t.Errorf("allocation %d failing: %d, want ENOMEM or ENOSPC", printk.Int(n), printk.Int(err))
		}
		st_check_leaks(t, before)
	}
	if failed == 0 {
		t.Errorf("no allocation was made to fail")
	}
	t.Logf("%d allocations failed in turn, each cleanly", printk.Int(failed))
}

// Test_fs_uaccess: with the architecture's copy_to_user and copy_from_user
// behind Uaccess (set at boot), a read into user memory nothing maps, a
// read into a kernel address passed as a user one (access_ok refuses it),
// a write from unmapped user memory and an ioctl's bad argument give
// -EFAULT, never an oops; what the failed read did not take stays in the
// pipe.
func Test_fs_uaccess(t *kunit.Kunit) {
	if Uaccess.Copy_to_user == nil || Uaccess.Copy_from_user == nil {
		t.Errorf("Uaccess is not set at boot")
		return
	}
	before := st_snapshot()
	var fds [2]int
	if err := Do_pipe2(&fds, uapi.O_NONBLOCK); err != 0 {
		t.Errorf("pipe2: %d", printk.Int(err))
		return
	}
	msg := [...]byte{'u', 's', 'e', 'r'}
	it := Iov_iter_kvec(msg[:])
	Ksys_write(fds[1], &it)
	// The top of the user half: no page table maps it before there is a
	// process.
	const unmapped = 0x00007fffffff0000
	it = Iov_iter_ubuf(unmapped, 4)
	if n := Ksys_read(fds[0], &it); n != -EFAULT {
		t.Errorf("read into unmapped user memory: %d, want -EFAULT", printk.Int(n))
	}
	var kbuf [4]byte
	it = Iov_iter_ubuf(uintptr(unsafe.Pointer(&kbuf[0])), 4)
	if n := Ksys_read(fds[0], &it); n != -EFAULT || kbuf != [4]byte{} {
		t.Errorf("read into a kernel address as a user one: %d, buffer %s", printk.Int(n), printk.Bytes(kbuf[:]))
	}
	it = Iov_iter_ubuf(unmapped, 4)
	if n := Ksys_write(fds[1], &it); n != -EFAULT {
		t.Errorf("write from unmapped user memory: %d, want -EFAULT", printk.Int(n))
	}
	if n := Ksys_ioctl(fds[0], uapi.FIONREAD, unmapped); n != -EFAULT {
		t.Errorf("FIONREAD to unmapped user memory: %d, want -EFAULT", printk.Int(n))
	}
	var got [8]byte
	it = Iov_iter_kvec(got[:])
	if n := Ksys_read(fds[0], &it); n != 4 || string(got[:4]) != "user" {
		t.Errorf("after the faults the pipe holds %d bytes %s, want user", printk.Int(n), printk.Bytes(got[:max(n, 0)]))
	}
	Ksys_close(fds[0])
	Ksys_close(fds[1])
	st_check_leaks(t, before)
}
