package sys

import (
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/fs"
	"gokern/include/uapi"
	"gokern/kernel/sched"
	"gokern/printk"
)

// The credential system calls. Linux: kernel/sys.c (getuid, geteuid,
// getgid, getegid, setuid, setgid, setreuid, setregid, setresuid,
// getresuid, setresgid, getresgid, setfsuid, setfsgid) and
// kernel/groups.c (getgroups, setgroups). Each set* call works on a copy
// of the caller's creds and installs it whole (prepare_creds,
// commit_creds); an unprivileged caller may only shuffle among its own
// real, effective and saved ids, one with CAP_SETUID/CAP_SETGID (gokern:
// effective uid 0, sched.Capable) may set any.

// The numbers (syscall_64.tbl; syscall_32.tbl's 32-bit-id calls; the
// others are traps').
const (
	X__NR_setuid    = 105
	X__NR_setgid    = 106
	X__NR_setreuid  = 113
	X__NR_setregid  = 114
	X__NR_getgroups = 115
	X__NR_setgroups = 116
	X__NR_setresuid = 117
	X__NR_setresgid = 119
	X__NR_setfsuid  = 122
	X__NR_setfsgid  = 123

	X__NR_ia32_setreuid32  = 203
	X__NR_ia32_setregid32  = 204
	X__NR_ia32_getgroups32 = 205
	X__NR_ia32_setgroups32 = 206
	X__NR_ia32_setresuid32 = 208
	X__NR_ia32_getresuid32 = 209
	X__NR_ia32_setresgid32 = 210
	X__NR_ia32_getresgid32 = 211
	X__NR_ia32_setuid32    = 213
	X__NR_ia32_setgid32    = 214
	X__NR_ia32_setfsuid32  = 215
	X__NR_ia32_setfsgid32  = 216
)

// INVALID_UID: -1 as an id, "leave this one" for the set*id calls that
// take several.
const INVALID_UID = 0xffffffff

func cur_cred() *sched.Cred { return &sched.Get_current().Cred }

func sys_getuid(r *asm.PtRegs) int64  { return int64(cur_cred().Uid) }
func sys_geteuid(r *asm.PtRegs) int64 { return int64(cur_cred().Euid) }
func sys_getgid(r *asm.PtRegs) int64  { return int64(cur_cred().Gid) }
func sys_getegid(r *asm.PtRegs) int64 { return int64(cur_cred().Egid) }

// One of the three ids (Linux uid_eq(x, old->uid) || ... ).
func is_one_of(id, a, b, c uint32) bool { return id == a || id == b || id == c }

// __sys_setuid (Linux): with CAP_SETUID all four user ids; without, the
// effective and fs ids, to the real or the saved one.
func sys_setuid(r *asm.PtRegs) int64 {
	uid := uint32(a1(r))
	if uid == INVALID_UID {
		return -uapi.EINVAL
	}
	c := *cur_cred()
	if sched.Capable(sched.CAP_SETUID) {
		c.Uid, c.Suid = uid, uid
	} else if uid != c.Uid && uid != c.Suid {
		return -uapi.EPERM
	}
	c.Euid, c.Fsuid = uid, uid
	*cur_cred() = c
	return 0
}

// __sys_setgid: setuid's rules for the group ids and CAP_SETGID.
func sys_setgid(r *asm.PtRegs) int64 {
	gid := uint32(a1(r))
	if gid == INVALID_UID {
		return -uapi.EINVAL
	}
	c := *cur_cred()
	if sched.Capable(sched.CAP_SETGID) {
		c.Gid, c.Sgid = gid, gid
	} else if gid != c.Gid && gid != c.Sgid {
		return -uapi.EPERM
	}
	c.Egid, c.Fsgid = gid, gid
	*cur_cred() = c
	return 0
}

// setre: __sys_setreuid's rules on one kind of id (real, effective,
// saved, fs), priv the capability: the real id may become the real or
// effective one, the effective any of the three; the saved id follows
// the new effective one when the real id is set or the effective one
// moves away from the real one.
func setre(real, eff uint32, uid, euid, suid, fsuid *uint32, priv bool) int64 {
	n := [4]uint32{*uid, *euid, *suid, *fsuid}
	if real != INVALID_UID {
		if !priv && real != *uid && real != *euid {
			return -uapi.EPERM
		}
		n[0] = real
	}
	if eff != INVALID_UID {
		if !priv && !is_one_of(eff, *uid, *euid, *suid) {
			return -uapi.EPERM
		}
		n[1] = eff
	}
	if real != INVALID_UID || (eff != INVALID_UID && eff != *uid) {
		n[2] = n[1]
	}
	n[3] = n[1]
	*uid, *euid, *suid, *fsuid = n[0], n[1], n[2], n[3]
	return 0
}

func sys_setreuid(r *asm.PtRegs) int64 {
	c := *cur_cred()
	if e := setre(uint32(a1(r)), uint32(a2(r)), &c.Uid, &c.Euid, &c.Suid, &c.Fsuid, sched.Capable(sched.CAP_SETUID)); e != 0 {
		return e
	}
	*cur_cred() = c
	return 0
}

func sys_setregid(r *asm.PtRegs) int64 {
	c := *cur_cred()
	if e := setre(uint32(a1(r)), uint32(a2(r)), &c.Gid, &c.Egid, &c.Sgid, &c.Fsgid, sched.Capable(sched.CAP_SETGID)); e != 0 {
		return e
	}
	*cur_cred() = c
	return 0
}

// setres: __sys_setresuid's rules: each id given (not -1) must be one of
// the caller's three unless priv; the fs id follows the effective one.
func setres(ids [3]uint32, uid, euid, suid, fsuid *uint32, priv bool) int64 {
	old := [3]uint32{*uid, *euid, *suid}
	for _, id := range ids {
		if id != INVALID_UID && !priv && !is_one_of(id, old[0], old[1], old[2]) {
			return -uapi.EPERM
		}
	}
	for i, p := range [3]*uint32{uid, euid, suid} {
		if ids[i] != INVALID_UID {
			*p = ids[i]
		}
	}
	*fsuid = *euid
	return 0
}

func sys_setresuid(r *asm.PtRegs) int64 {
	c := *cur_cred()
	if e := setres([3]uint32{uint32(a1(r)), uint32(a2(r)), uint32(a3(r))}, &c.Uid, &c.Euid, &c.Suid, &c.Fsuid, sched.Capable(sched.CAP_SETUID)); e != 0 {
		return e
	}
	*cur_cred() = c
	return 0
}

func sys_setresgid(r *asm.PtRegs) int64 {
	c := *cur_cred()
	if e := setres([3]uint32{uint32(a1(r)), uint32(a2(r)), uint32(a3(r))}, &c.Gid, &c.Egid, &c.Sgid, &c.Fsgid, sched.Capable(sched.CAP_SETGID)); e != 0 {
		return e
	}
	*cur_cred() = c
	return 0
}

// put_ids stores three ids at three user pointers: -EFAULT at the first
// bad one, as Linux's put_user sequence.
func put_ids(ids [3]uint32, r *asm.PtRegs) int64 {
	for i, p := range [3]uint64{a1(r), a2(r), a3(r)} {
		if err := asm.Put_user(ids[i], uintptr(p)); err != 0 {
			return int64(err)
		}
	}
	return 0
}

func X__x64_sys_getresuid(r *asm.PtRegs) int64 {
	c := cur_cred()
	return put_ids([3]uint32{c.Uid, c.Euid, c.Suid}, r)
}

func X__x64_sys_getresgid(r *asm.PtRegs) int64 {
	c := cur_cred()
	return put_ids([3]uint32{c.Gid, c.Egid, c.Sgid}, r)
}

// setfs: __sys_setfsuid: the old fs id back always; the new one taken
// when it is one of the caller's ids or priv (an invalid id changes
// nothing).
func setfs(id uint32, uid, euid, suid, fsuid *uint32, priv bool) int64 {
	old := *fsuid
	if id != INVALID_UID && (priv || is_one_of(id, *uid, *euid, *suid) || id == old) {
		*fsuid = id
	}
	return int64(old)
}

func sys_setfsuid(r *asm.PtRegs) int64 {
	c := cur_cred()
	return setfs(uint32(a1(r)), &c.Uid, &c.Euid, &c.Suid, &c.Fsuid, sched.Capable(sched.CAP_SETUID))
}

func sys_setfsgid(r *asm.PtRegs) int64 {
	c := cur_cred()
	return setfs(uint32(a1(r)), &c.Gid, &c.Egid, &c.Sgid, &c.Fsgid, sched.Capable(sched.CAP_SETGID))
}

// NGROUPS_MAX (include/uapi/linux/limits.h).
const NGROUPS_MAX = 65536

// sys_getgroups: getgroups(size, list): the count when size is 0,
// -EINVAL when list is too small.
func sys_getgroups(r *asm.PtRegs) int64 {
	size := int64(int32(a1(r)))
	c := cur_cred()
	if size < 0 {
		return -uapi.EINVAL
	}
	if size == 0 {
		return int64(c.Ngroups)
	}
	if size < int64(c.Ngroups) {
		return -uapi.EINVAL
	}
	if c.Ngroups > 0 {
		if e := fs.CopyObjToUser(uintptr(a2(r)), unsafe.Pointer(&c.Groups[0]), uintptr(c.Ngroups)*4); e != 0 {
			return int64(e)
		}
	}
	return int64(c.Ngroups)
}

// sys_setgroups: setgroups(size, list), CAP_SETGID only; the list kept
// sorted (Linux groups_sort). Past NGROUPS_SMALL gokern refuses with
// -EINVAL and a line saying so (Linux takes up to NGROUPS_MAX).
func sys_setgroups(r *asm.PtRegs) int64 {
	size := int64(int32(a1(r)))
	if !sched.Capable(sched.CAP_SETGID) {
		return -uapi.EPERM
	}
	if size < 0 || size > NGROUPS_MAX {
		return -uapi.EINVAL
	}
	if size > sched.NGROUPS_SMALL {
		printk.Pr_warn("setgroups: %d groups, gokern keeps at most %d: -EINVAL\n", printk.Int(size), printk.Int(sched.NGROUPS_SMALL))
		return -uapi.EINVAL
	}
	var g [sched.NGROUPS_SMALL]uint32
	if size > 0 {
		if e := fs.CopyObjFromUser(unsafe.Pointer(&g[0]), uintptr(a2(r)), uintptr(size)*4); e != 0 {
			return int64(e)
		}
	}
	for i := 1; i < int(size); i++ { // insertion sort: at most 32
		for j := i; j > 0 && g[j] < g[j-1]; j-- {
			g[j], g[j-1] = g[j-1], g[j]
		}
	}
	c := cur_cred()
	c.Groups, c.Ngroups = g, int32(size)
	return 0
}
