package sys

import (
	"gokern/arch/amd64/asm"
	"gokern/fs"
)

// fcntl, dup, dup2, dup3, ioctl. Linux: fs/fcntl.c (fcntl), fs/file.c
// (dup, dup2, dup3), fs/ioctl.c (ioctl): the VFS does each; the argument
// of fcntl's commands is an integer, ioctl's a user pointer its driver
// copies through with the fixups (the tty's TCGETS, TIOCGWINSZ, ...).

func sys_fcntl(r *asm.PtRegs) int64 { return fs.Do_fcntl(int1(r), int2(r), uintptr(a3(r))) }

func sys_dup(r *asm.PtRegs) int64 { return int64(fs.Ksys_dup(int1(r))) }

func sys_dup2(r *asm.PtRegs) int64 { return int64(fs.Ksys_dup2(int1(r), int2(r))) }

func sys_dup3(r *asm.PtRegs) int64 { return int64(fs.Ksys_dup3(int1(r), int2(r), uint32(a3(r)))) }

func sys_ioctl(r *asm.PtRegs) int64 { return fs.Ksys_ioctl(int1(r), uint32(a2(r)), uintptr(a3(r))) }
