// The calls of the live upgrade's building blocks: descriptors over a unix socket
// (SCM_RIGHTS, whose CMSG_* macros Swift cannot call), the peer's credentials, and the
// fork-and-exec of the new process. Included by CSplicer.h; defined in descriptor_passing.c
// and upgrade_spawn.c, which define _GNU_SOURCE (this header must not).
#ifndef SPLICER_UPGRADE_H
#define SPLICER_UPGRADE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/socket.h>

/// The most descriptors one SCM_RIGHTS message may carry (the kernel's SCM_MAX_FD).
#define SPLICER_MAX_PASSED_FDS 253

/// sendmsg of `len` bytes from `data` to `addr` (NULL: the connected peer), with one
/// SCM_RIGHTS control message carrying `fds[0..<count]` (none when `count` is 0).
/// Returns the bytes sent, or -1 with errno (EINVAL when `count` is above 253).
ssize_t splicer_send_fds(int sock, const struct sockaddr *addr, socklen_t addrlen, const void *data, size_t len,
                         const int *fds, int count, int flags);

/// recvmsg into `data` (at most `len` bytes) with MSG_CMSG_CLOEXEC added to `flags` and a
/// control buffer of CMSG_SPACE(`capacity` * sizeof(int)); `capacity` is at most 253 (and
/// lower only to provoke truncation in tests). The descriptors of every SCM_RIGHTS message
/// go to `fds` (room for `capacity`), their number to `*count`. `*msg_flags` gets the
/// returned msghdr flags (MSG_CTRUNC, MSG_TRUNC), plus SPLICER_RECV_UNEXPECTED_CONTROL when
/// a control message other than SCM_RIGHTS arrived. Returns the bytes received (0 at EOF or
/// for an empty message), or -1 with errno.
ssize_t splicer_recv_fds(int sock, void *data, size_t len, int *fds, int capacity, int *count, int flags,
                         int *msg_flags);

/// Set in `*msg_flags` by splicer_recv_fds for a control message that is not SCM_RIGHTS.
extern const int splicer_RECV_UNEXPECTED_CONTROL;
extern const int splicer_MSG_CTRUNC;
extern const int splicer_MSG_TRUNC;
extern const int splicer_MSG_DONTWAIT;
extern const int splicer_MSG_NOSIGNAL;

/// getsockopt(SO_PEERCRED): the pid, uid and gid of the peer when it connected (for a
/// socketpair, when the pair was made). 0, or -1 with errno.
int splicer_peer_credentials(int fd, int32_t *pid, uint32_t *uid, uint32_t *gid);

/// What the child of splicer_spawn_upgrade was doing when it failed.
typedef enum {
  SPLICER_SPAWN_OK = 0,
  /// Raising CAP_NET_BIND_SERVICE into the inheritable and ambient sets.
  SPLICER_SPAWN_CAPABILITY = 1,
  /// Clearing FD_CLOEXEC on the channel descriptor.
  SPLICER_SPAWN_CHANNEL = 2,
  /// execve itself.
  SPLICER_SPAWN_EXEC = 3,
} splicer_spawn_step;

/// Forks; the child (async-signal-safe calls only) raises CAP_NET_BIND_SERVICE into its
/// inheritable and ambient sets when `raise_bind_capability` is set, clears FD_CLOEXEC on
/// `channel_fd` (when >= 0), and execve's `path` with `argv` and `envp` (both NULL-terminated,
/// built before the call). On failure the child writes the step and errno to a close-on-exec
/// status pipe and _exit(127)s; the parent reads the pipe to its end: nothing means the exec
/// succeeded. Returns the child's pid with `*failed_step` and `*child_errno` set (0 and 0 on
/// success; then the child is the new program), or -1 with errno when the pipe or fork failed.
/// A child that failed has exited but is not reaped: the caller waits for it.
pid_t splicer_spawn_upgrade(const char *path, char *const argv[], char *const envp[], int channel_fd,
                            int raise_bind_capability, int *failed_step, int *child_errno);

#endif
