/* Removing a cgroup directory and the child cgroups below it (cgroup_tree.c). */
#ifndef CK_CGROUP_TREE_H
#define CK_CGROUP_TREE_H

#include <stddef.h>

/* 0 when dir is gone (or never was); -1 with errno, and the directory that refused in failed.
 * A cgroup the kernel still calls busy is not waited for: EBUSY is returned at once. */
int ck_remove_cgroup_tree(const char *dir, char *failed, size_t failed_len);

#endif
