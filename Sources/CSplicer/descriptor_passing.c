#define _GNU_SOURCE
#include "CSplicer.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

// Outside the kernel's flags that are passed on (MSG_CTRUNC, MSG_TRUNC).
const int splicer_RECV_UNEXPECTED_CONTROL = 0x10000000;
const int splicer_MSG_CTRUNC = MSG_CTRUNC;
const int splicer_MSG_TRUNC = MSG_TRUNC;
const int splicer_MSG_DONTWAIT = MSG_DONTWAIT;
const int splicer_MSG_NOSIGNAL = MSG_NOSIGNAL;

ssize_t splicer_send_fds(int sock, const struct sockaddr *addr, socklen_t addrlen, const void *data, size_t len,
                         const int *fds, int count, int flags) {
  // One byte more than the kernel accepts, so that 254 reaches it and fails there (EINVAL)
  // instead of here, should a caller skip its own check.
  union {
    char buffer[CMSG_SPACE((SPLICER_MAX_PASSED_FDS + 1) * sizeof(int))];
    struct cmsghdr align;
  } control;
  if (count < 0 || count > SPLICER_MAX_PASSED_FDS + 1) {
    errno = EINVAL;
    return -1;
  }
  struct iovec iov = {.iov_base = (void *)data, .iov_len = len};
  struct msghdr msg;
  memset(&msg, 0, sizeof(msg));
  msg.msg_name = (void *)addr;
  msg.msg_namelen = addr ? addrlen : 0;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  if (count > 0) {
    memset(&control, 0, sizeof(control));
    msg.msg_control = control.buffer;
    msg.msg_controllen = CMSG_SPACE(count * sizeof(int));
    struct cmsghdr *header = CMSG_FIRSTHDR(&msg);
    header->cmsg_level = SOL_SOCKET;
    header->cmsg_type = SCM_RIGHTS;
    header->cmsg_len = CMSG_LEN(count * sizeof(int));
    memcpy(CMSG_DATA(header), fds, count * sizeof(int));
  }
  return sendmsg(sock, &msg, flags);
}

ssize_t splicer_recv_fds(int sock, void *data, size_t len, int *fds, int capacity, int *count, int flags,
                         int *msg_flags) {
  union {
    char buffer[CMSG_SPACE(SPLICER_MAX_PASSED_FDS * sizeof(int))];
    struct cmsghdr align;
  } control;
  *count = 0;
  *msg_flags = 0;
  if (capacity < 0 || capacity > SPLICER_MAX_PASSED_FDS) {
    errno = EINVAL;
    return -1;
  }
  struct iovec iov = {.iov_base = data, .iov_len = len};
  struct msghdr msg;
  memset(&msg, 0, sizeof(msg));
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  // With no room at all, the kernel still reports MSG_CTRUNC for descriptors it had to drop.
  msg.msg_control = capacity > 0 ? control.buffer : NULL;
  msg.msg_controllen = capacity > 0 ? CMSG_SPACE(capacity * sizeof(int)) : 0;
  ssize_t received = recvmsg(sock, &msg, flags | MSG_CMSG_CLOEXEC);
  if (received < 0) return -1;
  // Only the truncation flags: the kernel also echoes MSG_CMSG_CLOEXEC and others.
  int flagsOut = msg.msg_flags & (MSG_CTRUNC | MSG_TRUNC);
  for (struct cmsghdr *header = CMSG_FIRSTHDR(&msg); header != NULL; header = CMSG_NXTHDR(&msg, header)) {
    if (header->cmsg_level != SOL_SOCKET || header->cmsg_type != SCM_RIGHTS) {
      flagsOut |= splicer_RECV_UNEXPECTED_CONTROL;
      continue;
    }
    size_t payload = header->cmsg_len - CMSG_LEN(0);
    int n = (int)(payload / sizeof(int));
    const unsigned char *source = CMSG_DATA(header);
    for (int i = 0; i < n; i++) {
      int fd;
      memcpy(&fd, source + i * sizeof(int), sizeof(int));
      if (*count < capacity) {
        fds[(*count)++] = fd;
      } else {
        // Cannot happen with one buffer of `capacity`; never leak a descriptor if it does.
        close(fd);
        flagsOut |= MSG_CTRUNC;
      }
    }
  }
  *msg_flags = flagsOut;
  return received;
}

int splicer_peer_credentials(int fd, int32_t *pid, uint32_t *uid, uint32_t *gid) {
  struct ucred credentials;
  socklen_t length = sizeof(credentials);
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) != 0) return -1;
  *pid = credentials.pid;
  *uid = credentials.uid;
  *gid = credentials.gid;
  return 0;
}
