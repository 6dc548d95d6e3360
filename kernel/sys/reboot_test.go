package sys

import (
	"testing"

	"gokern/include/uapi"
)

// TestRebootCheck: reboot(2)'s checks in Linux's order — the capability
// before the magic numbers — every magic2 Linux takes, POWER_OFF becoming
// HALT without a power-off, and the commands gokern has not (kexec,
// suspend) refused.
func TestRebootCheck(t *testing.T) {
	for _, c := range []struct {
		capable       bool
		m1, m2, cmd   uint32
		can_power_off bool
		want_cmd      uint32
		want_err      int64
	}{
		{false, 0, 0, LINUX_REBOOT_CMD_RESTART, true, 0, -uapi.EPERM},
		{false, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, LINUX_REBOOT_CMD_RESTART, true, 0, -uapi.EPERM},
		{true, 0xfee1deaf, LINUX_REBOOT_MAGIC2, LINUX_REBOOT_CMD_RESTART, true, 0, -uapi.EINVAL},
		{true, LINUX_REBOOT_MAGIC1, 1, LINUX_REBOOT_CMD_RESTART, true, 0, -uapi.EINVAL},
		{true, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, LINUX_REBOOT_CMD_RESTART, true, LINUX_REBOOT_CMD_RESTART, 0},
		{true, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2A, LINUX_REBOOT_CMD_HALT, true, LINUX_REBOOT_CMD_HALT, 0},
		{true, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2B, LINUX_REBOOT_CMD_POWER_OFF, true, LINUX_REBOOT_CMD_POWER_OFF, 0},
		{true, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2C, LINUX_REBOOT_CMD_POWER_OFF, false, LINUX_REBOOT_CMD_HALT, 0},
		{true, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, LINUX_REBOOT_CMD_CAD_OFF, true, LINUX_REBOOT_CMD_CAD_OFF, 0},
		{true, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, LINUX_REBOOT_CMD_RESTART2, true, LINUX_REBOOT_CMD_RESTART2, 0},
		{true, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, LINUX_REBOOT_CMD_KEXEC, true, 0, -uapi.EINVAL},
		{true, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, LINUX_REBOOT_CMD_SW_SUSPEND, true, 0, -uapi.EINVAL},
		{true, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, 0x12345678, true, 0, -uapi.EINVAL},
	} {
		cmd, err := reboot_check(c.capable, c.m1, c.m2, c.cmd, c.can_power_off)
		if cmd != c.want_cmd || err != c.want_err {
			t.Errorf("reboot_check(%v, %#x, %#x, %#x, %v) = %#x, %d; want %#x, %d", c.capable, c.m1, c.m2, c.cmd,
				c.can_power_off, cmd, err, c.want_cmd, c.want_err)
		}
	}
}
