// SPDX-License-Identifier: GPL-2.0
/*
 * Deliberately broken test-only module for `make check-debug`: each
 * debugfs file under /sys/kernel/debug/cp_broken/ commits one bug that the
 * debug kernel must catch:
 *   uaf   - reads a freed object (KASAN)
 *   abba  - takes two mutexes in both orders (lockdep)
 *   leak  - loses an allocation (kmemleak)
 * Built only against the debug kernel; never loaded by `make check`.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>

static struct dentry *cp_broken_dir;
static DEFINE_MUTEX(cp_broken_a);
static DEFINE_MUTEX(cp_broken_b);
static void *cp_broken_sink;

static noinline void cp_broken_uaf(void)
{
	u8 *p = kmalloc(64, GFP_KERNEL);

	if (!p)
		return;
	kfree(p);
	/* the read KASAN must report */
	WRITE_ONCE(cp_broken_sink, (void *)(unsigned long)READ_ONCE(p[8]));
}

static noinline void cp_broken_abba(void)
{
	mutex_lock(&cp_broken_a);
	mutex_lock(&cp_broken_b);
	mutex_unlock(&cp_broken_b);
	mutex_unlock(&cp_broken_a);

	/* the inverted order lockdep must report (no deadlock: one thread) */
	mutex_lock(&cp_broken_b);
	mutex_lock(&cp_broken_a);
	mutex_unlock(&cp_broken_a);
	mutex_unlock(&cp_broken_b);
}

static noinline void cp_broken_leak(void)
{
	void *p = kmalloc(128, GFP_KERNEL);

	/* the only reference is dropped: kmemleak must report it */
	if (p)
		memset(p, 0x5a, 128);
}

static ssize_t cp_broken_write(struct file *file, const char __user *buf,
			       size_t len, loff_t *ppos)
{
	void (*bug)(void) = file->private_data;

	bug();
	return len;
}

static const struct file_operations cp_broken_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = cp_broken_write,
	.llseek = noop_llseek,
};

static int __init cp_broken_init(void)
{
	cp_broken_dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("uaf", 0200, cp_broken_dir, cp_broken_uaf,
			    &cp_broken_fops);
	debugfs_create_file("abba", 0200, cp_broken_dir, cp_broken_abba,
			    &cp_broken_fops);
	debugfs_create_file("leak", 0200, cp_broken_dir, cp_broken_leak,
			    &cp_broken_fops);
	return 0;
}

static void __exit cp_broken_exit(void)
{
	debugfs_remove_recursive(cp_broken_dir);
}

module_init(cp_broken_init);
module_exit(cp_broken_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("cloudplane check-debug helper: a use-after-free, a lock inversion, a leak");
MODULE_INFO(test, "Y");
