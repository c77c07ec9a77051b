// Wrappers for the Linux calls that Swift's Glibc module does not export: splice, pipe2,
// accept4, F_SETPIPE_SZ, epoll, eventfd, sendfile, pthread_setname_np, the TCP keepalive
// options and TCP_INFO (in tcp_info.c); signals with their sender and pidfds (in
// splicer_signals.h and signal_info.c).
//
// This header must not define _GNU_SOURCE: doing so here clashes with Glibc's fd_set on a
// clean build. The definitions live in shim.c, which defines it before any include.
#ifndef SPLICER_CSPLICER_H
#define SPLICER_CSPLICER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/socket.h>

#include "splicer_signals.h"
#include "splicer_upgrade.h"

/// One ready event, copied out of the kernel's packed `struct epoll_event`.
typedef struct {
  uint32_t events;
  uint64_t data;
} splicer_epoll_event;

// Constants, defined in shim.c from the kernel headers.
extern const uint32_t splicer_EPOLLIN;
extern const uint32_t splicer_EPOLLOUT;
extern const uint32_t splicer_EPOLLERR;
extern const uint32_t splicer_EPOLLHUP;
extern const uint32_t splicer_EPOLLRDHUP;
extern const uint32_t splicer_EPOLLPRI;
extern const uint32_t splicer_EPOLLET;
extern const uint32_t splicer_EPOLLEXCLUSIVE;
extern const int splicer_EPOLL_CTL_ADD;
extern const int splicer_EPOLL_CTL_MOD;
extern const int splicer_EPOLL_CTL_DEL;
extern const unsigned int splicer_SPLICE_F_MOVE;
extern const unsigned int splicer_SPLICE_F_NONBLOCK;
extern const int splicer_O_NONBLOCK;
extern const int splicer_O_CLOEXEC;
extern const int splicer_SOCK_NONBLOCK;
extern const int splicer_SOCK_CLOEXEC;
extern const int splicer_EFD_NONBLOCK;
extern const int splicer_EFD_CLOEXEC;
extern const int splicer_SO_REUSEPORT;
extern const int splicer_TCP_NODELAY;
extern const int splicer_IPPROTO_TCP;
extern const int splicer_TCP_KEEPIDLE;
extern const int splicer_TCP_KEEPINTVL;
extern const int splicer_TCP_KEEPCNT;

/// The fields of the kernel's struct tcp_info that the access log and /metrics report.
typedef struct {
  /// Smoothed round-trip time and its mean deviation, in microseconds.
  uint32_t rtt_us;
  uint32_t rttvar_us;
  /// Segments retransmitted over the connection's life.
  uint32_t total_retrans;
  /// The latest delivery-rate sample in bytes per second; 0 when the kernel has none.
  uint64_t delivery_rate;
} splicer_tcp_info;

/// getsockopt(TCP_INFO) on `fd` into `out`; 0, or -1 with errno.
int splicer_read_tcp_info(int fd, splicer_tcp_info *out);

ssize_t splicer_splice(int fd_in, int fd_out, size_t len, unsigned int flags);
// tee(2): duplicates up to len bytes of one pipe into another without consuming them.
ssize_t splicer_tee(int fd_in, int fd_out, size_t len, unsigned int flags);
int splicer_pipe2(int fds[2], int flags);
/// Sets the pipe's capacity with F_SETPIPE_SZ; returns the granted size or -1 with errno.
int splicer_set_pipe_size(int fd, int size);
/// Reads the pipe's capacity with F_GETPIPE_SZ; returns it or -1 with errno.
int splicer_get_pipe_size(int fd);
int splicer_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags);

int splicer_epoll_create(void);
int splicer_epoll_ctl(int epfd, int op, int fd, uint32_t events, uint64_t data);
/// Waits like epoll_wait and copies up to `max` (at most 1024) events into `out`.
int splicer_epoll_wait(int epfd, splicer_epoll_event *out, int max, int timeout_ms);

int splicer_eventfd(unsigned int initval, int flags);
ssize_t splicer_sendfile(int out_fd, int in_fd, off_t *offset, size_t count);
/// ioctl(SIOCOUTQNSD): bytes in a TCP socket's send queue not yet sent, -1 on error.
int splicer_unsent_bytes(int fd);
/// ioctl(SIOCATMARK): 1 when the next byte to read is TCP urgent data, 0 when not, -1 on error.
int splicer_at_urgent_mark(int fd);
int splicer_set_thread_name(const char *name);
/// The calling thread's kernel thread id.
int splicer_gettid(void);

#endif
