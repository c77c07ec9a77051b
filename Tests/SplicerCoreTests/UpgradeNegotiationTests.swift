import SplicerCore
import XCTest

/// The choice of a wire version (design §4.1), and the checks on who the new process is.
final class UpgradeNegotiationTests: XCTestCase {
  func testTheNewestCommonVersionIsChosen() {
    let table: [(old: ClosedRange<UInt16>, new: ClosedRange<UInt16>, chosen: UInt16?)] = [
      (1...1, 1...1, 1),
      (3...3, 4...5, nil),
      (4...5, 3...3, nil),
      (3...5, 4...6, 5),
      (4...6, 3...5, 5),
      (1...9, 4...4, 4),
      (2...2, 1...3, 2),
    ]
    for row in table {
      XCTAssertEqual(UpgradeNegotiation.choose(old: row.old, new: row.new), row.chosen, "\(row.old) \(row.new)")
    }
  }

  func testHelloIsAnsweredOrRefused() {
    let old = UpgradeIdentity(supported: 3...4, binaryVersion: "1.3", bootID: "b", uid: 7, pid: 1)
    func hello(_ range: ClosedRange<UInt16>, boot: String = "b", uid: UInt32 = 7) -> UpgradeHello {
      UpgradeHello(
        oldestVersion: range.lowerBound, newestVersion: range.upperBound, binaryVersion: "1.4", bootID: boot, uid: uid,
        pid: 2, configDigest: [])
    }
    XCTAssertEqual(try UpgradeNegotiation.answer(hello(4...6), old: old).get(), 4)
    let refusals: [(UpgradeHello, UpgradeRefusal)] = [
      (hello(5...6), .incompatibleVersion), (hello(3...4, boot: "c"), .bootMismatch),
      (hello(3...4, uid: 0), .uidMismatch),
    ]
    for (hello, reason) in refusals {
      guard case .failure(let notice) = UpgradeNegotiation.answer(hello, old: old) else {
        return XCTFail("\(reason) accepted")
      }
      XCTAssertEqual(notice.reason, reason)
    }
    if case .failure(let notice) = UpgradeNegotiation.answer(hello(5...6), old: old) {
      XCTAssertEqual(notice.text, "old 1.3 speaks 3...4, new 1.4 speaks 5...6")
    }
  }

  func testTheRecordsChecksumIsCRC32() {
    var crc = UpgradeCRC32()
    crc.add(Array("123456789".utf8))
    XCTAssertEqual(crc.value, 0xCBF4_3926)
  }
}
