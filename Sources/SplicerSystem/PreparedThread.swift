import Glibc

/// A thread made before it may run: `init` creates it (`pthread_create`, the step that can
/// fail), and it waits until `launch` lets its body run or `cancel` ends it without running it.
///
/// For a live upgrade's new process, which must hold every thread it needs before it tells the
/// old process that it has taken over, and may run none of them until then (design
/// live-upgrade.md §3.3): after the commit, starting them cannot fail. The creator owns it and
/// calls `launch` or `cancel` once; the thread keeps the gate alive until it has passed it.
public final class PreparedThread: @unchecked Sendable {
  private enum Gate {
    case closed
    case launched
    case cancelled
  }

  // pthread's mutex and condition rather than the standard library's `Mutex`, so that
  // ThreadSanitizer sees the hand-over (see `PthreadLocked`).
  private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
  private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
  private var gate = Gate.closed
  private var handle = pthread_t()

  /// Creates the thread named `name`; it runs `body` once `launch` is called.
  public init(name: String, _ body: @escaping @Sendable () -> Void) throws(SyscallError) {
    pthread_mutex_init(mutex, nil)
    pthread_cond_init(condition, nil)
    handle = try Threads.start(name: name) { [self] in
      if passGate() { body() }
    }
  }

  deinit {
    pthread_cond_destroy(condition)
    pthread_mutex_destroy(mutex)
    condition.deallocate()
    mutex.deallocate()
  }

  /// Lets the body run; returns the thread's handle for `Threads.join`. Cannot fail.
  public func launch() -> pthread_t {
    open(.launched)
    return handle
  }

  /// Ends the thread without running its body, and waits for it.
  public func cancel() {
    open(.cancelled)
    Threads.join(handle)
  }

  private func open(_ state: Gate) {
    pthread_mutex_lock(mutex)
    gate = state
    pthread_cond_signal(condition)
    pthread_mutex_unlock(mutex)
  }

  /// On the thread: waits for `launch` (true) or `cancel` (false).
  private func passGate() -> Bool {
    pthread_mutex_lock(mutex)
    defer { pthread_mutex_unlock(mutex) }
    while gate == .closed { pthread_cond_wait(condition, mutex) }
    return gate == .launched
  }
}
