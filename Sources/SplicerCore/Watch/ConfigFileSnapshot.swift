import Glibc
import SplicerConfig

/// What a config path stands for at one moment: the file it resolves to (through symlinks,
/// such as a Kubernetes ConfigMap's `splicer.yaml -> ..data/splicer.yaml`) and its bytes.
///
/// The watcher compares snapshots rather than inode or mtime: a write of the same bytes, a
/// `touch`, or a ConfigMap update that changed only another key leaves the snapshot equal and
/// triggers nothing. Config files are small (the loader caps them), so keeping the bytes is cheap;
/// a file past the cap reads as nil, and its load fails anyway.
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
    return ConfigFileSnapshot(resolvedPath: resolved, contents: ConfigFileReader.bytes(ofFile: path))
  }
}
