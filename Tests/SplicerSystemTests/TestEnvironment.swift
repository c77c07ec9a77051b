import Glibc

/// Runs `body` with the environment variables in `values` set (nil: unset), then restores what
/// they were before.
func withEnvironment<T>(_ values: [String: String?], _ body: () throws -> T) rethrows -> T {
  var saved: [String: String?] = [:]
  for (name, value) in values {
    saved[name] = getenv(name).map { String(cString: $0) }
    if let value { setenv(name, value, 1) } else { unsetenv(name) }
  }
  defer {
    for (name, value) in saved {
      if let value { setenv(name, value, 1) } else { unsetenv(name) }
    }
  }
  return try body()
}
