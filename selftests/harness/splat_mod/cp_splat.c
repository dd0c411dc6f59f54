// SPDX-License-Identifier: GPL-2.0
/*
 * Test-only module for the selftest harness: writing 1 to
 * /sys/kernel/debug/cp_splat/warn makes the kernel WARN, so the tests can
 * show that a kernel splat fails the run. Never installed.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bug.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/module.h>

static struct dentry *cp_splat_dir;

static ssize_t cp_splat_warn_write(struct file *file, const char __user *buf,
				   size_t len, loff_t *ppos)
{
	bool warn;
	int err;

	err = kstrtobool_from_user(buf, len, &warn);
	if (err)
		return err;
	WARN(warn, "cp_splat: warning on request\n");
	return len;
}

static const struct file_operations cp_splat_warn_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = cp_splat_warn_write,
	.llseek = noop_llseek,
};

static int __init cp_splat_init(void)
{
	cp_splat_dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("warn", 0200, cp_splat_dir, NULL,
			    &cp_splat_warn_fops);
	return 0;
}

static void __exit cp_splat_exit(void)
{
	debugfs_remove_recursive(cp_splat_dir);
}

module_init(cp_splat_init);
module_exit(cp_splat_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("cloudplane selftest helper: WARN on request");
MODULE_INFO(test, "Y");
