// Signals with their sender's details, for the live upgrade's trigger and reply: sigtimedwait
// and signalfd reads flattened into one struct (Swift cannot reach siginfo_t's fields, which
// are macros over unions), sigqueue with an int value, and pidfd_open. Included by
// CSplicer.h; defined in signal_info.c, which defines _GNU_SOURCE (this header must not).
#ifndef SPLICER_SIGNALS_H
#define SPLICER_SIGNALS_H

#include <stdint.h>
#include <sys/types.h>

/// One received signal: its number, si_code, the sender's pid and real uid, and the value
/// sigqueue(3) sent (si_value.sival_int; 0 for a signal sent otherwise).
typedef struct {
  int32_t signal;
  int32_t code;
  int32_t pid;
  uint32_t uid;
  int32_t value;
} splicer_signal_info;

extern const int splicer_SI_QUEUE;
extern const int splicer_SI_USER;
extern const int splicer_SI_TKILL;

/// sigtimedwait for one of `signals[0..<count]` (which the caller blocks), at most
/// `timeout_ms` milliseconds (a negative value: no limit, sigwaitinfo). Returns the signal
/// with `*info` filled, or -1 with errno (EAGAIN on timeout, EINTR).
int splicer_wait_signal_info(const int *signals, int count, int64_t timeout_ms, splicer_signal_info *info);

/// sigqueue(pid, sig, {.sival_int = value}): the receiver sees si_code SI_QUEUE, our pid and
/// the value. 0, or -1 with errno.
int splicer_queue_signal(pid_t pid, int sig, int32_t value);

/// pthread_sigqueue to the calling thread: the same siginfo as sigqueue, but delivered to this
/// thread only, whatever the other threads block. 0, or -1 with errno.
int splicer_queue_signal_to_self_thread(int sig, int32_t value);

/// signalfd(-1, {signals[0..<count]}, SFD_NONBLOCK | SFD_CLOEXEC): a descriptor, or -1 with errno.
int splicer_signalfd(const int *signals, int count);

/// Reads one signal from a signalfd: 1 with `*info` filled, 0 when none is pending, -1 with
/// errno.
int splicer_read_signalfd(int fd, splicer_signal_info *info);

/// pidfd_open(pid, 0) as a raw syscall (close-on-exec, readable once the process has exited):
/// a descriptor, or -1 with errno.
int splicer_pidfd_open(pid_t pid);

#endif
