import Foundation
import XCTest

@testable import SplicerConfig

final class ConfigLoaderFileTests: XCTestCase {
  func testMissingFileIsAConfigErrorWithTheErrnoText() {
    let path = "/nonexistent/splicer-\(UUID().uuidString).yaml"
    XCTAssertThrowsError(try ConfigLoader.load(path: path)) { error in
      XCTAssertEqual(
        error as? ConfigError,
        ConfigError(file: path, message: "cannot open config file: No such file or directory"))
    }
  }

  func testDirectoryIsAConfigError() {
    XCTAssertThrowsError(try ConfigLoader.load(path: NSTemporaryDirectory())) { error in
      let message = (error as? ConfigError)?.message ?? ""
      XCTAssertTrue(message.contains("Is a directory"), message)
    }
  }

  func testLoadReadsAndLabelsTheFile() throws {
    let directory = FileManager.default.temporaryDirectory
      .appendingPathComponent("splicer-config-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }

    let good = directory.appendingPathComponent("good.yaml")
    try """
    listeners: [{ name: web, bind: "[::1]:0", pool: app }]
    pools: { app: { servers: [{ address: 127.0.0.1:9000 }] } }
    """.write(to: good, atomically: true, encoding: .utf8)
    XCTAssertEqual(try ConfigLoader.load(path: good.path).listeners.first?.bind.family, .ipv6)

    let bad = directory.appendingPathComponent("bad.yaml")
    try "workers: 1\nwrkers: 2\n".write(to: bad, atomically: true, encoding: .utf8)
    XCTAssertThrowsError(try ConfigLoader.load(path: bad.path)) { error in
      XCTAssertEqual(
        (error as? ConfigError)?.description,
        "\(bad.path):2:1: error: wrkers: unknown key 'wrkers' (did you mean 'workers'?)")
    }

    let binary = directory.appendingPathComponent("binary.yaml")
    try Data([0x77, 0x3A, 0x20, 0xFF, 0xFE]).write(to: binary)
    XCTAssertThrowsError(try ConfigLoader.load(path: binary.path)) { error in
      XCTAssertEqual((error as? ConfigError)?.message, "file is not valid UTF-8 text")
    }
  }
}
