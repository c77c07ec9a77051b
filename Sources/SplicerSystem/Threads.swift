import CSplicer
import Glibc

/// Starts OS threads for the event loops, with a name visible in `top -H` and /proc.
public enum Threads {
  private final class Box {
    let body: () -> Void
    init(_ body: @escaping () -> Void) { self.body = body }
  }

  /// Starts a joinable thread running `body`; returns its handle for `join`.
  public static func start(name: String, _ body: @escaping @Sendable () -> Void) throws(SyscallError) -> pthread_t {
    let box = Unmanaged.passRetained(
      Box {
        setCurrentName(name)
        body()
      }
    ).toOpaque()
    var thread = pthread_t()
    let result = pthread_create(
      &thread, nil,
      { argument in
        let box = Unmanaged<Box>.fromOpaque(argument!).takeRetainedValue()
        box.body()
        return nil
      }, box)
    if result != 0 {
      Unmanaged<Box>.fromOpaque(box).release()
      throw SyscallError(call: "pthread_create", errno: result)
    }
    return thread
  }

  public static func join(_ thread: pthread_t) {
    _ = pthread_join(thread, nil)
  }

  /// Names the calling thread (at most 15 bytes are kept by the kernel).
  public static func setCurrentName(_ name: String) {
    _ = splicer_set_thread_name(String(name.prefix(15)))
  }
}
