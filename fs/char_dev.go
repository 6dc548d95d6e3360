package fs

import (
	"gokern/include/uapi"
	"gokern/printk"
)

// Character devices. Linux: fs/char_dev.c (register_chrdev,
// __register_chrdev_region, chrdev_open, def_chr_fops, /proc/devices),
// fs/block_dev.c's open of a block device node, fs/inode.c (no_open). A
// device node's inode carries i_rdev; opening it finds the driver
// registered for that major and minor and takes its file operations.

// Char_device_struct is one registration (Linux struct
// char_device_struct with its cdev).
type Char_device_struct struct {
	Major     uint32
	Baseminor uint32
	Minorct   uint32
	Name      string
	Fops      *FileOperations
}

// MAX_CHRDEVS: registrations gokern keeps (a static table).
const MAX_CHRDEVS = 32

var chrdevs [MAX_CHRDEVS]Char_device_struct

// Register_chrdev registers fops for minors [baseminor,
// baseminor+count) of major (Linux __register_chrdev): 0, -EBUSY when
// the range overlaps one registered, -ENOSPC when the table is full.
func Register_chrdev(major, baseminor, count uint32, name string, fops *FileOperations) int {
	free := -1
	for i := range chrdevs {
		c := &chrdevs[i]
		if c.Fops == nil {
			if free < 0 {
				free = i
			}
			continue
		}
		if c.Major == major && baseminor < c.Baseminor+c.Minorct && c.Baseminor < baseminor+count {
			return -EBUSY
		}
	}
	if free < 0 {
		return -ENOSPC
	}
	chrdevs[free] = Char_device_struct{Major: major, Baseminor: baseminor, Minorct: count, Name: name, Fops: fops}
	return 0
}

// Unregister_chrdev removes a registration (Linux __unregister_chrdev).
func Unregister_chrdev(major, baseminor uint32) {
	for i := range chrdevs {
		if chrdevs[i].Fops != nil && chrdevs[i].Major == major && chrdevs[i].Baseminor == baseminor {
			chrdevs[i] = Char_device_struct{}
		}
	}
}

// lookup_chrdev finds the registration of dev.
func lookup_chrdev(dev uapi.Dev_t) *Char_device_struct {
	major, minor := uapi.MAJOR(dev), uapi.MINOR(dev)
	for i := range chrdevs {
		c := &chrdevs[i]
		if c.Fops != nil && c.Major == major && minor >= c.Baseminor && minor < c.Baseminor+c.Minorct {
			return c
		}
	}
	return nil
}

// chrdev_open opens a character device node: the driver's operations
// replace the inode's (Linux chrdev_open). No driver: -ENXIO.
func chrdev_open(inode *Inode, f *File) int {
	c := lookup_chrdev(inode.I_rdev)
	if c == nil {
		return -ENXIO
	}
	f.F_op = c.Fops
	if f.F_op.Open != nil {
		return f.F_op.Open(inode, f)
	}
	return 0
}

// Def_chr_fops is what a character device node's inode opens with
// (Linux def_chr_fops).
var Def_chr_fops = FileOperations{Open: chrdev_open}

// Def_blk_fops: gokern has no block devices (-ENXIO, as Linux for a
// node whose device is absent).
var Def_blk_fops = FileOperations{Open: no_open}

// No_open_fops is a node that cannot be opened: a socket (Linux
// no_open).
var No_open_fops = FileOperations{Open: no_open}

func no_open(inode *Inode, f *File) int { return -ENXIO }

// Chrdev_show writes the "Character devices:" part of /proc/devices
// (Linux chrdev_show).
func Chrdev_show(m *Seq_file) {
	Seq_puts(m, "Character devices:\n")
	// By major, as Linux lists them; each major once.
	last := -1
	for {
		next := -1
		for i := range chrdevs {
			c := &chrdevs[i]
			if c.Fops != nil && int(c.Major) > last && (next < 0 || int(c.Major) < int(chrdevs[next].Major)) {
				next = i
			}
		}
		if next < 0 {
			return
		}
		Seq_printf(m, "%3d %s\n", printk.Int(chrdevs[next].Major), printk.Str(chrdevs[next].Name))
		last = int(chrdevs[next].Major)
	}
}
