import Glibc

/// A value behind a pthread mutex, for state that several threads change.
///
/// Used instead of the standard library's `Mutex` where ThreadSanitizer must see the locking:
/// on Linux `Mutex` locks with raw futex calls, which the sanitizer does not intercept, so it
/// reports every access to the guarded value from two threads as a race. pthread's
/// `pthread_mutex_lock` is intercepted, and the cost is the same uncontended.
public final class PthreadLocked<Value>: @unchecked Sendable {
  private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
  private var value: Value

  public init(_ value: Value) {
    self.value = value
    pthread_mutex_init(mutex, nil)
  }

  deinit {
    pthread_mutex_destroy(mutex)
    mutex.deallocate()
  }

  /// Runs `body` with the value while holding the lock.
  public func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
    pthread_mutex_lock(mutex)
    defer { pthread_mutex_unlock(mutex) }
    return try body(&value)
  }
}
