import Glibc
import SplicerCore
import SplicerSystem
import XCTest

/// `AdoptionLedger` against real descriptors: an abort closes exactly what was received, once,
/// and the process's descriptor count returns to its baseline.
final class AdoptionLedgerTests: XCTestCase {
  /// The process's open descriptors (the listing's own directory descriptor among them, the
  /// same number each time).
  private func openDescriptors() throws -> Set<Int32> {
    Set(try XCTUnwrap(DirectoryEntries.names(in: "/proc/self/fd")).compactMap { Int32($0) })
  }

  private func pipes(_ count: Int) -> [Int32] {
    (0..<count).flatMap { _ -> [Int32] in
      var ends: [Int32] = [0, 0]
      XCTAssertEqual(pipe(&ends), 0)
      return ends
    }
  }

  func testCloseAllClosesEveryRecordedDescriptorOnce() throws {
    let baseline = try openDescriptors()
    let received = pipes(4)
    let ledger = AdoptionLedger()
    ledger.record(received.prefix(3))
    ledger.record(received.dropFirst(3))
    XCTAssertEqual(ledger.recorded, received)
    XCTAssertTrue(try openDescriptors().isSuperset(of: received))

    XCTAssertEqual(ledger.closeAll(), received.count)
    XCTAssertEqual(ledger.count, 0)
    for descriptor in received {
      XCTAssertEqual(fcntl(descriptor, F_GETFD), -1, "descriptor \(descriptor) still open")
    }
    XCTAssertEqual(try openDescriptors(), baseline)

    // Once: a descriptor number reused after the abort is not the ledger's.
    let reused = pipes(1)
    XCTAssertEqual(ledger.closeAll(), 0)
    for descriptor in reused { XCTAssertNotEqual(fcntl(descriptor, F_GETFD), -1) }
    for descriptor in reused { close(descriptor) }
  }

  func testReleaseHandsDescriptorsOnUnclosed() throws {
    let received = pipes(1)
    let ledger = AdoptionLedger()
    ledger.record(received)
    ledger.release()
    XCTAssertEqual(ledger.closeAll(), 0)
    for descriptor in received {
      XCTAssertNotEqual(fcntl(descriptor, F_GETFD), -1)
      close(descriptor)
    }
  }
}
