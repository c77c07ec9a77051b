import Glibc
import XCTest

/// What the kernel says about this process's epoll sets, read from `/proc/self/fdinfo`: each
/// epoll descriptor lists there the files it watches (`tfd: … ino:<hex>`). For a test that
/// must show a socket is not registered yet, whichever loop would register it.
enum EpollWatches {
  /// Whether any epoll set of this process watches the file `fd` refers to.
  static func watch(_ fd: Int32) -> Bool {
    var status = stat()
    guard fstat(fd, &status) == 0 else { return false }
    let inode = "ino:" + String(status.st_ino, radix: 16)
    let descriptors = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
    return descriptors.contains { name in
      let link = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(name)")
      guard link == "anon_inode:[eventpoll]",
        let info = try? String(contentsOfFile: "/proc/self/fdinfo/\(name)", encoding: .utf8)
      else { return false }
      return info.split(separator: "\n").contains { line in
        line.hasPrefix("tfd:") && line.split(separator: " ").contains { $0 == inode }
      }
    }
  }
}
