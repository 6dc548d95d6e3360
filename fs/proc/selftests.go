package proc

import (
	"sync/atomic"

	"gokern/fs"
	"gokern/include/uapi"
	"gokern/kernel/sched"
	"gokern/kunit"
	"gokern/mm"
	"gokern/printk"
)

// Test_fs_proc (selftest fs_proc): proc mounted on /proc, as init's
// "mount -t proc proc /proc" will: meminfo's MemTotal is the buddy
// allocator's total, buddyinfo has a line per populated zone, uptime and
// cpuinfo read, /proc/mounts lists it; then it unmounts.
func Test_fs_proc(t *kunit.Kunit) {
	fs.Do_mkdirat(uapi.AT_FDCWD, []byte("/proc"), 0o555)
	if err := fs.Do_mount([]byte("proc"), []byte("/proc"), []byte("proc"), uapi.MS_NOSUID|uapi.MS_NODEV|uapi.MS_NOEXEC, nil); err != 0 {
		t.Errorf("mount -t proc proc /proc: %d", printk.Int(err))
		return
	}
	var buf [4096]byte
	n := read_proc(t, "/proc/meminfo", buf[:])
	total := field(buf[:n], "MemTotal:")
	if total != mm.K(mm.Totalram_pages) || total == 0 {
		t.Errorf("MemTotal %d kB, totalram_pages %d", printk.Int(total), printk.Int(mm.Totalram_pages))
	}
	n = read_proc(t, "/proc/buddyinfo", buf[:])
	lines, zones := 0, 0
	for _, c := range buf[:n] {
		if c == '\n' {
			lines++
		}
	}
	for i := range mm.NODE_DATA(0).Node_zones {
		if mm.Populated_zone(&mm.NODE_DATA(0).Node_zones[i]) {
			zones++
		}
	}
	if lines != zones {
		t.Errorf("buddyinfo: %d lines, %d populated zones", printk.Int(lines), printk.Int(zones))
	}
	if n = read_proc(t, "/proc/uptime", buf[:]); n < 10 || buf[n-1] != '\n' {
		t.Errorf("uptime %s", printk.Bytes(buf[:n]))
	}
	if n = read_proc(t, "/proc/cpuinfo", buf[:]); n < 100 {
		t.Errorf("cpuinfo: %d bytes", printk.Int(n))
	}
	n = read_proc(t, "/proc/mounts", buf[:])
	if !contains_bytes(buf[:n], "proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0\n") {
		t.Errorf("mounts: %s", printk.Bytes(buf[:n]))
	}
	t.Logf("meminfo MemTotal %d kB, %d zones in buddyinfo", printk.Int(total), printk.Int(lines))
	if err := fs.Ksys_umount([]byte("/proc"), 0); err != 0 {
		t.Errorf("umount /proc: %d", printk.Int(err))
	}
}

func read_proc(t *kunit.Kunit, path string, buf []byte) int {
	fd := fs.Do_sys_open(uapi.AT_FDCWD, []byte(path), uapi.O_RDONLY, 0)
	if fd < 0 {
		t.Errorf("open %s: %d", printk.Str(path), printk.Int(fd))
		return 0
	}
	n := 0
	for n < len(buf) {
		it := fs.Iov_iter_kvec(buf[n:])
		r := fs.Ksys_read(fd, &it)
		if r <= 0 {
			break
		}
		n += int(r)
	}
	fs.Ksys_close(fd)
	return n
}

// field reads the number after name in a meminfo text.
func field(b []byte, name string) uint64 {
	for i := 0; i+len(name) <= len(b); i++ {
		if string(b[i:i+len(name)]) == name && (i == 0 || b[i-1] == '\n') {
			var v uint64
			for j := i + len(name); j < len(b); j++ {
				if b[j] >= '0' && b[j] <= '9' {
					v = v*10 + uint64(b[j]-'0')
				} else if v != 0 || b[j] != ' ' {
					break
				}
			}
			return v
		}
	}
	return 0
}

func contains_bytes(b []byte, s string) bool {
	for i := 0; i+len(s) <= len(b); i++ {
		if string(b[i:i+len(s)]) == s {
			return true
		}
	}
	return false
}

// Selftest proc_task_ref_smp: what /proc/<pid>/stat and status read of a
// task (get_task) is that task's, though it dies, is released and its
// slot in the slab reused meanwhile (Linux: proc_pid_stat holds the task
// with get_pid_task, get_task_struct). One thread starts and stops
// PROC_REF_ROUNDS short kernel threads, each named after its own pid
// ("prf<pid>"); three lookers (at -smp 4 one on each other CPU) read the
// newest with get_task and check that the pid, the thread group id and
// the name agree. A
// task_struct freed under a reader is zeroed and taken by the creator's
// next thread, whose pid and name differ.
const PROC_REF_ROUNDS = 200

var proc_ref struct {
	pid   atomic.Int32
	done  atomic.Uint32
	read  atomic.Uint64 // get_task calls that found the task
	wrong atomic.Uint64 // of them, those that read another task's fields
	first atomic.Int64  // the first wrong read: pid << 32 | tgid read
	comm  [16]byte      // and the name it read
}

// proc_ref_name writes "prf<pid>" into b (NUL-padded).
func proc_ref_name(b *[16]byte, pid int32) {
	*b = [16]byte{'p', 'r', 'f'}
	var d [10]byte
	n := 0
	for v := uint32(pid); ; v /= 10 {
		d[n] = byte('0' + v%10)
		n++
		if v < 10 {
			break
		}
	}
	for i := 0; i < n && 3+i < 15; i++ {
		b[3+i] = d[n-1-i]
	}
}

func proc_ref_short(uintptr) int { return 0 }

func proc_ref_looker(uintptr) int {
	var info Task_info
	var want [16]byte
	for i := 0; proc_ref.done.Load() == 0; i++ {
		pid := proc_ref.pid.Load()
		if pid == 0 || !get_task(int(pid), &info) {
			sched.Yield()
			continue
		}
		proc_ref.read.Add(1)
		proc_ref_name(&want, pid)
		if info.Tgid != int(pid) || info.Comm != want {
			if proc_ref.wrong.Add(1) == 1 {
				proc_ref.comm = info.Comm
				proc_ref.first.Store(int64(pid)<<32 | int64(uint32(info.Tgid)))
			}
		}
		// Make way for the creator now and then: with more lookers
		// than CPUs less one, spinning lookers kept it off its CPU
		// for whole time slices (400 rounds took 280 s at -smp 2).
		if i%32 == 31 {
			sched.Yield()
		}
	}
	return 0
}

// Test_proc_task_ref_smp: no reader saw another task's fields.
func Test_proc_task_ref_smp(t *kunit.Kunit) {
	st := &proc_ref
	st.pid.Store(0)
	st.done.Store(0)
	st.read.Store(0)
	st.wrong.Store(0)
	// Three lookers, whatever the CPUs (fs/proc may not import
	// kernel/cpumask): at -smp 4 one on each other CPU, at -smp 1 they
	// take turns with the creator.
	const n = 4
	var lookers [n - 1]*sched.Task_struct
	for i := 0; i < n-1; i++ {
		if lookers[i] = sched.Kthread_run(proc_ref_looker, uintptr(i), "proc-ref"); lookers[i] == nil {
			t.Errorf("kthread_run failed")
			return
		}
	}
	for i := 0; i < PROC_REF_ROUNDS; i++ {
		k := sched.Kthread_create(proc_ref_short, 0, "prf")
		if k == nil {
			t.Errorf("kthread_create failed in round %d", printk.Int(i))
			break
		}
		proc_ref_name(&k.Comm, k.Pid)
		st.pid.Store(k.Pid)
		sched.Wake_up_process(k)
		sched.Kthread_stop(k)
	}
	st.done.Store(1)
	for _, k := range lookers {
		sched.Kthread_stop(k)
	}
	printk.Pr_info("proc_task_ref_smp: %d threads started and released, %d reads, %d of another task\n",
		printk.Int(PROC_REF_ROUNDS), printk.Int(st.read.Load()), printk.Int(st.wrong.Load()))
	if w := st.wrong.Load(); w != 0 {
		f := st.first.Load()
		t.Errorf("%d reads of a task's stat read another task's: pid %d read with tgid %d and name %s (freed and reused)", printk.Int(w), printk.Int(f>>32),
			printk.Int(int32(f)), printk.Bytes(st.comm[:]))
	}
}
