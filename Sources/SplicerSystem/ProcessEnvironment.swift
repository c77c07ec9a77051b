import Glibc

/// The few environment variables the systemd protocols use, read and cleared with the C library
/// so that parsers can take a plain dictionary and tests can pass their own.
///
/// getenv/unsetenv are not thread-safe: call these on the main thread at start-up.
public enum ProcessEnvironment {
  /// The values of `names` that are set.
  public static func values(of names: [String]) -> [String: String] {
    var result: [String: String] = [:]
    for name in names {
      if let value = getenv(name) { result[name] = String(cString: value) }
    }
    return result
  }

  /// Removes `names` from the environment, so that no child process inherits them.
  public static func remove(_ names: [String]) {
    for name in names { unsetenv(name) }
  }
}
