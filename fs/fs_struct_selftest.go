package fs

import (
	"sync/atomic"
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/include/uapi"
	"gokern/kernel/sched"
	"gokern/kunit"
	"gokern/printk"
)

// Selftest fs_struct_smp: one fs_struct shared by threads on every CPU,
// as CLONE_FS shares it among a Go program's threads. FS_ST_THREADS
// kernel threads take it as their current->fs. Each adds and drops a
// user FS_ST_USERS times (a thread made with CLONE_FS, and its exit);
// the count must end where it began. Half of them also chdir, round
// after round, into a directory of their own that they then remove, so
// that the next chdir drops the directory's last reference; the other
// half meanwhile getcwd and look up "." from the shared working
// directory, which must name one of those directories or be gone
// (-ENOENT), never anything else. Before Users was atomic, the count
// drifted; before path walks, getcwd and /proc took their references to
// the root and the working directory under the fs_struct's lock, a
// reader could take one on a directory a chdir had just freed.

const (
	FS_ST_THREADS = 4
	FS_ST_ROUNDS  = 300
	FS_ST_USERS   = 20000
	fs_st_start   = 1 << 20
	fs_st_dir     = "/fs_struct_smp"
)

var fs_st struct {
	fs      Fs_struct
	ready   atomic.Int32
	done    atomic.Int32 // chdir threads finished
	cwds    atomic.Int64 // getcwd answers naming a directory of the test
	gone    atomic.Int64 // getcwd answers -ENOENT
	bad     atomic.Int64 // any other answer
	lookups atomic.Int64 // "." found
	cpus    atomic.Uint64
}

// fs_st_name builds fs_st_dir + "/d" + thread + "_" + round in buf.
func fs_st_name(buf []byte, thread, round int) []byte {
	k := copy(buf, fs_st_dir)
	k += copy(buf[k:], "/d")
	k = st_itoa(buf, k, thread)
	k += copy(buf[k:], "_")
	return buf[:st_itoa(buf, k, round)]
}

func fs_st_thread(i uintptr) int {
	st := &fs_st
	cur := sched.Get_current()
	own := cur.Fs
	Get_fs_struct(&st.fs)
	cur.Fs = unsafe.Pointer(&st.fs)
	for st.ready.Add(1); st.ready.Load() < FS_ST_THREADS; {
		sched.Yield()
	}
	var p [64]byte
	var cwd [uapi.PATH_MAX]byte
	for u := 0; u < FS_ST_USERS; u++ {
		Get_fs_struct(&st.fs)
		Free_fs_struct(&st.fs)
	}
	if i%2 == 0 {
		for r := 0; r < FS_ST_ROUNDS; r++ {
			st.cpus.Or(1 << uint(asm.Smp_processor_id()))
			name := fs_st_name(p[:], int(i), r)
			if Do_mkdirat(uapi.AT_FDCWD, name, 0o755) != 0 || Ksys_chdir(name) != 0 {
				st.bad.Add(1)
				continue
			}
			Do_rmdir(uapi.AT_FDCWD, name)
		}
		st.done.Add(1)
	} else {
		for st.done.Load() < FS_ST_THREADS/2 {
			st.cpus.Or(1 << uint(asm.Smp_processor_id()))
			n := Ksys_getcwd(cwd[:])
			switch {
			case n == -ENOENT:
				st.gone.Add(1)
			case n > len(fs_st_dir)+2 && st_has_prefix(cwd[:n], fs_st_dir+"/d"):
				st.cwds.Add(1)
			case n == 2 && cwd[0] == '/':
				st.cwds.Add(1) // before the first chdir
			default:
				st.bad.Add(1)
			}
			var path Path
			dot := [1]byte{'.'}
			if Kern_path(dot[:], 0, &path) == 0 {
				st.lookups.Add(1)
				Path_put(&path)
			}
		}
	}
	// Back to the thread's own before the fs_struct's user goes.
	cur.Fs = own
	Free_fs_struct(&st.fs)
	return 0
}

// st_has_prefix: does b begin with s?
func st_has_prefix(b []byte, s string) bool {
	if len(b) < len(s) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if b[i] != s[i] {
			return false
		}
	}
	return true
}

// Test_fs_struct_smp: the user count exact, every getcwd a true answer,
// no reference lost or gained.
func Test_fs_struct_smp(t *kunit.Kunit) {
	st := &fs_st
	var p [64]byte
	if err := Do_mkdirat(uapi.AT_FDCWD, p[:copy(p[:], fs_st_dir)], 0o755); err != 0 {
		t.Errorf("mkdir %s: %d", printk.Str(fs_st_dir), printk.Int(err))
		return
	}
	before, bugs := st_snapshot(), Vfs_bugs
	st.fs = Fs_struct{Users: fs_st_start, Umask: 0o022}
	Get_fs_root_and_pwd(&Init_fs, &st.fs.Root, &st.fs.Pwd)
	st.ready.Store(0)
	st.done.Store(0)
	st.cwds.Store(0)
	st.gone.Store(0)
	st.bad.Store(0)
	st.lookups.Store(0)
	st.cpus.Store(0)
	ok := st_run_kthreads(t, fs_st_thread, FS_ST_THREADS, "fsstruct")
	users := atomic.LoadInt32(&st.fs.Users)
	// The test's own references to the root and the last directory.
	Path_put(&st.fs.Pwd)
	Path_put(&st.fs.Root)
	st.fs.Pwd, st.fs.Root = Path{}, Path{}
	printk.Pr_info("fs_struct_smp: %d threads on CPUs %#x, %d users added and dropped each: users %d (want %d); %d chdirs into removed directories each: %d getcwds named one, %d found it gone, %d answered otherwise, %d lookups of .\n",
		printk.Int(FS_ST_THREADS), printk.Int(st.cpus.Load()), printk.Int(FS_ST_USERS), printk.Int(users), printk.Int(fs_st_start),
		printk.Int(FS_ST_ROUNDS), printk.Int(st.cwds.Load()), printk.Int(st.gone.Load()), printk.Int(st.bad.Load()),
		printk.Int(st.lookups.Load()))
	after := st_snapshot()
	Do_rmdir(uapi.AT_FDCWD, p[:copy(p[:], fs_st_dir)])
	if !ok {
		return
	}
	if users != fs_st_start || st.bad.Load() != 0 {
		t.Errorf("users %d (want %d), %d wrong answers", printk.Int(users), printk.Int(fs_st_start), printk.Int(st.bad.Load()))
	}
	if after.dentries != before.dentries || after.inodes != before.inodes || Vfs_bugs != bugs {
		t.Errorf("leak: inodes %d→%d, dentries %d→%d, %d refcount bugs",
			printk.Int(before.inodes), printk.Int(after.inodes), printk.Int(before.dentries), printk.Int(after.dentries),
			printk.Int(Vfs_bugs-bugs))
	}
}
