package fs

import (
	"sync/atomic"

	"gokern/arch/amd64/asm"
	"gokern/include/uapi"
	"gokern/kernel/sched"
	ktime "gokern/kernel/time"
	"gokern/kunit"
	"gokern/printk"
)

// Selftest fs_mount_smp: mounts made and unmounted on every CPU at once
// while paths through them are walked. MOUNT_ST_THREADS kernel threads
// each own a directory under /fs_mount_smp; MOUNT_ST_ROUNDS times each
// mounts a tmpfs there, makes a directory in it and mounts another
// tmpfs on that, walks into its own and the next thread's mounts, and
// unmounts its two: the inner one plainly every other round, the whole
// tree with MNT_DETACH (umount_tree) in the others. Every mount and
// unmount changes the root mount's list of children and the
// namespace's list, which lookup_mnt, follow_dotdot and d_path read on
// the other CPUs. At the end the namespace has as many mounts as
// before, its list and the root mount's children agree with the count,
// mount ids are distinct, and no object is left.

const (
	MOUNT_ST_THREADS = 4
	MOUNT_ST_ROUNDS  = 400
	mount_st_dir     = "/fs_mount_smp"
)

var mount_st struct {
	other   atomic.Int32
	lastErr atomic.Int32
	walks   atomic.Int32 // walks that reached a mounted tmpfs
	busy    atomic.Int32 // unmounts refused while another walked there
	cpus    atomic.Uint64
}

func mount_st_unexpected(err int) {
	mount_st.other.Add(1)
	mount_st.lastErr.Store(int32(err))
}

// mount_st_name builds mount_st_dir + "/m" + i + suffix in buf.
func mount_st_name(buf []byte, i int, suffix string) []byte {
	k := copy(buf, mount_st_dir)
	k += copy(buf[k:], "/m")
	k = st_itoa(buf, k, i)
	k += copy(buf[k:], suffix)
	return buf[:k]
}

var mount_st_tmpfs = []byte("tmpfs")

func mount_st_thread(arg uintptr) int {
	st := &mount_st
	i := int(arg)
	var p [64]byte
	var dbuf [128]byte
	for r := 0; r < MOUNT_ST_ROUNDS; r++ {
		st.cpus.Or(1 << uint(asm.Smp_processor_id()))
		if err := Do_mount(mount_st_tmpfs, mount_st_name(p[:], i, ""), mount_st_tmpfs, 0, nil); err != 0 {
			mount_st_unexpected(err)
			continue
		}
		if err := Do_mkdirat(uapi.AT_FDCWD, mount_st_name(p[:], i, "/x"), 0o755); err != 0 {
			mount_st_unexpected(err)
		}
		if err := Do_mount(mount_st_tmpfs, mount_st_name(p[:], i, "/x"), mount_st_tmpfs, 0, nil); err != 0 {
			mount_st_unexpected(err)
		}
		// Walks down into the mounts (lookup_mnt), up out of them
		// (follow_dotdot) and names them (d_path), here and next door.
		for _, j := range [2]int{i, (i + 1) % MOUNT_ST_THREADS} {
			var path Path
			if Kern_path(mount_st_name(p[:], j, "/x/../x"), LOOKUP_FOLLOW, &path) == 0 {
				if path.Mnt.Mnt_sb.S_type.Name == "tmpfs" {
					st.walks.Add(1)
				}
				d_path_in(&path, &Init_fs.Root, dbuf[:])
				Path_put(&path)
			}
		}
		if r%2 == 0 {
			mount_st_umount(mount_st_name(p[:], i, "/x"))
			mount_st_umount(mount_st_name(p[:], i, ""))
		} else if err := Ksys_umount(mount_st_name(p[:], i, ""), uapi.MNT_DETACH); err != 0 {
			mount_st_unexpected(err)
		}
		sched.Yield()
	}
	return 0
}

// mount_st_umount unmounts name, again while a walk of another thread
// holds the mount (-EBUSY, as Linux's). A walk is short, but its vCPU
// can lose the host CPU for a while under TCG: on a host at load 11 one
// boot saw 10266 busy answers where others see 160-770, so the give-up is
// ten seconds of guest time refused, not a count of tries.
func mount_st_umount(name []byte) {
	give_up := ktime.Get_jiffies_64() + 10*ktime.HZ
	for {
		err := Ksys_umount(name, 0)
		if err == 0 {
			return
		}
		if err != -EBUSY || ktime.Get_jiffies_64() > give_up {
			mount_st_unexpected(err)
			return
		}
		mount_st.busy.Add(1)
		sched.Yield()
	}
}

// mount_st_census counts the namespace's list, the root mount's
// children, and pairs of mounts in the list with one id.
func mount_st_census() (listed, children, sameId int) {
	flags := mount_lock_irq()
	for l := Init_ns.List.Next; l != &Init_ns.List && listed < 10000; l = l.Next {
		listed++
		for l2 := l.Next; l2 != &Init_ns.List; l2 = l2.Next {
			if mount_of_list(l2).Mnt_id == mount_of_list(l).Mnt_id {
				sameId++
			}
		}
	}
	root := Init_ns.Root
	for l := root.Mnt_mounts.Next; l != &root.Mnt_mounts && children < 10000; l = l.Next {
		children++
	}
	mount_unlock_irq(flags)
	return listed, children, sameId
}

// Test_fs_mount_smp: the mount tree comes back as it was.
func Test_fs_mount_smp(t *kunit.Kunit) {
	st := &mount_st
	var p [64]byte
	before, bugs := st_snapshot(), Vfs_bugs
	mounts := Init_ns.Mounts
	_, children0, _ := mount_st_census()
	if err := Do_mkdirat(uapi.AT_FDCWD, p[:copy(p[:], mount_st_dir)], 0o755); err != 0 {
		t.Errorf("mkdir %s: %d", printk.Str(mount_st_dir), printk.Int(err))
		return
	}
	for i := 0; i < MOUNT_ST_THREADS; i++ {
		Do_mkdirat(uapi.AT_FDCWD, mount_st_name(p[:], i, ""), 0o755)
	}
	st.other.Store(0)
	st.walks.Store(0)
	st.busy.Store(0)
	st.cpus.Store(0)
	if !st_run_kthreads(t, mount_st_thread, MOUNT_ST_THREADS, "mount") {
		return
	}
	listed, children, sameId := mount_st_census()
	printk.Pr_info("fs_mount_smp: %d threads, %d rounds of two mounts and their unmount, on CPUs %#x, %d walks into them, %d unmounts busy: %d mounts counted (%d before), %d listed, root has %d children (%d before), %d ids shared, %d unexpected errors (last %d)\n",
		printk.Int(MOUNT_ST_THREADS), printk.Int(MOUNT_ST_ROUNDS), printk.Int(st.cpus.Load()), printk.Int(st.walks.Load()), printk.Int(st.busy.Load()),
		printk.Int(Init_ns.Mounts), printk.Int(mounts), printk.Int(listed), printk.Int(children), printk.Int(children0),
		printk.Int(sameId), printk.Int(st.other.Load()), printk.Int(st.lastErr.Load()))
	if Init_ns.Mounts != mounts || listed != mounts || children != children0 || sameId != 0 {
		t.Errorf("mount tree: %d mounts counted, %d listed (want %d), root's children %d (want %d), %d ids shared",
			printk.Int(Init_ns.Mounts), printk.Int(listed), printk.Int(mounts), printk.Int(children), printk.Int(children0), printk.Int(sameId))
	}
	if st.other.Load() != 0 {
		t.Errorf("%d unexpected errors, the last %d", printk.Int(st.other.Load()), printk.Int(st.lastErr.Load()))
	}
	for i := 0; i < MOUNT_ST_THREADS; i++ {
		Do_rmdir(uapi.AT_FDCWD, mount_st_name(p[:], i, ""))
	}
	if err := Do_rmdir(uapi.AT_FDCWD, p[:copy(p[:], mount_st_dir)]); err != 0 {
		t.Errorf("rmdir %s: %d", printk.Str(mount_st_dir), printk.Int(err))
		return
	}
	if after := st_snapshot(); after != before || Vfs_bugs != bugs {
		t.Errorf("leak: inodes %d→%d, dentries %d→%d, files %d→%d, %d refcount bugs",
			printk.Int(before.inodes), printk.Int(after.inodes), printk.Int(before.dentries), printk.Int(after.dentries),
			printk.Int(before.files), printk.Int(after.files), printk.Int(Vfs_bugs-bugs))
	}
}
