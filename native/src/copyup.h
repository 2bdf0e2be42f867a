/* tmpcopyup: what a directory held, copied into the tmpfs mounted over it (copyup.c). */
#ifndef CK_COPYUP_H
#define CK_COPYUP_H

/* Copies everything below the directory srcdir into the directory dstdir (both O_RDONLY fds):
 * files, directories, symlinks and device nodes, with their modes and owners. 0, or -1 with errno. */
int ck_copy_up(int srcdir, int dstdir);

#endif
