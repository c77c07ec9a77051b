#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Reads a config file into a string with plain POSIX calls, so failures carry the errno text
/// ("No such file or directory", "Permission denied") rather than a Foundation wrapper message.
public enum ConfigFileReader {
  /// Config files are small; a cap keeps `splicer check /dev/zero` from eating memory.
  static let maximumSize = 16 << 20

  /// The file's bytes, or nil if it cannot be opened or read or is larger than
  /// `maximumSize`. For the config watch, which compares contents.
  public static func bytes(ofFile path: String) -> [UInt8]? {
    guard case .success(let bytes) = readBytes(path) else { return nil }
    return bytes
  }

  /// The file's bytes as the loader takes them; a file that cannot be read, or is too large,
  /// is a `ConfigError`.
  static func configBytes(ofFile path: String) throws(ConfigError) -> [UInt8] {
    switch readBytes(path) {
    case .failure(.system(let action, let code)):
      throw failure(path, action, code)
    case .failure(.tooLarge):
      throw ConfigError(
        file: path, message: "file is larger than \(SizeParser.format(maximumSize)); is it a config file?")
    case .success(let bytes):
      return bytes
    }
  }

  /// `bytes` as text; bytes that are not UTF-8 are a `ConfigError` labelled `file`.
  static func text(of bytes: [UInt8], file: String) throws(ConfigError) -> String {
    guard let text = String(validating: bytes, as: UTF8.self) else {
      throw ConfigError(file: file, message: "file is not valid UTF-8 text")
    }
    return text
  }

  private enum ReadFailure: Error {
    /// A call failed: what it was doing ("cannot open") and its errno.
    case system(action: String, errno: Int32)
    case tooLarge
  }

  private static func readBytes(_ path: String) -> Result<[UInt8], ReadFailure> {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    if fd < 0 { return .failure(.system(action: "cannot open", errno: errno)) }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 64 << 10)
    while true {
      let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
      if count < 0 {
        if errno == EINTR { continue }
        return .failure(.system(action: "cannot read", errno: errno))
      }
      if count == 0 { return .success(bytes) }
      bytes.append(contentsOf: chunk[..<count])
      if bytes.count > maximumSize { return .failure(.tooLarge) }
    }
  }

  /// Why `path` cannot serve as a readable regular file, or nil when it can.
  static func readabilityProblem(_ path: String) -> String? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    if fd < 0 { return String(cString: strerror(errno)) }
    defer { close(fd) }
    var info = stat()
    if fstat(fd, &info) != 0 { return String(cString: strerror(errno)) }
    if info.st_mode & S_IFMT != S_IFREG { return "not a regular file" }
    return nil
  }

  private static func failure(_ path: String, _ action: String, _ code: Int32) -> ConfigError {
    ConfigError(file: path, message: "\(action) config file: \(String(cString: strerror(code)))")
  }
}
