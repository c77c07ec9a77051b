import Glibc

/// The path the running binary was started as, made absolute, for the upgrade to execute
/// again: `argv[0]` as is when absolute, joined to the working directory when it contains a
/// `/`, looked up in PATH when it is a bare name (as the shell that started us did).
///
/// Deliberately not resolved through symlinks and not `/proc/self/exe`: that names the inode
/// running now, possibly deleted, while pointing a symlink such as `/usr/local/bin/splicer` at
/// a new release is the normal way to upgrade. Compute it at start-up: a later `chdir` or
/// PATH change would change the answer.
public enum ExecutablePath {
  /// PATH when it is unset, like execvp(3)'s default.
  public static let defaultSearchPath = "/bin:/usr/bin"

  /// `argument0` made absolute; nil when it is empty, or a bare name not found as an
  /// executable file in `searchPath`.
  ///
  /// - Parameters:
  ///   - workingDirectory: absolute; joined to a relative `argument0` or PATH entry.
  ///   - searchPath: the value of PATH (nil: unset); an empty entry means the working directory.
  ///   - isExecutable: whether a candidate path is an executable regular file.
  public static func absolute(
    argument0: String, workingDirectory: String, searchPath: String?, isExecutable: (String) -> Bool
  ) -> String? {
    if argument0.isEmpty { return nil }
    if argument0.hasPrefix("/") { return normalized(argument0) }
    if argument0.contains("/") { return normalized(workingDirectory + "/" + argument0) }
    for entry in (searchPath ?? defaultSearchPath).split(separator: ":", omittingEmptySubsequences: false) {
      let directory = entry.isEmpty ? workingDirectory : String(entry)
      let base = directory.hasPrefix("/") ? directory : workingDirectory + "/" + directory
      let candidate = normalized(base + "/" + argument0)
      if isExecutable(candidate) { return candidate }
    }
    return nil
  }

  /// This process's `argv[0]` made absolute against the current directory and PATH.
  public static func ofCurrentProcess() -> String? {
    guard let argument0 = CommandLine.arguments.first, let directory = currentDirectory() else { return nil }
    let searchPath = ProcessEnvironment.values(of: ["PATH"])["PATH"]
    return absolute(
      argument0: argument0, workingDirectory: directory, searchPath: searchPath, isExecutable: isExecutableFile)
  }

  /// A regular file this process may execute (`access(X_OK)` alone says yes to directories).
  public static func isExecutableFile(_ path: String) -> Bool {
    var status = stat()
    guard stat(path, &status) == 0, status.st_mode & S_IFMT == S_IFREG else { return false }
    return access(path, X_OK) == 0
  }

  /// Drops `.` components and repeated slashes. `..` stays: with symlinks on the way,
  /// removing it with the component before would name another file.
  static func normalized(_ path: String) -> String {
    let parts = path.split(separator: "/").filter { $0 != "." }
    return "/" + parts.joined(separator: "/")
  }

  private static func currentDirectory() -> String? {
    var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    guard getcwd(&buffer, buffer.count) != nil else { return nil }
    return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
  }
}
