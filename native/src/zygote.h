/* ck-init --zygote: forks a ck-init for each container instead of being exec'd for each (zygote.c). */
#ifndef CK_ZYGOTE_H
#define CK_ZYGOTE_H

/* Serves requests on fd 3 until it closes; returns the exit status. In each child it forks,
 * it returns -1 instead, with fds 0-3 set up: the caller then runs a plan as a plain ck-init. */
int ck_zygote(void);

#endif
