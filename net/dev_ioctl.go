package net

import (
	"encoding/binary"
	"unsafe"

	"gokern/fs"
	"gokern/include/uapi"
)

// The interface ioctls any socket answers (Linux net/core/dev_ioctl.c):
// sock_ioctl comes here when the family's ioctl does not know the
// command (-ENOIOCTLCMD). AF_INET answers the address ones itself
// (net/ipv4/devinet.go, Devinet_ioctl).

// ENOIOCTLCMD: a family's ioctl does not know the command (Linux
// include/linux/errno.h; never seen by user space).
const ENOIOCTLCMD = 515

// CAP_NET_ADMIN: the capability to configure devices
// (include/uapi/linux/capability.h).
const CAP_NET_ADMIN = 12

// Is_socket_ioctl_cmd: cmd is one of the socket ioctls, type 0x89
// (Linux is_socket_ioctl_cmd).
func Is_socket_ioctl_cmd(cmd uint32) bool { return (cmd>>8)&0xff == uapi.SOCK_IOC_TYPE }

// Get_user_ifreq copies the caller's struct ifreq in, its name made a
// string (Linux get_user_ifreq): -EFAULT.
func Get_user_ifreq(ifr *uapi.Ifreq, arg uintptr) int {
	if fs.CopyObjFromUser(unsafe.Pointer(ifr), arg, unsafe.Sizeof(*ifr)) != 0 {
		return -uapi.EFAULT
	}
	return 0
}

// Put_user_ifreq copies it back (Linux put_user_ifreq): -EFAULT.
func Put_user_ifreq(ifr *uapi.Ifreq, arg uintptr) int {
	return fs.CopyObjToUser(arg, unsafe.Pointer(ifr), unsafe.Sizeof(*ifr))
}

// Ifr_name is the device name of ifr, cut at a ':' (an alias label's
// device, Linux dev_ioctl's colon) and at IFNAMSIZ-1.
func Ifr_name(ifr *uapi.Ifreq) []byte {
	ifr.Ifr_name[IFNAMSIZ-1] = 0
	n := 0
	for n < IFNAMSIZ && ifr.Ifr_name[n] != 0 && ifr.Ifr_name[n] != ':' {
		n++
	}
	return ifr.Ifr_name[:n]
}

// sock_do_ioctl is what sock_ioctl does with a command the family did
// not take (Linux sock_do_ioctl): SIOCGIFCONF, or one of dev_ioctl's;
// anything else -ENOTTY.
func sock_do_ioctl(cmd uint32, arg uintptr) int64 {
	if !Is_socket_ioctl_cmd(cmd) {
		return -uapi.ENOTTY
	}
	if cmd == uapi.SIOCGIFCONF {
		return int64(Dev_ifconf(arg))
	}
	var ifr uapi.Ifreq
	if err := Get_user_ifreq(&ifr, arg); err != 0 {
		return int64(err)
	}
	err := Dev_ioctl(cmd, &ifr)
	if err == 0 && Put_user_ifreq(&ifr, arg) != 0 {
		return -uapi.EFAULT
	}
	return int64(err)
}

// Dev_ioctl answers the device ioctls on ifr (Linux dev_ioctl,
// dev_ifsioc_locked, dev_ifsioc): -ENODEV for a name no device has,
// -EPERM for a setting without CAP_NET_ADMIN.
func Dev_ioctl(cmd uint32, ifr *uapi.Ifreq) int {
	if cmd == uapi.SIOCGIFNAME {
		return dev_ifname(ifr)
	}
	name := Ifr_name(ifr)
	switch cmd {
	case uapi.SIOCGIFFLAGS, uapi.SIOCGIFMETRIC, uapi.SIOCGIFMTU, uapi.SIOCGIFSLAVE,
		uapi.SIOCGIFMAP, uapi.SIOCGIFINDEX, uapi.SIOCGIFTXQLEN, uapi.SIOCGIFHWADDR:
		dev := Dev_get_by_name(name)
		if dev == nil {
			return -uapi.ENODEV
		}
		return dev_ifsioc_locked(dev, cmd, ifr)
	case uapi.SIOCSIFFLAGS, uapi.SIOCSIFMETRIC, uapi.SIOCSIFMTU, uapi.SIOCSIFMAP,
		uapi.SIOCSIFHWADDR, uapi.SIOCSIFSLAVE, uapi.SIOCADDMULTI, uapi.SIOCDELMULTI,
		uapi.SIOCSIFHWBROADCAST, uapi.SIOCSIFTXQLEN, uapi.SIOCSIFNAME:
		if !Capable(CAP_NET_ADMIN) {
			return -uapi.EPERM
		}
		dev := Dev_get_by_name(name)
		if dev == nil {
			return -uapi.ENODEV
		}
		return dev_ifsioc(dev, cmd, ifr)
	case uapi.SIOCGIFMEM, uapi.SIOCSIFMEM, uapi.SIOCSIFLINK:
		return -uapi.ENOTTY
	}
	if cmd >= uapi.SIOCDEVPRIVATE && cmd <= uapi.SIOCDEVPRIVATE+15 {
		// A driver's private commands: lo has none (Linux
		// dev_siocdevprivate without ndo_siocdevprivate).
		if Dev_get_by_name(name) == nil {
			return -uapi.ENODEV
		}
		return -uapi.EOPNOTSUPP
	}
	return -uapi.ENOTTY
}

// dev_ifname: SIOCGIFNAME, the name of the device whose index is in the
// union (Linux dev_ifname, netdev_get_name).
func dev_ifname(ifr *uapi.Ifreq) int {
	dev := Dev_get_by_index(int32(binary.LittleEndian.Uint32(ifr.Ifr_ifru[:])))
	if dev == nil {
		return -uapi.ENODEV
	}
	ifr.Ifr_name = dev.Name
	return 0
}

// dev_ifsioc_locked answers the reading commands (Linux
// dev_ifsioc_locked, dev_get_mac_address).
func dev_ifsioc_locked(dev *Net_device, cmd uint32, ifr *uapi.Ifreq) int {
	u := ifr.Ifr_ifru[:]
	switch cmd {
	case uapi.SIOCGIFFLAGS:
		// ifr_flags is a short: the bits above 15 (LOWER_UP...) are
		// netlink's alone.
		binary.LittleEndian.PutUint16(u, uint16(Dev_get_flags(dev)))
	case uapi.SIOCGIFMETRIC:
		binary.LittleEndian.PutUint32(u, 0) // Linux: always 0
	case uapi.SIOCGIFMTU:
		binary.LittleEndian.PutUint32(u, dev.Mtu)
	case uapi.SIOCGIFSLAVE:
		return -uapi.EINVAL
	case uapi.SIOCGIFMAP:
		// struct ifmap: memory, I/O port, IRQ, DMA: lo has none.
		clear(u)
	case uapi.SIOCGIFINDEX:
		binary.LittleEndian.PutUint32(u, uint32(dev.Ifindex))
	case uapi.SIOCGIFTXQLEN:
		binary.LittleEndian.PutUint32(u, dev.Tx_queue_len)
	case uapi.SIOCGIFHWADDR:
		// A struct sockaddr: the hardware type, then the address.
		clear(u[:16])
		binary.LittleEndian.PutUint16(u, dev.Type)
		copy(u[2:16], dev.Dev_addr[:dev.Addr_len])
	}
	return 0
}

// The flags SIOCSIFFLAGS just records (Linux __dev_change_flags).
const iff_settable = 0x4 | 0x20 | IFF_NOARP | 0x8000 | IFF_MULTICAST | 0x2000 | 0x4000

// dev_ifsioc answers the setting commands (Linux dev_ifsioc). gokern's
// lo cannot be reconfigured: AF_INET's sockets do not go through it, so
// taking it down, changing its MTU or its addresses would say something
// that does not happen. SIOCSIFFLAGS that leaves UP, PROMISC and
// ALLMULTI as they are succeeds (`ifconfig lo up` on an lo that is up,
// which is also a no-op on Linux); anything that would change what the
// device does is -EOPNOTSUPP. SIOCSIFMETRIC is -EOPNOTSUPP on Linux too.
func dev_ifsioc(dev *Net_device, cmd uint32, ifr *uapi.Ifreq) int {
	if cmd == uapi.SIOCSIFFLAGS {
		return Dev_change_flags(dev, uint32(binary.LittleEndian.Uint16(ifr.Ifr_ifru[:])))
	}
	return -uapi.EOPNOTSUPP
}

// Dev_change_flags sets dev's configuration flags (Linux
// dev_change_flags): see dev_ifsioc.
func Dev_change_flags(dev *Net_device, flags uint32) int {
	if (flags^dev.Flags)&IFF_UP != 0 || flags&(IFF_PROMISC|IFF_ALLMULTI) != 0 {
		return -uapi.EOPNOTSUPP
	}
	dev.Flags = flags&iff_settable | dev.Flags&^iff_settable
	return 0
}

// Dev_ifconf: SIOCGIFCONF, one struct ifreq per IPv4 address of each
// device, its label and address, as many as fit in the caller's buffer;
// with no buffer, the length all would take (Linux dev_ifconf,
// inet_gifconf). The length is written back into ifc_len.
func Dev_ifconf(arg uintptr) int {
	var ifc uapi.Ifconf
	if fs.CopyObjFromUser(unsafe.Pointer(&ifc), arg, unsafe.Sizeof(ifc)) != 0 {
		return -uapi.EFAULT
	}
	size := int32(unsafe.Sizeof(uapi.Ifreq{}))
	total := int32(0)
	for dev := Dev_base_head; dev != nil; dev = dev.Next {
		in := In_dev_get(dev)
		if in == nil {
			continue
		}
		for ifa := in.Ifa_list; ifa != nil; ifa = ifa.Ifa_next {
			if ifc.Ifc_buf == 0 {
				total += size
				continue
			}
			if ifc.Ifc_len-total < size {
				break
			}
			var ifr uapi.Ifreq
			ifr.Ifr_name = ifa.Ifa_label
			binary.LittleEndian.PutUint16(ifr.Ifr_ifru[:], uapi.AF_INET)
			binary.BigEndian.PutUint32(ifr.Ifr_ifru[4:], ifa.Ifa_local)
			if fs.CopyObjToUser(ifc.Ifc_buf+uintptr(total), unsafe.Pointer(&ifr), uintptr(size)) != 0 {
				return -uapi.EFAULT
			}
			total += size
		}
	}
	return fs.CopyObjToUser(arg, unsafe.Pointer(&total), 4)
}
