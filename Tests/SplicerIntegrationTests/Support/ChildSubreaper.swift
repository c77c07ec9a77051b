import Glibc

/// Makes the test process a child subreaper (prctl PR_SET_CHILD_SUBREAPER), so that a process
/// orphaned under it becomes its child: a live upgrade's new process is the old one's child,
/// and once the old one exits the test must be able to reap the new one with `waitpid`.
///
/// Foundation's `Process` waits only on the pids it started, so it never reaps these.
enum ChildSubreaper {
  // <sys/prctl.h> is not in Swift's Glibc module and prctl(2) is variadic: called through
  // its address with the five integer arguments the kernel ABI takes.
  private typealias Prctl = @convention(c) (Int32, UInt, UInt, UInt, UInt) -> Int32
  private static let setChildSubreaper: Int32 = 36

  /// Idempotent; false when the kernel refused. Pair it with `disable` when the test ends:
  /// the setting is the whole test process's, and later tests' orphans (a helper's children,
  /// a service's forks) must go to init as usual, not wait unreaped here.
  @discardableResult
  static func enable() -> Bool {
    set(1)
  }

  @discardableResult
  static func disable() -> Bool {
    set(0)
  }

  private static func set(_ value: UInt) -> Bool {
    guard let symbol = dlsym(nil, "prctl") else { return false }
    let prctl = unsafeBitCast(symbol, to: Prctl.self)
    return prctl(setChildSubreaper, value, 0, 0, 0) == 0
  }
}
