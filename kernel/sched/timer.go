package sched

import (
	"unsafe"

	"gokern/arch/amd64/asm"
	ktime "gokern/kernel/time"
)

// Sleeping on jiffies. Linux: kernel/time/timer.c (schedule_timeout,
// process_timeout, msleep, schedule_timeout_uninterruptible); they live
// here because they schedule, and kernel/time sits below the scheduler.

// MAX_SCHEDULE_TIMEOUT: sleep with no timeout (Linux LONG_MAX).
const MAX_SCHEDULE_TIMEOUT = int64(^uint64(0) >> 1)

// process_timeout wakes the task a timer names (Linux process_timeout).
func process_timeout(t *ktime.Timer_list) {
	Wake_up_process((*Task_struct)(asm.KernelPtr(t.Data)))
}

// Schedule_timeout sleeps until timeout jiffies have passed or the task
// is woken, in the state the caller set, and returns the jiffies left
// (0: the time ran out). Linux: schedule_timeout, with an on-stack timer.
// Jiffies are brought up to the clock first (Tick_update_jiffies): when
// the tick is late, counting the timeout from the lagging jiffies would
// end it early by the lag, once the tick catches up.
func Schedule_timeout(timeout int64) int64 {
	if timeout == MAX_SCHEDULE_TIMEOUT {
		Schedule()
		return timeout
	}
	if timeout < 0 {
		Set_current_state(TASK_RUNNING)
		return 0
	}
	ktime.Tick_update_jiffies()
	expire := ktime.Get_jiffies_64() + uint64(timeout)
	timer := ktime.Timer_list{Expires: expire, Function: process_timeout, Data: uintptr(unsafe.Pointer(Get_current()))}
	ktime.Add_timer(&timer)
	Schedule()
	ktime.Del_timer_sync(&timer)
	left := int64(expire - ktime.Get_jiffies_64())
	if left < 0 {
		return 0
	}
	return left
}

// Schedule_timeout_uninterruptible sleeps timeout jiffies (Linux).
func Schedule_timeout_uninterruptible(timeout int64) int64 {
	Set_current_state(TASK_UNINTERRUPTIBLE)
	return Schedule_timeout(timeout)
}

// Msleep sleeps at least msecs milliseconds of the clock (Linux msleep:
// one jiffy more than the conversion, since the current jiffy is already
// partly gone; Schedule_timeout makes that jiffy the clock's, not a
// late tick's).
func Msleep(msecs uint64) {
	timeout := int64(ktime.Msecs_to_jiffies(msecs)) + 1
	for timeout > 0 {
		timeout = Schedule_timeout_uninterruptible(timeout)
	}
}
