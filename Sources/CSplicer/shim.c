#define _GNU_SOURCE
#include "CSplicer.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <linux/sockios.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

const uint32_t splicer_EPOLLIN = EPOLLIN;
const uint32_t splicer_EPOLLOUT = EPOLLOUT;
const uint32_t splicer_EPOLLERR = EPOLLERR;
const uint32_t splicer_EPOLLHUP = EPOLLHUP;
const uint32_t splicer_EPOLLRDHUP = EPOLLRDHUP;
const uint32_t splicer_EPOLLPRI = EPOLLPRI;
const uint32_t splicer_EPOLLET = EPOLLET;
const uint32_t splicer_EPOLLEXCLUSIVE = EPOLLEXCLUSIVE;
const int splicer_EPOLL_CTL_ADD = EPOLL_CTL_ADD;
const int splicer_EPOLL_CTL_MOD = EPOLL_CTL_MOD;
const int splicer_EPOLL_CTL_DEL = EPOLL_CTL_DEL;
const unsigned int splicer_SPLICE_F_MOVE = SPLICE_F_MOVE;
const unsigned int splicer_SPLICE_F_NONBLOCK = SPLICE_F_NONBLOCK;
const int splicer_O_NONBLOCK = O_NONBLOCK;
const int splicer_O_CLOEXEC = O_CLOEXEC;
const int splicer_SOCK_NONBLOCK = SOCK_NONBLOCK;
const int splicer_SOCK_CLOEXEC = SOCK_CLOEXEC;
const int splicer_EFD_NONBLOCK = EFD_NONBLOCK;
const int splicer_EFD_CLOEXEC = EFD_CLOEXEC;
const int splicer_SO_REUSEPORT = SO_REUSEPORT;
const int splicer_TCP_NODELAY = TCP_NODELAY;
const int splicer_IPPROTO_TCP = IPPROTO_TCP;

ssize_t splicer_splice(int fd_in, int fd_out, size_t len, unsigned int flags) {
  return splice(fd_in, NULL, fd_out, NULL, len, flags);
}

ssize_t splicer_tee(int fd_in, int fd_out, size_t len, unsigned int flags) {
  return tee(fd_in, fd_out, len, flags);
}

int splicer_pipe2(int fds[2], int flags) { return pipe2(fds, flags); }

int splicer_set_pipe_size(int fd, int size) { return fcntl(fd, F_SETPIPE_SZ, size); }

int splicer_get_pipe_size(int fd) { return fcntl(fd, F_GETPIPE_SZ); }

int splicer_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags) {
  return accept4(fd, addr, len, flags);
}

int splicer_epoll_create(void) { return epoll_create1(EPOLL_CLOEXEC); }

int splicer_epoll_ctl(int epfd, int op, int fd, uint32_t events, uint64_t data) {
  struct epoll_event ev;
  ev.events = events;
  ev.data.u64 = data;
  return epoll_ctl(epfd, op, fd, &ev);
}

int splicer_epoll_wait(int epfd, splicer_epoll_event *out, int max, int timeout_ms) {
  struct epoll_event events[1024];
  if (max > 1024) max = 1024;
  int n = epoll_wait(epfd, events, max, timeout_ms);
  for (int i = 0; i < n; i++) {
    out[i].events = events[i].events;
    out[i].data = events[i].data.u64;
  }
  return n;
}

int splicer_eventfd(unsigned int initval, int flags) { return eventfd(initval, flags); }

ssize_t splicer_sendfile(int out_fd, int in_fd, off_t *offset, size_t count) {
  return sendfile(out_fd, in_fd, offset, count);
}

int splicer_set_thread_name(const char *name) {
  return pthread_setname_np(pthread_self(), name);
}

int splicer_gettid(void) { return (int)syscall(SYS_gettid); }

int splicer_unsent_bytes(int fd) {
  int unsent = 0;
  if (ioctl(fd, SIOCOUTQNSD, &unsent) < 0) return -1;
  return unsent;
}

int splicer_at_urgent_mark(int fd) {
  int at_mark = 0;
  if (ioctl(fd, SIOCATMARK, &at_mark) < 0) return -1;
  return at_mark;
}
