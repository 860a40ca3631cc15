// SPDX-License-Identifier: GPL-2.0
/*
 * vmrun_selftest - a test-only module that makes the kernel complain on
 * demand, so that the tests of tools/vmrun can prove the harness fails a run
 * whose guest log shows a report of any of the kernel's bug detectors. Never
 * load it outside those tests: most of its files misuse the kernel on
 * purpose.
 *
 * Writing anything to a file of /sys/kernel/debug/vmrun_selftest/ makes one
 * report of its kind:
 *
 *   warn          a WARN() with a recognisable message (every kernel)
 *   kasan         a slab out-of-bounds read (KASAN)
 *   lockdep       two mutexes taken in both orders (PROVE_LOCKING)
 *   atomic_sleep  might_sleep() under a spinlock (DEBUG_ATOMIC_SLEEP)
 *   dma_api       a DMA unmap with the wrong size (DMA_API_DEBUG)
 *   ubsan         an array index out of bounds (UBSAN_BOUNDS)
 *   odebug        an armed on-stack timer destroyed (DEBUG_OBJECTS_TIMERS)
 *   kobject       a kobject initialised twice (every kernel)
 *   list          a list entry deleted twice (DEBUG_LIST)
 *   hung_task     the writer sleeps uninterruptibly for the number of
 *                 seconds written (1 to 60), then returns (DETECT_HUNG_TASK)
 *   kmemleak      a kmalloc() whose pointer is dropped (DEBUG_KMEMLEAK)
 *   spin          the writer spins with preemption off for the number of
 *                 seconds written (1 to 60): a soft lockup or an RCU stall,
 *                 depending on the thresholds (SOFTLOCKUP_DETECTOR)
 *
 * A file exists only when the kernel has its detector, so that a test never
 * passes for want of one. Each trigger leaves the kernel usable: the reports
 * come from checks that stop the damage (the list entry is not deleted twice,
 * debugobjects stops the timer, the out-of-bounds accesses are reads).
 */
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/fs.h>
#include <linux/kobject.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/platform_device.h>
#include <linux/preempt.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>

static struct dentry *selftest_dir;

/* The number of seconds written (hung_task, spin): 1 to 60, default 5. */
static unsigned int seconds_from_user(const char __user *buf, size_t len)
{
	char text[16] = "";
	unsigned int secs;

	if (copy_from_user(text, buf, min(len, sizeof(text) - 1)))
		return 5;
	if (kstrtouint(strim(text), 10, &secs) || secs < 1 || secs > 60)
		return 5;
	return secs;
}

static void selftest_warn(const char __user *buf, size_t len)
{
	WARN(1, "vmrun_selftest: warning requested from userspace\n");
}

static noinline void selftest_kasan(const char __user *buf, size_t len)
{
	size_t size = 13;
	char *p = kmalloc(size, GFP_KERNEL);

	if (!p)
		return;
	OPTIMIZER_HIDE_VAR(p);
	pr_info("vmrun_selftest: reading byte %zu of a %zu-byte buffer: %d\n",
		size, size, READ_ONCE(p[size]));
	kfree(p);
}

static DEFINE_MUTEX(selftest_lock_a);
static DEFINE_MUTEX(selftest_lock_b);

static void selftest_lockdep(const char __user *buf, size_t len)
{
	mutex_lock(&selftest_lock_a);
	mutex_lock(&selftest_lock_b);
	mutex_unlock(&selftest_lock_b);
	mutex_unlock(&selftest_lock_a);

	/* The other order: one thread, so it cannot deadlock. */
	mutex_lock(&selftest_lock_b);
	mutex_lock(&selftest_lock_a);
	mutex_unlock(&selftest_lock_a);
	mutex_unlock(&selftest_lock_b);
}

static DEFINE_SPINLOCK(selftest_spinlock);

static void selftest_atomic_sleep(const char __user *buf, size_t len)
{
	spin_lock(&selftest_spinlock);
	might_sleep();
	spin_unlock(&selftest_spinlock);
}

static void selftest_dma_api(const char __user *buf, size_t len)
{
	const struct platform_device_info info = {
		.name = "vmrun_selftest",
		.id = PLATFORM_DEVID_NONE,
		.dma_mask = DMA_BIT_MASK(64),
	};
	struct platform_device *pdev;
	dma_addr_t addr;
	void *cpu;

	pdev = platform_device_register_full(&info);
	if (IS_ERR(pdev))
		return;
	cpu = kzalloc(64, GFP_KERNEL);
	if (cpu) {
		addr = dma_map_single(&pdev->dev, cpu, 64, DMA_TO_DEVICE);
		if (!dma_mapping_error(&pdev->dev, addr))
			dma_unmap_single(&pdev->dev, addr, 32, DMA_TO_DEVICE);
		kfree(cpu);
	}
	platform_device_unregister(pdev);
}

struct selftest_bounds {
	int a[4];
	int after;
};

static void selftest_ubsan(const char __user *buf, size_t len)
{
	struct selftest_bounds s = { .a = { 1, 2, 3, 4 }, .after = 5 };
	int i = ARRAY_SIZE(s.a);

	OPTIMIZER_HIDE_VAR(i);
	/* s.a[4] is s.after: out of the array's bounds, inside the struct. */
	pr_info("vmrun_selftest: a[%d] = %d\n", i, s.a[i]);
}

static void selftest_work_fn(struct work_struct *work)
{
}

static void selftest_odebug(const char __user *buf, size_t len)
{
	struct delayed_work dw;

	INIT_DELAYED_WORK_ONSTACK(&dw, selftest_work_fn);
	schedule_delayed_work(&dw, 60 * HZ);
	/*
	 * Freeing the armed timer is the bug; debugobjects reports it and its
	 * fixup stops the timer before this stack frame goes.
	 */
	destroy_delayed_work_on_stack(&dw);
}

struct selftest_kobj {
	struct kobject kobj;
};

static void selftest_kobj_release(struct kobject *kobj)
{
	kfree(container_of(kobj, struct selftest_kobj, kobj));
}

static const struct kobj_type selftest_ktype = {
	.release = selftest_kobj_release,
};

static void selftest_kobject(const char __user *buf, size_t len)
{
	struct selftest_kobj *k = kzalloc(sizeof(*k), GFP_KERNEL);

	if (!k)
		return;
	kobject_init(&k->kobj, &selftest_ktype);
	kobject_init(&k->kobj, &selftest_ktype);
	/* Released (and freed) normally, later with DEBUG_KOBJECT_RELEASE. */
	kobject_put(&k->kobj);
}

static void selftest_list(const char __user *buf, size_t len)
{
	LIST_HEAD(head);
	struct list_head entry;

	list_add(&entry, &head);
	list_del(&entry);
	/* Refused by the list debugging checks: entry->next is poisoned. */
	list_del(&entry);
}

static void selftest_hung_task(const char __user *buf, size_t len)
{
	unsigned int secs = seconds_from_user(buf, len);

	pr_info("vmrun_selftest: sleeping uninterruptibly for %u s\n", secs);
	schedule_timeout_uninterruptible(secs * HZ);
	pr_info("vmrun_selftest: awake again\n");
}

static noinline void selftest_kmemleak(const char __user *buf, size_t len)
{
	void *p = kmalloc(64, GFP_KERNEL);

	/* The only pointer to it goes with this stack frame. */
	OPTIMIZER_HIDE_VAR(p);
	pr_info("vmrun_selftest: leaking 64 bytes%s\n", p ? "" : " failed");
}

static void selftest_rcu_free(struct rcu_head *head)
{
	kfree(head);
}

static void selftest_spin(const char __user *buf, size_t len)
{
	unsigned int ms = seconds_from_user(buf, len) * 1000;
	struct rcu_head *head = kzalloc(sizeof(*head), GFP_KERNEL);

	/* A grace period that waits for this CPU, for the RCU stall check. */
	if (head)
		call_rcu(head, selftest_rcu_free);
	pr_info("vmrun_selftest: spinning for %u ms with preemption off\n", ms);
	preempt_disable();
	while (ms--)
		mdelay(1);
	preempt_enable();
	pr_info("vmrun_selftest: spin done\n");
}

struct selftest_trigger {
	const char *name;
	bool present;
	void (*fire)(const char __user *buf, size_t len);
};

static const struct selftest_trigger selftest_triggers[] = {
	{ "warn", true, selftest_warn },
	{ "kasan", IS_ENABLED(CONFIG_KASAN), selftest_kasan },
	{ "lockdep", IS_ENABLED(CONFIG_PROVE_LOCKING), selftest_lockdep },
	{ "atomic_sleep", IS_ENABLED(CONFIG_DEBUG_ATOMIC_SLEEP), selftest_atomic_sleep },
	{ "dma_api", IS_ENABLED(CONFIG_DMA_API_DEBUG), selftest_dma_api },
	{ "ubsan", IS_ENABLED(CONFIG_UBSAN_BOUNDS), selftest_ubsan },
	{ "odebug", IS_ENABLED(CONFIG_DEBUG_OBJECTS_TIMERS), selftest_odebug },
	{ "kobject", true, selftest_kobject },
	{ "list", IS_ENABLED(CONFIG_DEBUG_LIST), selftest_list },
	{ "hung_task", IS_ENABLED(CONFIG_DETECT_HUNG_TASK), selftest_hung_task },
	{ "kmemleak", IS_ENABLED(CONFIG_DEBUG_KMEMLEAK), selftest_kmemleak },
	{ "spin", IS_ENABLED(CONFIG_SOFTLOCKUP_DETECTOR), selftest_spin },
};

static ssize_t trigger_write(struct file *file, const char __user *buf,
			     size_t len, loff_t *ppos)
{
	const struct selftest_trigger *t = file->private_data;

	t->fire(buf, len);
	return len;
}

static const struct file_operations trigger_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = trigger_write,
	.llseek = noop_llseek,
};

static int __init vmrun_selftest_init(void)
{
	const struct selftest_trigger *t;

	selftest_dir = debugfs_create_dir("vmrun_selftest", NULL);
	for (t = selftest_triggers; t < selftest_triggers + ARRAY_SIZE(selftest_triggers); t++)
		if (t->present)
			debugfs_create_file(t->name, 0200, selftest_dir,
					    (void *)t, &trigger_fops);
	return 0;
}

static void __exit vmrun_selftest_exit(void)
{
	debugfs_remove_recursive(selftest_dir);
}

module_init(vmrun_selftest_init);
module_exit(vmrun_selftest_exit);
MODULE_DESCRIPTION("Test-only module that makes the kernel's detectors report on demand (tools/vmrun self-test)");
MODULE_LICENSE("GPL");
