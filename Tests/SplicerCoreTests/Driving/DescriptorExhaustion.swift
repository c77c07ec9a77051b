import Glibc
import XCTest

/// Runs the process out of descriptors for a while: lowers the soft RLIMIT_NOFILE to a little
/// above the descriptors open now and takes every free one below it, so that the next
/// `accept4` or `socket` fails with EMFILE (or the one after `leaving` more). `end` gives
/// them back and restores the limit.
///
/// Process-wide, which is safe here only because the tests of this target run one at a time
/// on one thread, and a driven worker has no thread of its own.
final class DescriptorExhaustion {
  private var original = rlimit()
  private var fillers: [Int32] = []
  private var ended = false

  /// - Parameter leaving: how many descriptors stay free.
  init(leaving: Int = 0) throws {
    XCTAssertEqual(getrlimit(Int32(RLIMIT_NOFILE.rawValue), &original), 0)
    let lowest = open("/dev/null", O_RDONLY | O_CLOEXEC)
    guard lowest >= 0 else { throw XCTSkip("no descriptor left to start with") }
    fillers.append(lowest)
    var lowered = original
    lowered.rlim_cur = rlim_t(lowest + 16)
    XCTAssertEqual(setrlimit(Int32(RLIMIT_NOFILE.rawValue), &lowered), 0)
    while true {
      let fd = open("/dev/null", O_RDONLY | O_CLOEXEC)
      if fd < 0 { break }
      fillers.append(fd)
    }
    XCTAssertEqual(errno, EMFILE)
    for _ in 0..<leaving { close(fillers.removeLast()) }
  }

  func end() {
    guard !ended else { return }
    ended = true
    for fd in fillers { close(fd) }
    fillers.removeAll()
    XCTAssertEqual(setrlimit(Int32(RLIMIT_NOFILE.rawValue), &original), 0)
  }

  deinit {
    end()
  }
}
