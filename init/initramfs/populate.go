package initramfs

import (
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/arch/amd64/tsc"
	"gokern/cmdline"
	"gokern/fs"
	"gokern/include/uapi"
	"gokern/mm"
	"gokern/printk"
)

// Populating rootfs at boot. Linux: init/initramfs.c (populate_rootfs,
// do_populate_rootfs, the __initramfs_start archive linked into the
// kernel), usr/default_cpio_list, arch/x86/mm/init.c (free_initrd_mem).

// X__initramfs_start is the built-in archive (Linux __initramfs_start,
// built from usr/default_cpio_list when no CONFIG_INITRAMFS_SOURCE is
// given): /dev, /dev/console (c 5 1) and /root, so that init has a
// console even when the initrd brings none. TestBuiltinArchive checks it
// byte for byte against u-root's cpio writer (GNU cpio's upper-case hex). (A string constant: the kernel reads it
// where the linker put it.)
const X__initramfs_start = "" +
	"070701" + "00000001" + "000041ED" + "00000000" + "00000000" + "00000002" + "00000000" + "00000000" +
	"00000000" + "00000000" + "00000000" + "00000000" + "00000004" + "00000000" + "dev\x00" + "\x00\x00" +
	"070701" + "00000002" + "00002180" + "00000000" + "00000000" + "00000001" + "00000000" + "00000000" +
	"00000000" + "00000000" + "00000005" + "00000001" + "0000000C" + "00000000" + "dev/console\x00" + "\x00\x00" +
	"070701" + "00000003" + "000041C0" + "00000000" + "00000000" + "00000002" + "00000000" + "00000000" +
	"00000000" + "00000000" + "00000000" + "00000000" + "00000005" + "00000000" + "root\x00" + "\x00" +
	"070701" + "00000000" + "00000000" + "00000000" + "00000000" + "00000001" + "00000000" + "00000000" +
	"00000000" + "00000000" + "00000000" + "00000000" + "0000000B" + "00000000" + "TRAILER!!!\x00" + "\x00\x00\x00"

// Unpacked is the last populate_rootfs's result, for the selftests.
var Unpacked struct {
	Message    string
	Stats      Stats
	Bytes      uint64 // the initrd's size
	Ns         uint64 // how long unpacking took
	FreedPages uint64 // initrd pages given to the buddy allocator
	WholePages uint64 // whole pages the initrd covers
	FreeDelta  uint64 // how the buddy allocator's free count changed
}

// Populate_rootfs unpacks the built-in archive, then the initrd the
// loader put at physical [start, start+size), and frees the initrd's
// pages unless the command line says retain_initrd (Linux populate_rootfs
// → do_populate_rootfs, then free_initrd_mem). A bad initrd is reported and what it held whole
// stays; the boot goes on, as Linux's does.
func Populate_rootfs(start, size uint64) {
	if err, _ := Unpack_to_rootfs(unsafe.Slice(unsafe.StringData(X__initramfs_start), len(X__initramfs_start))); err != "" {
		// Linux panics (the kernel's own archive is broken); the archive
		// is a constant a host test checks, so only memory can fail here,
		// and the boot goes on without it.
		printk.Pr_emerg("initramfs: built-in archive: %s\n", printk.Str(err))
	}
	if size == 0 {
		return
	}
	printk.Pr_info("Trying to unpack rootfs image as initramfs...\n")
	buf := unsafe.Slice((*byte)(unsafe.Add(nil, initrdVirt(start))), size)
	t0 := tsc.Local_clock()
	msg, st := Unpack_to_rootfs(buf)
	ns := tsc.Local_clock() - t0
	Unpacked.Message, Unpacked.Stats, Unpacked.Bytes, Unpacked.Ns = msg, st, size, ns
	if msg != "" {
		printk.Pr_emerg("Initramfs unpacking failed: %s\n", printk.Str(msg))
	}
	printk.Pr_info("initramfs: %d files, %d directories, %d other entries (%d skipped) from %d bytes in %d us\n",
		printk.Int(st.Files), printk.Int(st.Dirs), printk.Int(st.Others), printk.Int(st.Skipped),
		printk.Int(size), printk.Int(ns/1000))
	if cmdline.Cmdline_find_option_bool(cmdline.BootCommandLine(), "retain_initrd") {
		// Linux's retain_initrd: the image stays where the loader put it
		// (the boot tests compare it with the file).
		return
	}
	free := mm.Nr_free_pages()
	Unpacked.FreedPages = Free_initrd_mem(start, start+size)
	Unpacked.FreeDelta = mm.Nr_free_pages() - free
	if lo, hi := (start+asm.PAGE_SIZE-1)&^(asm.PAGE_SIZE-1), (start+size)&^(asm.PAGE_SIZE-1); hi > lo {
		Unpacked.WholePages = (hi - lo) >> asm.PAGE_SHIFT
	}
}

// initrdVirt is the direct-map address of physical address pa (Linux
// phys_to_virt, through the page map so that the host tests work).
func initrdVirt(pa uint64) uintptr {
	return mm.Page_address(mm.Pfn_to_page(pa>>asm.PAGE_SHIFT)) + uintptr(pa&(asm.PAGE_SIZE-1))
}

// Free_initrd_mem gives the initrd's whole pages to the buddy allocator
// (Linux free_initrd_mem → free_reserved_area, "Freeing initrd memory").
// A partial page at either end stays reserved: gokern reserves the
// initrd to the byte (x86 Linux rounds its reservation up to a page in
// early_reserve_initrd and frees the last page too).
func Free_initrd_mem(start, end uint64) uint64 {
	return mm.Free_reserved_area(initrdVirt(start), initrdVirt(end-1)+1, mm.POISON_FREE_INITMEM, "initrd")
}

// Console_on_rootfs opens /dev/console for init as descriptors 0, 1 and
// 2 (Linux init/main.c console_on_rootfs), on the current task's table;
// without a console: Linux's warning.
func Console_on_rootfs() int {
	f, err := fs.Filp_open([]byte("/dev/console"), uapi.O_RDWR, 0)
	if err != 0 {
		printk.Pr_err("Warning: unable to open an initial console.\n")
		return err
	}
	for i := 0; i < 3; i++ {
		fd := fs.Get_unused_fd_flags(0)
		if fd < 0 {
			fs.Fput(f)
			return fd
		}
		fs.Fd_install(fd, fs.Get_file(f))
	}
	fs.Fput(f)
	return 0
}
