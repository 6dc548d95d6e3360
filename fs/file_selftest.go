package fs

import (
	"sync/atomic"

	"gokern/arch/amd64/asm"
	"gokern/include/uapi"
	"gokern/kunit"
	"gokern/printk"
)

// Selftest fs_files_smp: one descriptor table used on every CPU at once,
// as the threads of one process use theirs (CLONE_FILES: a Go program's
// threads open, dup and close on all CPUs). Kernel threads share the
// boot task's table, so FILES_ST_THREADS of them each open a file of
// its own FILES_ST_ROUNDS times, keeping FILES_ST_HELD descriptors open
// at once (the table grows past its first 64 slots meanwhile), dup one,
// and check through Fget that every descriptor it got holds its own
// file; then close them all, each close succeeding. At the end no file
// is left open. Without the table's lock two CPUs were handed one
// descriptor, one's file replaced the other's, and a grown table's old
// arrays were freed under a lookup.

const (
	FILES_ST_THREADS = 4
	FILES_ST_ROUNDS  = 400
	FILES_ST_HELD    = 24
	files_st_dir     = "/fs_files_smp"
)

var files_st struct {
	inode    [FILES_ST_THREADS]*Inode
	wrong    atomic.Int32 // a descriptor holding another's file, or none
	badClose atomic.Int32
	other    atomic.Int32
	lastErr  atomic.Int32
	cpus     atomic.Uint64
}

// files_st_check: fd holds a file of inode.
func files_st_check(fd int, inode *Inode) {
	f := Fget(fd)
	if f == nil || f.F_inode != inode {
		files_st.wrong.Add(1)
	}
	if f != nil {
		Fput(f)
	}
}

func files_st_thread(arg uintptr) int {
	st := &files_st
	i := int(arg)
	var p [64]byte
	name := files_st_name(p[:], i)
	var fds [FILES_ST_HELD + 1]int
	for r := 0; r < FILES_ST_ROUNDS; r++ {
		st.cpus.Or(1 << uint(asm.Smp_processor_id()))
		n := 0
		for ; n < FILES_ST_HELD; n++ {
			fd := Do_sys_open(uapi.AT_FDCWD, name, uapi.O_RDONLY, 0)
			if fd < 0 {
				st.other.Add(1)
				st.lastErr.Store(int32(fd))
				break
			}
			fds[n] = fd
		}
		if n > 0 {
			if fd := Ksys_dup(fds[0]); fd >= 0 {
				fds[n] = fd
				n++
			} else {
				st.other.Add(1)
				st.lastErr.Store(int32(fd))
			}
		}
		for k := 0; k < n; k++ {
			files_st_check(fds[k], st.inode[i])
		}
		for k := 0; k < n; k++ {
			if Ksys_close(fds[k]) != 0 {
				st.badClose.Add(1)
			}
		}
	}
	return 0
}

// files_st_name builds files_st_dir + "/f" + i in buf.
func files_st_name(buf []byte, i int) []byte {
	k := copy(buf, files_st_dir)
	k += copy(buf[k:], "/f")
	return buf[:st_itoa(buf, k, i)]
}

// Test_fs_files_smp: every descriptor its own file; every close good.
func Test_fs_files_smp(t *kunit.Kunit) {
	st := &files_st
	var p [64]byte
	before, bugs := st_snapshot(), Vfs_bugs
	if err := Do_mkdirat(uapi.AT_FDCWD, p[:copy(p[:], files_st_dir)], 0o755); err != 0 {
		t.Errorf("mkdir %s: %d", printk.Str(files_st_dir), printk.Int(err))
		return
	}
	for i := 0; i < FILES_ST_THREADS; i++ {
		f, err := Filp_open(files_st_name(p[:], i), uapi.O_RDWR|uapi.O_CREAT|uapi.O_EXCL, 0o644)
		if err != 0 {
			t.Errorf("create: %d", printk.Int(err))
			return
		}
		st.inode[i] = f.F_inode // the file's name keeps it
		Fput(f)
	}
	st.wrong.Store(0)
	st.badClose.Store(0)
	st.other.Store(0)
	st.cpus.Store(0)
	ok := st_run_kthreads(t, files_st_thread, FILES_ST_THREADS, "files")
	printk.Pr_info("fs_files_smp: %d threads, %d rounds of %d opens and a dup in one table, on CPUs %#x: %d descriptors held another's file or none, %d closes failed, %d unexpected errors (last %d), files %d before and %d after\n",
		printk.Int(FILES_ST_THREADS), printk.Int(FILES_ST_ROUNDS), printk.Int(FILES_ST_HELD), printk.Int(st.cpus.Load()),
		printk.Int(st.wrong.Load()), printk.Int(st.badClose.Load()), printk.Int(st.other.Load()), printk.Int(st.lastErr.Load()),
		printk.Int(before.files), printk.Int(Nr_files()))
	if !ok {
		return
	}
	if st.wrong.Load() != 0 || st.badClose.Load() != 0 || st.other.Load() != 0 {
		t.Errorf("%d descriptors held another's file, %d closes failed, %d unexpected errors",
			printk.Int(st.wrong.Load()), printk.Int(st.badClose.Load()), printk.Int(st.other.Load()))
	}
	for i := 0; i < FILES_ST_THREADS; i++ {
		Do_unlinkat(uapi.AT_FDCWD, files_st_name(p[:], i))
	}
	if err := Do_rmdir(uapi.AT_FDCWD, p[:copy(p[:], files_st_dir)]); err != 0 {
		t.Errorf("rmdir %s: %d", printk.Str(files_st_dir), printk.Int(err))
		return
	}
	if after := st_snapshot(); after != before || Vfs_bugs != bugs {
		t.Errorf("leak: inodes %d→%d, dentries %d→%d, files %d→%d, %d refcount bugs",
			printk.Int(before.inodes), printk.Int(after.inodes), printk.Int(before.dentries), printk.Int(after.dentries),
			printk.Int(before.files), printk.Int(after.files), printk.Int(Vfs_bugs-bugs))
	}
}
