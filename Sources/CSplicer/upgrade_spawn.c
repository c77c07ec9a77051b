#define _GNU_SOURCE
#include "CSplicer.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

// The child of a multithreaded process: only async-signal-safe system calls from here to
// execve or _exit. No malloc, no stdio, no Swift; everything it needs was built before fork.
static void splicer_child_fail(int status_fd, int step) {
  int32_t report[2] = {step, errno};
  ssize_t written;
  do {
    written = write(status_fd, report, sizeof(report));
  } while (written < 0 && errno == EINTR);
  _exit(127);
}

// CAP_NET_BIND_SERVICE into the inheritable set (capset, raw), then the ambient set (which
// only accepts what is permitted and inheritable), so that it survives an execve of a
// binary without file capabilities.
static int splicer_child_raise_bind_capability(void) {
  struct __user_cap_header_struct header = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
  struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
  if (syscall(SYS_capget, &header, data) != 0) return -1;
  data[CAP_TO_INDEX(CAP_NET_BIND_SERVICE)].inheritable |= CAP_TO_MASK(CAP_NET_BIND_SERVICE);
  if (syscall(SYS_capset, &header, data) != 0) return -1;
  if (syscall(SYS_prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_BIND_SERVICE, 0, 0) != 0) return -1;
  return 0;
}

pid_t splicer_spawn_upgrade(const char *path, char *const argv[], char *const envp[], int channel_fd,
                            int raise_bind_capability, int *failed_step, int *child_errno) {
  *failed_step = SPLICER_SPAWN_OK;
  *child_errno = 0;
  int status[2];
  if (pipe2(status, O_CLOEXEC) != 0) return -1;
  pid_t pid = fork();
  if (pid < 0) {
    int saved = errno;
    close(status[0]);
    close(status[1]);
    errno = saved;
    return -1;
  }
  if (pid == 0) {
    close(status[0]);
    if (raise_bind_capability && splicer_child_raise_bind_capability() != 0) {
      splicer_child_fail(status[1], SPLICER_SPAWN_CAPABILITY);
    }
#ifdef SYS_close_range
    // Only stdio and the channel reach the new program. A descriptor open without
    // FD_CLOEXEC here (SwiftNIO opens the admin endpoint's epoll so, and whatever this
    // process inherited) would otherwise pass to the new process, which never closes it: one
    // more with each upgrade. Best effort: a kernel without close_range (before 5.11) keeps
    // them.
    syscall(SYS_close_range, 3U, ~0U, 4U /* CLOSE_RANGE_CLOEXEC */);
#endif
    if (channel_fd >= 0) {
      int flags = fcntl(channel_fd, F_GETFD);
      if (flags < 0 || fcntl(channel_fd, F_SETFD, flags & ~FD_CLOEXEC) != 0) {
        splicer_child_fail(status[1], SPLICER_SPAWN_CHANNEL);
      }
    }
    execve(path, argv, envp);
    splicer_child_fail(status[1], SPLICER_SPAWN_EXEC);
  }
  close(status[1]);
  // The write end closes at the exec (O_CLOEXEC) or at _exit: EOF with nothing read means
  // the child is the new program now.
  int32_t report[2] = {0, 0};
  size_t got = 0;
  while (got < sizeof(report)) {
    ssize_t n = read(status[0], (char *)report + got, sizeof(report) - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += (size_t)n;
  }
  close(status[0]);
  if (got == sizeof(report)) {
    *failed_step = report[0];
    *child_errno = report[1];
  } else if (got > 0) {
    // A short report: the child failed, but what it said is cut off.
    *failed_step = SPLICER_SPAWN_EXEC;
    *child_errno = EIO;
  }
  return pid;
}
