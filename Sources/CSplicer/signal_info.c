#define _GNU_SOURCE
#include "CSplicer.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

const int splicer_SI_QUEUE = SI_QUEUE;
const int splicer_SI_USER = SI_USER;
const int splicer_SI_TKILL = SI_TKILL;

static void splicer_fill_set(sigset_t *set, const int *signals, int count) {
  sigemptyset(set);
  for (int i = 0; i < count; i++) sigaddset(set, signals[i]);
}

int splicer_wait_signal_info(const int *signals, int count, int64_t timeout_ms, splicer_signal_info *info) {
  sigset_t set;
  splicer_fill_set(&set, signals, count);
  siginfo_t received = {0};
  int signal;
  if (timeout_ms < 0) {
    signal = sigwaitinfo(&set, &received);
  } else {
    struct timespec timeout = {.tv_sec = timeout_ms / 1000, .tv_nsec = (timeout_ms % 1000) * 1000000};
    signal = sigtimedwait(&set, &received, &timeout);
  }
  if (signal < 0) return -1;
  info->signal = signal;
  info->code = received.si_code;
  info->pid = received.si_pid;
  info->uid = received.si_uid;
  // si_value is only written for SI_QUEUE (and timers, message queues); zeroed otherwise.
  info->value = received.si_code == SI_QUEUE ? received.si_value.sival_int : 0;
  return signal;
}

int splicer_queue_signal(pid_t pid, int sig, int32_t value) {
  union sigval sent = {.sival_int = value};
  return sigqueue(pid, sig, sent);
}

int splicer_queue_signal_to_self_thread(int sig, int32_t value) {
  union sigval sent = {.sival_int = value};
  int result = pthread_sigqueue(pthread_self(), sig, sent);
  if (result != 0) {
    errno = result;
    return -1;
  }
  return 0;
}

int splicer_signalfd(const int *signals, int count) {
  sigset_t set;
  splicer_fill_set(&set, signals, count);
  return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

int splicer_read_signalfd(int fd, splicer_signal_info *info) {
  struct signalfd_siginfo received;
  ssize_t count;
  do {
    count = read(fd, &received, sizeof(received));
  } while (count < 0 && errno == EINTR);
  if (count < 0) return errno == EAGAIN ? 0 : -1;
  if (count != sizeof(received)) {
    errno = EIO;
    return -1;
  }
  info->signal = (int32_t)received.ssi_signo;
  info->code = received.ssi_code;
  info->pid = (int32_t)received.ssi_pid;
  info->uid = received.ssi_uid;
  info->value = received.ssi_code == SI_QUEUE ? received.ssi_int : 0;
  return 1;
}

int splicer_pidfd_open(pid_t pid) { return (int)syscall(SYS_pidfd_open, pid, 0); }
