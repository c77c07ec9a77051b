import Foundation
import Glibc

extension SplicerProcess {
  /// Lines whose text contains `fragment`, so far.
  func lineCount(containing fragment: String) -> Int {
    allLines().filter { $0.contains(fragment) }.count
  }

  /// Replaces the config and sends SIGHUP; waits for the next `reloaded` line (one more than
  /// before), and returns false on a timeout or a `reload failed` line instead.
  @discardableResult
  func reload(with yaml: String, timeoutSeconds: Double = 30) throws -> Bool {
    let reloaded = "\"message\":\"reloaded\""
    let failed = "reload failed"
    let before = (lineCount(containing: reloaded), lineCount(containing: failed))
    try rewriteConfig(yaml)
    send(SIGHUP)
    return waitFor(timeoutSeconds) { () -> Bool? in
      if lineCount(containing: failed) > before.1 { return false }
      if lineCount(containing: reloaded) > before.0 { return true }
      return nil
    } ?? false
  }
}
