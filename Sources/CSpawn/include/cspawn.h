#ifndef MERIDIAN_CSPAWN_H
#define MERIDIAN_CSPAWN_H
#include <spawn.h>

/// posix_spawn file actions that glibc declares only under _GNU_SOURCE, which Swift's
/// Glibc module does not import. Both return 0 or an errno value (ENOSYS where the C
/// library lacks them).
int meridian_spawn_addclosefrom(posix_spawn_file_actions_t *actions, int from);
int meridian_spawn_addchdir(posix_spawn_file_actions_t *actions, const char *path);

/// pipe2(fds, O_CLOEXEC): 0, or -1 with errno set.
int meridian_pipe_cloexec(int fds[2]);

#endif
