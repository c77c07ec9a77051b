import Glibc
import SplicerSystem
import XCTest

final class ProcessStatusTests: XCTestCase {
  static let sample = """
    Name:\tsplicer
    Umask:\t0022
    State:\tS (sleeping)
    Uid:\t998\t998\t998\t998
    Gid:\t997\t997\t997\t997
    FDSize:\t64
    Groups:\t
    Threads:\t3
    CapInh:\t0000000000000000
    CapPrm:\t0000000000000400
    CapEff:\t0000000000000400
    CapBnd:\t0000000000000400
    CapAmb:\t0000000000000000
    NoNewPrivs:\t1
    """

  func testParsesIdentityAndCapabilityLines() throws {
    let status = try XCTUnwrap(ProcessStatus(parsing: Self.sample))
    XCTAssertEqual(status.uids, [998, 998, 998, 998])
    XCTAssertEqual(status.gids, [997, 997, 997, 997])
    XCTAssertEqual(status.groups, [])
    XCTAssertEqual(status.threads, 3)
    XCTAssertEqual(status.effective, .netBindService)
    XCTAssertEqual(status.permitted, .netBindService)
    XCTAssertEqual(status.bounding, .netBindService)
    XCTAssertEqual(status.inheritable, [])
    XCTAssertEqual(status.ambient, [])
  }

  func testParsesSupplementaryGroups() throws {
    let text = Self.sample.replacingOccurrences(of: "Groups:\t\n", with: "Groups:\t4 24 27 \n")
    XCTAssertEqual(ProcessStatus(parsing: text)?.groups, [4, 24, 27])
  }

  func testRejectsAFileWithoutTheFieldsItNeeds() {
    for field in ["Uid", "Gid", "Groups", "Threads", "CapEff", "CapBnd", "CapAmb"] {
      let text = Self.sample.split(separator: "\n").filter { !$0.hasPrefix(field + ":") }.joined(separator: "\n")
      XCTAssertNil(ProcessStatus(parsing: text), field)
    }
    XCTAssertNil(ProcessStatus(parsing: Self.sample.replacingOccurrences(of: "998\t998\t998\t998", with: "998")))
    XCTAssertNil(ProcessStatus(parsing: Self.sample.replacingOccurrences(of: "0000000000000400", with: "xyz")))
  }

  func testReadsEveryThreadOfThisProcess() throws {
    try withExtraThread {
      let threads = try ProcessStatus.allThreads()
      XCTAssertGreaterThan(threads.count, 1)
      XCTAssertNotNil(threads[getpid()], "the main thread's task id is the pid")
      for status in threads.values {
        XCTAssertEqual(status.uids, Array(repeating: getuid(), count: 4))
        XCTAssertEqual(status.threads, threads.count)
      }
      XCTAssertEqual(try ProcessStatus.threadCount(), threads.count)
    }
  }
}
