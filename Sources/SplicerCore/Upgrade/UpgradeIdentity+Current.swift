import Glibc

extension UpgradeIdentity {
  /// This process: the wire versions this binary speaks, its version, the kernel's boot id
  /// (monotonic times are compared across the two processes), its uid and pid.
  public static func current(binaryVersion: String) -> UpgradeIdentity {
    UpgradeIdentity(binaryVersion: binaryVersion, bootID: bootID(), uid: getuid(), pid: getpid())
  }

  /// `/proc/sys/kernel/random/boot_id` without its newline; empty when it cannot be read,
  /// which the peer's check then refuses unless it could not read it either.
  static func bootID() -> String {
    let fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return "" }
    defer { close(fd) }
    var buffer = [UInt8](repeating: 0, count: 64)
    let count = read(fd, &buffer, buffer.count)
    guard count > 0 else { return "" }
    return String(decoding: buffer[0..<count], as: UTF8.self).trimmingSuffix()
  }
}

extension String {
  fileprivate func trimmingSuffix() -> String {
    var text = self
    while text.last == "\n" { text.removeLast() }
    return text
  }
}
