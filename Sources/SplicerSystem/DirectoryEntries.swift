import Glibc

/// The entries of a directory (e.g. /proc/self/fd), read with readdir(3).
public enum DirectoryEntries {
  /// Calls `body` with the NUL-terminated name of each entry but `.` and `..`; false when the
  /// directory cannot be opened.
  ///
  /// A `dirent` is only `d_reclen` bytes long, not `MemoryLayout<dirent>.size`: reading
  /// `entry.pointee` (or copying its 256-byte `d_name`) reads past the record, and past
  /// glibc's buffer for the last one, which crashed the process when that buffer ended at a
  /// page boundary. So the name is read in place through a pointer.
  @discardableResult
  public static func forEachName(in path: String, _ body: (UnsafePointer<CChar>) -> Void) -> Bool {
    guard let directory = opendir(path) else { return false }
    defer { closedir(directory) }
    let nameOffset = MemoryLayout<dirent>.offset(of: \dirent.d_name)!
    while let entry = readdir(directory) {
      let name = UnsafeRawPointer(entry).advanced(by: nameOffset).assumingMemoryBound(to: CChar.self)
      let isDot = name[0] == 0x2E && (name[1] == 0 || (name[1] == 0x2E && name[2] == 0))
      if !isDot { body(name) }
    }
    return true
  }

  /// The names in `path`, without `.` and `..`; nil when it cannot be opened.
  public static func names(in path: String) -> [String]? {
    var names: [String] = []
    guard forEachName(in: path, { names.append(String(cString: $0)) }) else { return nil }
    return names
  }
}
