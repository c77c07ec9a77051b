import Foundation
import Glibc

/// A mode-0755 folder under /tmp with copies of an executable and of the sanitizer
/// suppression files its environment names, for a child that runs as `nobody` or drops to
/// it: the clone the tests were built in may sit in a folder that user cannot enter (0700).
///
/// The caller owns the folder: `remove()` deletes it.
public final class NobodyReadableCopy {
  /// Sanitizer options whose `suppressions=` path the child's runtime reads, possibly late
  /// (LeakSanitizer reads its file at exit, after the drop).
  public static let optionVariables = ["ASAN_OPTIONS", "LSAN_OPTIONS", "TSAN_OPTIONS", "UBSAN_OPTIONS"]

  public let directory: String
  /// The copy of the executable.
  public let executable: String
  /// The environment given, with every `suppressions=` path pointing at a copy in `directory`.
  public let environment: [String: String]

  public init(executable source: String, environment original: [String: String] = ProcessInfo.processInfo.environment)
    throws
  {
    var template = Array("/tmp/splicer-nobody.XXXXXX".utf8CString)
    guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
      throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: "/tmp/splicer-nobody.XXXXXX"])
    }
    directory = String(cString: made)
    chmod(directory, 0o755)
    do {
      executable = directory + "/" + URL(fileURLWithPath: source).lastPathComponent
      try FileManager.default.copyItem(atPath: source, toPath: executable)
      chmod(executable, 0o755)
      var environment = original
      for name in Self.optionVariables {
        guard let options = original[name] else { continue }
        var rewritten: [String] = []
        for option in options.split(separator: ":", omittingEmptySubsequences: false) {
          guard option.hasPrefix("suppressions=") else {
            rewritten.append(String(option))
            continue
          }
          let path = String(option.dropFirst("suppressions=".count))
          let copy = "\(directory)/\(name.lowercased()).supp"
          try FileManager.default.copyItem(atPath: path, toPath: copy)
          chmod(copy, 0o644)
          rewritten.append("suppressions=\(copy)")
        }
        environment[name] = rewritten.joined(separator: ":")
      }
      self.environment = environment
    } catch {
      try? FileManager.default.removeItem(atPath: directory)
      throw error
    }
  }

  public func remove() {
    try? FileManager.default.removeItem(atPath: directory)
  }
}
