import SplicerConfig
import SplicerSystem
import XCTest

@testable import SplicerLogging

/// The access log's fast writers produce exactly what the `String` ways print.
final class LogLineTests: XCTestCase {
  private func text(_ write: (inout LogBuffer) -> Void) -> String {
    // A small start, so that the writers also grow the buffer on the way.
    var bytes = LogBuffer(capacity: 16)
    defer { bytes.free() }
    write(&bytes)
    return String(decoding: bytes.array, as: UTF8.self)
  }

  func testMillisecondsAreWhatDoublePrints() {
    var generator = SystemRandomNumberGenerator()
    let fixed: [UInt64] = [
      0, 999, 1_000, 5_000, 68_000, 100_000, 123_456, 1_000_000, 1_230_000, 2_500_000_000, 7_000_999_999,
      86_400_000_000_000, 1 << 50,
    ]
    let random = (0..<2_000).map { _ in UInt64.random(in: 0..<(1 << 52), using: &generator) }
    for nanoseconds in fixed + random {
      XCTAssertEqual(
        text { LogLine.appendMilliseconds(nanoseconds, to: &$0) }, "\(Double(nanoseconds / 1000) / 1000)",
        "\(nanoseconds)")
    }
  }

  func testDecimalNumbers() {
    for value: UInt64 in [0, 9, 10, 99, 100, 1_000_000, UInt64.max / 10, UInt64.max] {
      XCTAssertEqual(text { $0.appendDecimal(value) }, "\(value)")
    }
  }

  func testAddressesAreTheirDescriptions() {
    let addresses = [
      SocketAddress(ip: "0.0.0.0", port: 0)!, SocketAddress(ip: "127.0.0.1", port: 40_000)!,
      SocketAddress(ip: "255.255.255.255", port: 65_535)!, SocketAddress(ip: "10.20.3.4", port: 8)!,
      SocketAddress(ip: "::1", port: 443)!, SocketAddress(unixPath: "/run/app sock")!,
    ]
    for address in addresses {
      XCTAssertEqual(text { $0.append(address: address) }, address.description)
    }
  }

  func testFixedKeysWriteWhatStringKeysWrite() {
    let time = LogTimestamp(seconds: 1_796_556_605, milliseconds: 7)
    for format in [LogConfig.Format.json, .logfmt] {
      let address = SocketAddress(ip: "10.0.0.1", port: 99)!
      let unix = SocketAddress(unixPath: "/tmp/a b")!
      let fast = text { bytes in
        var formatter = LogTimeFormatter()
        let line = LogLine(into: &bytes, format: format, time: time, formatter: &formatter, level: "info", message: "m")
        line.field("a", 42, to: &bytes)
        line.field("b", milliseconds: 1_500_000, to: &bytes)
        line.field("c", address: address, to: &bytes)
        line.field("d", address: unix, to: &bytes)
        line.field("e", "x y", to: &bytes)
        line.finish(&bytes)
      }
      let slow = text { bytes in
        let line = LogLine(into: &bytes, format: format, time: time, level: "info", message: "m")
        line.field(named: "a", "42", to: &bytes)
        line.field(named: "b", "1.5", to: &bytes)
        line.field(named: "c", address.description, to: &bytes)
        line.field(named: "d", unix.description, to: &bytes)
        line.field(named: "e", "x y", to: &bytes)
        line.finish(&bytes)
      }
      XCTAssertEqual(fast, slow)
    }
  }

  func testTheCachedSecondFollowsTheClock() {
    var formatter = LogTimeFormatter()
    for (seconds, milliseconds) in [(0, 0), (0, 999), (1, 5), (1, 50), (59, 500), (86_399, 1), (86_400, 0), (5, 5)] {
      let time = LogTimestamp(seconds: seconds, milliseconds: milliseconds)
      XCTAssertEqual(text { formatter.append(time, to: &$0) }, time.text)
    }
  }
}
