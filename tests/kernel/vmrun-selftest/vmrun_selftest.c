// SPDX-License-Identifier: GPL-2.0
/*
 * vmrun_selftest - a test-only module that makes the kernel complain on
 * demand, so that the tests of tools/vmrun can prove the harness fails a
 * run whose guest log shows a WARNING. Never load it outside those tests.
 *
 * Writing anything to /sys/kernel/debug/vmrun_selftest/warn triggers one
 * WARN() with a recognisable message.
 */
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/module.h>

static struct dentry *selftest_dir;

static ssize_t warn_write(struct file *file, const char __user *buf,
			  size_t len, loff_t *ppos)
{
	WARN(1, "vmrun_selftest: warning requested from userspace\n");
	return len;
}

static const struct file_operations warn_fops = {
	.owner = THIS_MODULE,
	.write = warn_write,
	.llseek = noop_llseek,
};

static int __init vmrun_selftest_init(void)
{
	selftest_dir = debugfs_create_dir("vmrun_selftest", NULL);
	debugfs_create_file("warn", 0200, selftest_dir, NULL, &warn_fops);
	return 0;
}

static void __exit vmrun_selftest_exit(void)
{
	debugfs_remove_recursive(selftest_dir);
}

module_init(vmrun_selftest_init);
module_exit(vmrun_selftest_exit);
MODULE_DESCRIPTION("Test-only module that warns on demand (tools/vmrun self-test)");
MODULE_LICENSE("GPL");
