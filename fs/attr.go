package fs

import "gokern/include/uapi"

// Who may change a file's attributes. Linux: fs/attr.c (chown_ok,
// chgrp_ok, called from setattr_prepare in notify_change).

// Capable_hook and In_group_hook are the caller's credentials (kernel/exec
// points them at kernel/sched's Capable and In_group_p). Nil — the host
// tests, and the kernel before any process — allows everything, as the
// kernel's own credentials do.
var (
	Capable_hook  func(cap int) bool
	In_group_hook func(gid uint32) bool
)

// CAP_CHOWN: change any file's owner and group (Linux capability.h).
const CAP_CHOWN = 0

// chown_ok: the caller may make uid the owner of inode (Linux
// chown_ok): only with CAP_CHOWN, unless it owns the file and uid is
// already its owner (a no-op).
func chown_ok(inode *Inode, uid uint32) bool {
	if Capable_hook == nil || Current_fsuid_fsgid == nil {
		return true
	}
	if fsuid, _ := Current_fsuid_fsgid(); fsuid == inode.I_uid && uid == inode.I_uid {
		return true
	}
	return Capable_hook(CAP_CHOWN)
}

// chgrp_ok: the caller may make gid the group of inode (Linux
// chgrp_ok): its owner may give it its own group again or any group it
// is in (fsgid or a supplementary group); anything else needs
// CAP_CHOWN.
func chgrp_ok(inode *Inode, gid uint32) bool {
	if Capable_hook == nil || Current_fsuid_fsgid == nil || In_group_hook == nil {
		return true
	}
	if fsuid, _ := Current_fsuid_fsgid(); fsuid == inode.I_uid && (gid == inode.I_gid || In_group_hook(gid)) {
		return true
	}
	return Capable_hook(CAP_CHOWN)
}

// CAP_FSETID: keep the set-user-ID and set-group-ID bits (Linux
// capability.h).
const CAP_FSETID = 4

// setattr_should_drop_sgid: ATTR_KILL_SGID when a change of owner should
// clear inode's set-group-ID bit (Linux setattr_should_drop_sgid): it
// has group execute, or the caller is neither in the file's group nor
// CAP_FSETID (in_group_or_capable).
func setattr_should_drop_sgid(inode *Inode) uint32 {
	switch {
	case inode.I_mode&uapi.S_ISGID == 0:
		return 0
	case inode.I_mode&uapi.S_IXGRP != 0:
		return ATTR_KILL_SGID
	case In_group_hook == nil || Capable_hook == nil:
		return 0 // the kernel's own credentials
	case In_group_hook(inode.I_gid) || Capable_hook(CAP_FSETID):
		return 0
	}
	return ATTR_KILL_SGID
}
