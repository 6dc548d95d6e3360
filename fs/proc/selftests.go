package proc

import (
	"gokern/fs"
	"gokern/include/uapi"
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
