package net

// The loopback device (Linux drivers/net/loopback.c).

// Loopback_dev is lo (Linux net->loopback_dev): a static device, never
// freed.
var Loopback_dev Net_device

// Loopback_setup gives lo Linux's properties (loopback_setup): MTU 64 KiB,
// no hardware address (six zero bytes), the noqueue discipline, a
// transmit queue length of 1000 (Linux's default, though lo queues
// nothing), and the carrier always on.
func Loopback_setup(dev *Net_device) {
	copy(dev.Name[:], "lo")
	dev.Type = ARPHRD_LOOPBACK
	dev.Mtu = 64 * 1024
	dev.Tx_queue_len = 1000
	dev.Flags = IFF_LOOPBACK
	dev.Addr_len = 6 // ETH_ALEN
	dev.Num_tx_queues = 1
	dev.Num_rx_queues = 1
	dev.Carrier = true
	dev.Operstate = IF_OPER_UNKNOWN
	copy(dev.Qdisc[:], "noqueue")
}

// Loopback_net_init registers lo and brings it up (Linux
// loopback_net_init; the boot scripts' `ip link set lo up`, which a
// gokern without an init system that would run it does at once: AF_INET
// on 127.0.0.0/8 works from the start, as on a booted Linux).
func Loopback_net_init() int {
	Loopback_setup(&Loopback_dev)
	Register_netdevice(&Loopback_dev)
	Loopback_dev.Flags |= IFF_UP
	return 0
}
