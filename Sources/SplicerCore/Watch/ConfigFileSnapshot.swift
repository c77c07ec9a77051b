import Glibc

/// What a config path stands for at one moment: the file it resolves to (through symlinks,
/// such as a Kubernetes ConfigMap's `splicer.yaml -> ..data/splicer.yaml`) and its bytes.
///
/// The watcher compares snapshots rather than inode or mtime: a write of the same bytes, a
/// `touch`, or a ConfigMap update that changed only another key leaves the snapshot equal and
/// triggers nothing. Config files are small (the loader caps them), so keeping the bytes is cheap.
public struct ConfigFileSnapshot: Equatable, Sendable {
  /// The resolved path; nil when the path does not resolve (missing, dangling link).
  public let resolvedPath: String?
  /// The bytes; nil when the file cannot be read.
  public let contents: [UInt8]?

  public init(resolvedPath: String?, contents: [UInt8]?) {
    self.resolvedPath = resolvedPath
    self.contents = contents
  }

  /// Reads `path` now.
  public static func take(path: String) -> ConfigFileSnapshot {
    var resolved: String?
    if let pointer = realpath(path, nil) {
      resolved = String(cString: pointer)
      free(pointer)
    }
    return ConfigFileSnapshot(resolvedPath: resolved, contents: readAll(path))
  }

  private static func readAll(_ path: String) -> [UInt8]? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    if fd < 0 { return nil }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 64 << 10)
    while true {
      let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
      if count < 0 {
        if errno == EINTR { continue }
        return nil
      }
      if count == 0 { return bytes }
      bytes.append(contentsOf: chunk[..<count])
      // Past the loader's cap the reload fails anyway; a changed size is change enough.
      if bytes.count > 16 << 20 { return bytes }
    }
  }
}
