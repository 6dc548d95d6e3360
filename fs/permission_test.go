package fs_test

import (
	"testing"

	"gokern/fs"
	"gokern/include/uapi"
)

// The permission checks of Linux's fs/namei.c and fs/open.c (may_lookup,
// may_open, may_create, may_delete, check_sticky, the owner checks of
// chmod and utimensat, faccessat's real ids), made by the VFS for a
// caller given by the credentials hooks kernel/exec sets.

// asUser makes the VFS's caller uid, gid (in no other group; root's
// capabilities only for uid 0; ruid the real uid faccessat sees) until
// the test ends; nil hooks, the kernel's own credentials, again after.
func asUser(t *testing.T, uid, gid, ruid uint32) {
	t.Helper()
	fs.Current_fsuid_fsgid = func() (uint32, uint32) { return uid, gid }
	fs.Capable_hook = func(int) bool { return uid == 0 }
	fs.In_group_hook = func(g uint32) bool { return g == gid }
	fs.Current_access_ids = func(g uint32) (uint32, bool) { return ruid, g == gid }
	t.Cleanup(func() {
		fs.Current_fsuid_fsgid, fs.Capable_hook, fs.In_group_hook, fs.Current_access_ids = nil, nil, nil, nil
	})
}

func chmod(path string, mode uint32) int { return fs.Do_fchmodat(AT_FDCWD, []byte(path), mode, 0) }

func TestGenericPermission(t *testing.T) {
	asUser(t, 1000, 100, 1000)
	for _, c := range []struct {
		mode     uint32
		uid, gid uint32
		mask     int
		want     int
	}{
		{uapi.S_IFREG | 0o600, 1000, 0, fs.MAY_READ | fs.MAY_WRITE, 0},
		{uapi.S_IFREG | 0o600, 0, 0, fs.MAY_READ, -uapi.EACCES},
		{uapi.S_IFREG | 0o644, 0, 0, fs.MAY_READ, 0},
		{uapi.S_IFREG | 0o644, 0, 0, fs.MAY_WRITE, -uapi.EACCES},
		{uapi.S_IFREG | 0o064, 0, 100, fs.MAY_WRITE, 0},
		// The owner's bits decide for the owner, even when the group's
		// or the others' would allow.
		{uapi.S_IFREG | 0o066, 1000, 100, fs.MAY_READ, -uapi.EACCES},
		// The group's bits for a member, even when the others' allow.
		{uapi.S_IFREG | 0o604, 0, 100, fs.MAY_READ, -uapi.EACCES},
		{uapi.S_IFDIR | 0o755, 0, 0, fs.MAY_EXEC, 0},
		{uapi.S_IFDIR | 0o755, 0, 0, fs.MAY_WRITE | fs.MAY_EXEC, -uapi.EACCES},
		{uapi.S_IFDIR | 0o700, 0, 0, fs.MAY_EXEC, -uapi.EACCES},
	} {
		inode := fs.Inode{I_mode: c.mode, I_uid: c.uid, I_gid: c.gid}
		if got := fs.Generic_permission(&inode, c.mask); got != c.want {
			t.Errorf("mode %#o uid %d gid %d mask %d: %s, want %s", c.mode, c.uid, c.gid, c.mask, errname(got), errname(c.want))
		}
	}
	// Root: anything but executing a file without any x bit.
	asUser(t, 0, 0, 0)
	for _, c := range []struct {
		mode uint32
		mask int
		want int
	}{
		{uapi.S_IFREG | 0o000, fs.MAY_READ | fs.MAY_WRITE, 0},
		{uapi.S_IFREG | 0o000, fs.MAY_EXEC, -uapi.EACCES},
		{uapi.S_IFREG | 0o001, fs.MAY_EXEC, 0},
		{uapi.S_IFDIR | 0o000, fs.MAY_READ | fs.MAY_WRITE | fs.MAY_EXEC, 0},
	} {
		inode := fs.Inode{I_mode: c.mode, I_uid: 1000, I_gid: 1000}
		if got := fs.Generic_permission(&inode, c.mask); got != c.want {
			t.Errorf("root: mode %#o mask %d: %s, want %s", c.mode, c.mask, errname(got), errname(c.want))
		}
	}
}

func TestPermissionChecks(t *testing.T) {
	boot(t)
	d := tmpdir(t) // root's, 0755
	writeFile(t, d+"/secret", []byte("s"))
	writeFile(t, d+"/public", []byte("p"))
	wantErr(t, "chmod secret", chmod(d+"/secret", 0o600), 0)
	wantErr(t, "mkdir private", mkdir(d+"/private", 0o700), 0)
	writeFile(t, d+"/private/f", []byte("f"))
	wantErr(t, "mkdir sticky", mkdir(d+"/sticky", 0o1777), 0)
	wantErr(t, "chmod sticky", chmod(d+"/sticky", 0o1777), 0) // past the umask
	writeFile(t, d+"/sticky/rootfile", []byte("r"))
	writeFile(t, d+"/sticky/given", []byte("g"))
	wantErr(t, "chown given", fs.Do_fchownat(AT_FDCWD, []byte(d+"/sticky/given"), 1000, 0, 0), 0)
	wantErr(t, "chmod rootfile", chmod(d+"/sticky/rootfile", 0o666), 0)

	asUser(t, 1000, 1000, 1000)
	rdonly, wronly := uint32(uapi.O_RDONLY), uint32(uapi.O_WRONLY)
	wantErr(t, "open private/f", open(d+"/private/f", rdonly, 0), -uapi.EACCES) // may_lookup
	_, err := stat(d+"/private/f", 0)
	wantErr(t, "stat private/f", err, -uapi.EACCES)
	wantErr(t, "chdir private", fs.Ksys_chdir([]byte(d+"/private")), -uapi.EACCES)
	wantErr(t, "chroot private", fs.Ksys_chroot([]byte(d+"/private")), -uapi.EACCES)
	wantErr(t, "open secret", open(d+"/secret", rdonly, 0), -uapi.EACCES)
	wantErr(t, "open public O_WRONLY", open(d+"/public", wronly, 0), -uapi.EACCES)
	wantErr(t, "open public O_TRUNC", open(d+"/public", rdonly|uapi.O_TRUNC, 0), -uapi.EACCES)
	wantErr(t, "open dir O_WRONLY", open(d, wronly, 0), -uapi.EISDIR)
	wantErr(t, "create", open(d+"/new", wronly|uapi.O_CREAT, 0o644), -uapi.EACCES)
	wantErr(t, "mkdir", mkdir(d+"/newdir", 0o755), -uapi.EACCES)
	wantErr(t, "symlink", symlink("x", d+"/ln"), -uapi.EACCES)
	wantErr(t, "unlink", unlink(d+"/public"), -uapi.EACCES)
	wantErr(t, "rmdir", rmdir(d+"/private"), -uapi.EACCES)
	wantErr(t, "rename", rename(d+"/public", d+"/sticky/p", 0), -uapi.EACCES)
	wantErr(t, "truncate", fs.Do_sys_truncate([]byte(d+"/public"), 0), -uapi.EACCES)
	wantErr(t, "chmod", chmod(d+"/public", 0o666), -uapi.EPERM)
	// The sticky directory: user may create, but not remove or rename
	// root's file, writable as it is.
	wantErr(t, "unlink sticky rootfile", unlink(d+"/sticky/rootfile"), -uapi.EPERM)
	wantErr(t, "rename sticky rootfile", rename(d+"/sticky/rootfile", d+"/sticky/x", 0), -uapi.EPERM)
	fd := mustOpen(t, d+"/sticky/rootfile", uapi.O_RDWR, 0)
	closefd(t, fd)
	fd = mustOpen(t, d+"/sticky/mine", wronly|uapi.O_CREAT, 0o600)
	closefd(t, fd)
	wantErr(t, "link into sticky", link(d+"/sticky/mine", d+"/sticky/mine2"), 0)
	wantErr(t, "rename own", rename(d+"/sticky/mine2", d+"/sticky/mine3", 0), 0)
	wantErr(t, "unlink own", unlink(d+"/sticky/mine3"), 0)
	wantErr(t, "chmod own", chmod(d+"/sticky/mine", 0o400), 0)
	// Its owner may chmod a file in a group it is not in, but not make
	// it set-group-ID (Linux setattr_prepare: in_group_or_capable).
	wantErr(t, "chmod g+s given", chmod(d+"/sticky/given", 0o2755), 0)
	if st, _ := stat(d+"/sticky/given", 0); st.Mode != uapi.S_IFREG|0o755 {
		t.Errorf("chmod 2755 a file of group 0 as user: mode %#o, want %#o", st.Mode, uapi.S_IFREG|0o755)
	}
	wantErr(t, "access own W_OK", fs.Do_faccessat(AT_FDCWD, []byte(d+"/sticky/mine"), fs.W_OK, 0), -uapi.EACCES)
	wantErr(t, "access own R_OK", fs.Do_faccessat(AT_FDCWD, []byte(d+"/sticky/mine"), fs.R_OK, 0), 0)
	wantErr(t, "access secret", fs.Do_faccessat(AT_FDCWD, []byte(d+"/secret"), fs.R_OK, 0), -uapi.EACCES)

	// faccessat checks the real uid: a set-user-ID root program run by
	// user is refused what user is refused.
	asUser(t, 0, 0, 1000)
	closefd(t, mustOpen(t, d+"/secret", rdonly, 0))
	wantErr(t, "setuid root: access secret", fs.Do_faccessat(AT_FDCWD, []byte(d+"/secret"), fs.R_OK, 0), -uapi.EACCES)

	// Root may do all of it to user's files.
	asUser(t, 0, 0, 0)
	wantErr(t, "root: access secret", fs.Do_faccessat(AT_FDCWD, []byte(d+"/secret"), fs.R_OK|fs.W_OK, 0), 0)
	closefd(t, mustOpen(t, d+"/sticky/mine", uapi.O_RDWR|uapi.O_TRUNC, 0))
	wantErr(t, "root: chmod user's", chmod(d+"/sticky/mine", 0o600), 0)
	wantErr(t, "root: unlink user's in sticky", unlink(d+"/sticky/mine"), 0)
	wantErr(t, "root: unlink rootfile", unlink(d+"/sticky/rootfile"), 0)
}
