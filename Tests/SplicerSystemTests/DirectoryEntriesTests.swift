import Foundation
import SplicerSystem
import XCTest

final class DirectoryEntriesTests: XCTestCase {
  /// Names of every length, up to the 255-byte maximum, come back whole; `.` and `..` never do.
  func testNamesOfEveryLengthAreReadWhole() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("entries-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let names = Set(
      [1, 2, 3, 7, 8, 9, 100, 254, 255].map { String(repeating: "n", count: $0 - 1) + "x" } + [".hidden"])
    for name in names {
      XCTAssertTrue(FileManager.default.createFile(atPath: directory.appendingPathComponent(name).path, contents: nil))
    }
    XCTAssertEqual(DirectoryEntries.names(in: directory.path).map(Set.init), names)
    var count = 0
    XCTAssertTrue(DirectoryEntries.forEachName(in: directory.path) { _ in count += 1 })
    XCTAssertEqual(count, names.count)
    XCTAssertNil(DirectoryEntries.names(in: directory.appendingPathComponent("missing").path))
  }
}
