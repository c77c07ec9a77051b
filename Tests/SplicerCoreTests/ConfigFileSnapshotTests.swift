import Foundation
import SplicerCore
import XCTest

/// Snapshots through the file system: same bytes compare equal however they were written; a
/// symlink resolves to its target.
final class ConfigFileSnapshotTests: XCTestCase {
  func testSnapshotsCompareBytesAndResolvedPath() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("snapshot-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let file = directory.appendingPathComponent("splicer.yaml").path
    try "workers: 1\n".write(toFile: file, atomically: true, encoding: .utf8)
    let first = ConfigFileSnapshot.take(path: file)
    XCTAssertEqual(first.contents, Array("workers: 1\n".utf8))
    // Same bytes, new inode: no change.
    try "workers: 1\n".write(toFile: file, atomically: true, encoding: .utf8)
    XCTAssertEqual(ConfigFileSnapshot.take(path: file), first)
    try "workers: 2\n".write(toFile: file, atomically: false, encoding: .utf8)
    XCTAssertNotEqual(ConfigFileSnapshot.take(path: file), first)

    let link = directory.appendingPathComponent("link.yaml").path
    try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "splicer.yaml")
    let linked = ConfigFileSnapshot.take(path: link)
    XCTAssertEqual(linked.resolvedPath, URL(fileURLWithPath: file).resolvingSymlinksInPath().path)
    XCTAssertEqual(linked.contents, Array("workers: 2\n".utf8))

    let missing = ConfigFileSnapshot.take(path: directory.appendingPathComponent("missing.yaml").path)
    XCTAssertEqual(missing, ConfigFileSnapshot(resolvedPath: nil, contents: nil))
  }
}
