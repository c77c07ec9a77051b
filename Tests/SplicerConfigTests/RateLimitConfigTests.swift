import SplicerTestSupport
import XCTest

@testable import SplicerConfig

/// The listener's `rate_limit` section: its keys, defaults, and the errors a bad value gives.
final class RateLimitConfigTests: XCTestCase {
  typealias Case = ConfigErrorCase

  static let base = ConfigTemplate.minimal

  private func listener(_ rateLimit: String) throws -> ListenerConfig {
    let yaml = Self.base.replacing(line: 4, with: "    pool: app\n" + rateLimit)
    return try XCTUnwrap(ConfigLoader.parse(yaml: yaml, file: "ok.yaml").listeners.first)
  }

  func testNoSectionMeansNoLimit() throws {
    let config = try ConfigLoader.parse(yaml: Self.base.text, file: "ok.yaml")
    XCTAssertEqual(config.listeners[0].rateLimit, RateLimitConfig())
    XCTAssertFalse(config.listeners[0].rateLimit.isLimited)
  }

  func testSections() throws {
    let cases: [(yaml: String, expected: RateLimitConfig, line: UInt)] = [
      ("    rate_limit:", RateLimitConfig(), #line),
      ("    rate_limit: {}", RateLimitConfig(), #line),
      ("    rate_limit: { download: 100Mbit/s }", RateLimitConfig(download: 12_500_000), #line),
      ("    rate_limit: { upload: 20Mbit/s }", RateLimitConfig(upload: 2_500_000), #line),
      ("    rate_limit: { listener_total: 1Gbit/s }", RateLimitConfig(listenerTotal: 125_000_000), #line),
      (
        "    rate_limit:\n      download: 10MiB/s\n      upload: 1MB/s\n      listener_total: 1Gbit/s",
        RateLimitConfig(download: 10 << 20, upload: 1_000_000, listenerTotal: 125_000_000), #line
      ),
    ]
    for (yaml, expected, line) in cases {
      let config = try listener(yaml)
      XCTAssertEqual(config.rateLimit, expected, yaml, line: line)
      XCTAssertEqual(config.rateLimit.isLimited, expected != RateLimitConfig(), yaml, line: line)
    }
  }

  func testErrorsNameFileLineAndKey() {
    let cases: [Case] = [
      Case(
        name: "unit without /s",
        yaml: Self.base.replacing(line: 4, with: "    pool: app\n    rate_limit: { download: 100Mbit }"),
        line: 5, key: "listeners[0].rate_limit.download",
        message: "unknown rate unit 'Mbit' in '100Mbit' (did you mean 'Mbit/s'?)"),
      Case(
        name: "bare number",
        yaml: Self.base.replacing(line: 4, with: "    pool: app\n    rate_limit:\n      upload: 100"),
        line: 6, key: "listeners[0].rate_limit.upload",
        message: "'100' needs a unit, e.g. 100Mbit/s, 10MB/s or 10MiB/s (a bare number could be bits or bytes)"),
      Case(
        name: "zero",
        yaml: Self.base.replacing(line: 4, with: "    pool: app\n    rate_limit:\n      listener_total: 0Gbit/s"),
        line: 6, key: "listeners[0].rate_limit.listener_total", message: "rate must be greater than 0, got '0Gbit/s'"),
      Case(
        name: "negative",
        yaml: Self.base.replacing(line: 4, with: "    pool: app\n    rate_limit:\n      download: -5MB/s"),
        line: 6, key: "listeners[0].rate_limit.download", message: "rate must not be negative, got '-5MB/s'"),
      Case(
        name: "misspelt key",
        yaml: Self.base.replacing(line: 4, with: "    pool: app\n    rate_limit:\n      downlaod: 5MB/s"),
        line: 6, key: "listeners[0].rate_limit.downlaod", message: "unknown key 'downlaod' (did you mean 'download'?)"),
      Case(
        name: "unknown key",
        yaml: Self.base.replacing(line: 4, with: "    pool: app\n    rate_limit:\n      burst: 5MB"),
        line: 6, key: "listeners[0].rate_limit.burst",
        message: "unknown key 'burst' (expected one of: download, upload, listener_total)"),
      Case(
        name: "misspelt section", yaml: Self.base.replacing(line: 4, with: "    pool: app\n    rate_limits: {}"),
        line: 5, key: "listeners[0].rate_limits", message: "unknown key 'rate_limits' (did you mean 'rate_limit'?)"),
      Case(
        name: "scalar section", yaml: Self.base.replacing(line: 4, with: "    pool: app\n    rate_limit: 10MB/s"),
        line: 5, key: "listeners[0].rate_limit",
        message: "expected a mapping (with keys like download, upload, listener_total), found a string ('10MB/s')"),
      Case(
        name: "sequence value",
        yaml: Self.base.replacing(line: 4, with: "    pool: app\n    rate_limit: { upload: [1MB/s] }"),
        line: 5, key: "listeners[0].rate_limit.upload",
        message: "expected a rate such as 100Mbit/s, 10MB/s or 10MiB/s, found a sequence"),
    ]
    ConfigErrorCase.assertDistinct(cases)
    ConfigErrorCase.assertEach(cases, message: .whole)
  }
}
