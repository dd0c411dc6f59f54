// SPDX-License-Identifier: GPL-2.0
/*
 * netagent - per-VM anti-spoofing on the ports of a host's virtual switch.
 *
 * main.c only sequences module init and exit.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <net/genetlink.h>

#include "netagent.h"

unsigned int netagent_default_mode = NETAGENT_MODE_ENFORCE;
unsigned int netagent_event_rate = 10;

static int mode_set(const char *val, const struct kernel_param *kp)
{
	unsigned int v;
	int ret;

	ret = kstrtouint(val, 0, &v);
	if (ret)
		return ret;
	if (v > NETAGENT_MODE_MAX)
		return -ERANGE;
	WRITE_ONCE(*(unsigned int *)kp->arg, v);
	return 0;
}

static const struct kernel_param_ops mode_ops = {
	.set = mode_set,
	.get = param_get_uint,
};

module_param_cb(default_mode, &mode_ops, &netagent_default_mode, 0644);
MODULE_PARM_DESC(default_mode,
		 "mode of new ports without a mode: 0 enforce, 1 learn, 2 monitor");
static int rate_set(const char *val, const struct kernel_param *kp)
{
	unsigned int v;
	int ret;

	ret = kstrtouint(val, 0, &v);
	if (ret)
		return ret;
	if (v > INT_MAX)
		return -ERANGE;
	WRITE_ONCE(*(unsigned int *)kp->arg, v);
	return 0;
}

static const struct kernel_param_ops rate_ops = {
	.set = rate_set,
	.get = param_get_uint,
};

module_param_cb(event_rate, &rate_ops, &netagent_event_rate, 0644);
MODULE_PARM_DESC(event_rate,
		 "violation events per second and port (all ports, at once), 0: none");

static int __init netagent_init(void)
{
	int ret;

	ret = netagent_port_init();
	if (ret)
		return ret;
	ret = netagent_genl_init();
	if (ret)
		goto err_port_exit;
	pr_debug("loaded\n");
	return 0;

err_port_exit:
	netagent_port_exit();
	return ret;
}

static void __exit netagent_exit(void)
{
	netagent_genl_exit();
	netagent_port_exit();
	pr_debug("unloaded\n");
}

module_init(netagent_init);
module_exit(netagent_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Per-VM anti-spoofing on virtual switch ports");
MODULE_ALIAS_GENL_FAMILY(NETAGENT_FAMILY_NAME);
