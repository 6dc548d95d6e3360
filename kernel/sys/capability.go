package sys

import (
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/include/uapi"
	"gokern/kernel/sched"
)

// capget(2). Linux: kernel/capability.c (sys_capget, cap_validate_magic,
// cap_get_target_pid), include/uapi/linux/capability.h. gokern has no
// capability sets: sched.Capable answers with the traditional superuser
// model, so capget reports the sets that model gives, the ones Linux's
// cap_emulate_setxid leaves a task that never called capset — effective
// full when the effective uid is 0, permitted full while any of the
// real, effective and saved uids is 0, inheritable empty. (A task that
// set PR_SET_KEEPCAPS and then left root keeps its permitted set on
// Linux; gokern reports it empty.) capset is not served.

const (
	X__NR_capget = 125

	_LINUX_CAPABILITY_VERSION_1 = 0x19980330 // one 32-bit word per set
	_LINUX_CAPABILITY_VERSION_2 = 0x20071026 // two words (deprecated)
	_LINUX_CAPABILITY_VERSION_3 = 0x20080522 // two words

	// CAP_LAST_CAP: CAP_CHECKPOINT_RESTORE (Linux 5.9).
	CAP_LAST_CAP = 40
)

// user_cap_header and user_cap_data are struct __user_cap_header_struct
// and one word of struct __user_cap_data_struct.
type user_cap_header struct {
	Version uint32
	Pid     int32
}

type user_cap_data struct {
	Effective, Permitted, Inheritable uint32
}

// cap_validate_magic reads the header's version (Linux
// cap_validate_magic): the number of data words it asks for, -EFAULT for
// a bad header, and -EINVAL for a version Linux does not know, after
// writing the version it prefers into the header.
func cap_validate_magic(header uintptr) (int, int) {
	var version uint32
	if err := copy_from_user_obj(unsafe.Pointer(&version), header, 4); err != 0 {
		return 0, err
	}
	switch version {
	case _LINUX_CAPABILITY_VERSION_1:
		return 1, 0
	case _LINUX_CAPABILITY_VERSION_2, _LINUX_CAPABILITY_VERSION_3:
		return 2, 0
	}
	version = _LINUX_CAPABILITY_VERSION_3
	if err := copy_to_user_obj(header, unsafe.Pointer(&version), 4); err != 0 {
		return 0, err
	}
	return 0, -uapi.EINVAL
}

// sys_capget: capget(header, data) (Linux sys_capget). A NULL data with
// an unknown version is the probe for the preferred version and answers
// 0; pid 0 or the caller's own is the caller, another pid that task or
// -ESRCH, a negative one -EINVAL.
func sys_capget(r *asm.PtRegs) int64 {
	header, data := uintptr(a1(r)), uintptr(a2(r))
	tocopy, err := cap_validate_magic(header)
	if data == 0 || err != 0 {
		if data == 0 && err == -uapi.EINVAL {
			return 0
		}
		return int64(err)
	}
	var h user_cap_header
	if err := copy_from_user_obj(unsafe.Pointer(&h), header, unsafe.Sizeof(h)); err != 0 {
		return int64(err)
	}
	if h.Pid < 0 {
		return -uapi.EINVAL
	}
	t := sched.Get_current()
	if h.Pid != 0 && h.Pid != t.Pid {
		flags := sched.Tasklist_lock.Spin_lock_irqsave(0)
		t = sched.Find_task_by_pid(h.Pid)
		var c sched.Cred
		if t != nil {
			c = t.Cred
		}
		sched.Tasklist_lock.Spin_unlock_irqrestore(flags)
		if t == nil {
			return -uapi.ESRCH
		}
		return int64(put_cap_data(data, tocopy, &c))
	}
	return int64(put_cap_data(data, tocopy, &t.Cred))
}

// put_cap_data writes tocopy words of the sets c's ids give (see above).
func put_cap_data(data uintptr, tocopy int, c *sched.Cred) int {
	var full [2]uint32
	full[0] = ^uint32(0)
	full[1] = 1<<(CAP_LAST_CAP-31) - 1
	var d [2]user_cap_data
	for i := range d {
		if c.Euid == sched.GLOBAL_ROOT_UID {
			d[i].Effective = full[i]
		}
		if c.Uid == sched.GLOBAL_ROOT_UID || c.Euid == sched.GLOBAL_ROOT_UID || c.Suid == sched.GLOBAL_ROOT_UID {
			d[i].Permitted = full[i]
		}
	}
	return copy_to_user_obj(data, unsafe.Pointer(&d[0]), uintptr(tocopy)*unsafe.Sizeof(d[0]))
}
