#ifndef CSPAWNSHIM_H
#define CSPAWNSHIM_H

#include <spawn.h>

/// glibc's posix_spawn extensions, which Swift's Glibc module does not import (they need _GNU_SOURCE).
int cspawn_add_chdir(posix_spawn_file_actions_t *actions, const char *path);
/// Closes every descriptor from `lowest` up in the child, atomically with the spawn.
int cspawn_add_closefrom(posix_spawn_file_actions_t *actions, int lowest);

/// pipe2(fds, O_CLOEXEC): a pipe that no spawned program inherits unless given an end on a standard stream.
int cspawn_pipe_cloexec(int descriptors[2]);

#endif
