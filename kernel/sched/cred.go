package sched

import "gokern/include/uapi"

// A task's credentials. Linux: include/linux/cred.h (struct cred),
// kernel/cred.c (prepare_creds, commit_creds: a task's creds are copied
// at clone and replaced whole by the set*id calls), kernel/groups.c
// (group_info), kernel/capability.c (capable). Linux shares one
// refcounted cred between tasks until one changes it; gokern keeps a copy
// in each task, which is the same as long as nothing else holds a
// reference (no open file records its opener's creds here). Like Linux,
// creds are per task, not per process: glibc's setuid makes every thread
// call it (setxid).

// NGROUPS_SMALL: the supplementary groups gokern keeps (Linux's
// group_info grows to NGROUPS_MAX, 65536; setgroups with more than this
// many gets -EINVAL here, and says so in the log).
const NGROUPS_SMALL = 32

// Cred is struct cred's ids: real, effective, saved and file-system user
// and group ids, and the supplementary groups, sorted as Linux's
// groups_sort leaves them.
type Cred struct {
	Uid, Gid     uint32
	Suid, Sgid   uint32
	Euid, Egid   uint32
	Fsuid, Fsgid uint32
	Ngroups      int32
	Groups       [NGROUPS_SMALL]uint32
	// Securebits: the SECBIT_* flags (include/uapi/linux/securebits.h)
	// prctl sets; per task like the rest.
	Securebits uint32
}

// The securebits gokern keeps (include/uapi/linux/securebits.h):
// SECURE_KEEP_CAPS (bit 4), PR_SET_KEEPCAPS's flag, and its lock (bit 5).
// Linux keeps a task's permitted capabilities across a setuid away from
// root when it is set; gokern has no capability sets (Capable), so the
// flag is recorded, read back and cleared at execve, as Linux's
// prepare_exec_creds does, and changes nothing else.
const (
	SECBIT_KEEP_CAPS        = 1 << 4
	SECBIT_KEEP_CAPS_LOCKED = 1 << 5
)

// GLOBAL_ROOT_UID: root (Linux's INIT_USER is its user_struct). Every task
// starts as root (init_cred) and forks inherit their parent's creds.
const GLOBAL_ROOT_UID = 0

// Capable reports whether the current task has the capability cap (Linux
// capable → ns_capable → security_capable): gokern has no capability
// sets, so it answers as Linux does for a task with the default sets of
// its effective uid — root has them all, everyone else none (the
// traditional superuser model, Documentation/security/credentials.rst).
func Capable(cap int) bool { return Get_current().Cred.Euid == GLOBAL_ROOT_UID }

// The capabilities gokern asks about (include/uapi/linux/capability.h).
const (
	CAP_SETGID       = 6
	CAP_SETUID       = 7
	CAP_SYS_ADMIN    = 21
	CAP_SYS_BOOT     = 22
	CAP_SYS_RESOURCE = 24
)

// Nr_processes_of counts the tasks whose real uid is uid, dead ones not
// yet reaped included (Linux's per-user count, ucounts'
// UCOUNT_RLIMIT_NPROC: incremented by copy_process for the child's real
// uid, moved by set_user, dropped by release_task). gokern counts them
// when asked, walking the task list: forks are few. The caller holds
// Tasklist_lock.
func Nr_processes_of(uid uint32) int {
	n := 0
	For_each_process(func(t *Task_struct) bool {
		if t != &Init_task && t.Flags&PF_KTHREAD == 0 && t.Cred.Uid == uid {
			n++
		}
		return true
	})
	return n
}

// Nr_refused_nproc counts forks refused by RLIMIT_NPROC.
var Nr_refused_nproc uint64

// rlimit_nproc_exceeded: would one more task for cur's real uid pass its
// RLIMIT_NPROC (Linux copy_process: is_rlimit_overlimit, unless the user
// is root's or the task has CAP_SYS_RESOURCE or CAP_SYS_ADMIN)? With
// Tasklist_lock held.
func rlimit_nproc_exceeded(cur *Task_struct) bool {
	if cur.Cred.Uid == GLOBAL_ROOT_UID || Capable(CAP_SYS_RESOURCE) || Capable(CAP_SYS_ADMIN) {
		return false
	}
	return uint64(Nr_processes_of(cur.Cred.Uid)) >= Task_rlimit(cur, uapi.RLIMIT_NPROC)
}

// CAP_CHOWN: change any file's owner and group (Linux
// include/uapi/linux/capability.h).
const CAP_CHOWN = 0

// In_group_p: gid is the current task's fs group or one of its
// supplementary groups (Linux kernel/groups.c in_group_p).
func In_group_p(gid uint32) bool {
	c := &Get_current().Cred
	if gid == c.Fsgid {
		return true
	}
	for i := int32(0); i < c.Ngroups; i++ {
		if c.Groups[i] == gid {
			return true
		}
	}
	return false
}
