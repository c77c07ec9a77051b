import Foundation
import XCTest

@testable import SplicerConfig

/// A config loaded from the bytes kept of it is the config loaded from the file, with the
/// same errors, and the bytes are the file's exactly.
final class ConfigSourceTests: XCTestCase {
  private var directory: URL!

  override func setUpWithError() throws {
    directory = FileManager.default.temporaryDirectory.appendingPathComponent("splicer-source-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
  }

  override func tearDown() {
    try? FileManager.default.removeItem(at: directory)
  }

  private func write(_ bytes: [UInt8], to name: String) throws -> String {
    let url = directory.appendingPathComponent(name)
    try Data(bytes).write(to: url)
    return url.path
  }

  func testBytesRebuildTheConfigAfterTheFileChanged() throws {
    let text = """
      # comments and layout are kept as read
      listeners: [{ name: web, bind: "127.0.0.1:0", pool: app }]
      pools: { app: { servers: [{ address: 127.0.0.1:9000 }, { address: "[::1]:9001", weight: 3 }] } }

      """
    let path = try write(Array(text.utf8), to: "splicer.yaml")
    let source = try ConfigSource.read(path: path)
    XCTAssertEqual(source.path, path)
    XCTAssertEqual(source.bytes, Array(text.utf8))
    let loaded = try ConfigLoader.load(path: path)

    _ = try write(Array("workers: 1\n".utf8), to: "splicer.yaml")
    XCTAssertEqual(try ConfigLoader.load(source: source), loaded)
  }

  func testErrorsAreTheFilesErrors() throws {
    let cases: [(name: String, bytes: [UInt8])] = [
      ("unknown-key.yaml", Array("workers: 1\nwrkers: 2\n".utf8)),
      ("not-utf8.yaml", [0x77, 0x3A, 0x20, 0xFF, 0xFE, 0x0A]),
      ("empty.yaml", []),
    ]
    for (name, bytes) in cases {
      let path = try write(bytes, to: name)
      let fromFile = Result { () throws(ConfigError) in try ConfigLoader.load(path: path) }
      let fromBytes = Result { () throws(ConfigError) in
        try ConfigLoader.load(source: ConfigSource(path: path, bytes: bytes))
      }
      guard case .failure(let fileError) = fromFile, case .failure(let bytesError) = fromBytes else {
        XCTFail("\(name) loaded")
        continue
      }
      XCTAssertEqual(bytesError, fileError, name)
      XCTAssertEqual(bytesError.file, path, name)
    }
  }

  func testUnreadableFileIsTheLoadersError() {
    let path = directory.appendingPathComponent("missing.yaml").path
    XCTAssertThrowsError(try ConfigSource.read(path: path)) { error in
      XCTAssertEqual(
        error as? ConfigError, ConfigError(file: path, message: "cannot open config file: No such file or directory"))
    }
  }
}
