import SplicerTestSupport
import XCTest

@testable import SplicerConfig

/// The listener's `mirror` section: its keys, the sample's forms, and the errors a bad value
/// gives.
final class MirrorConfigTests: XCTestCase {
  typealias Case = ConfigErrorCase

  static let base = ConfigTemplate.minimal

  private func listener(_ mirror: String) throws -> ListenerConfig {
    let yaml = Self.base.replacing(line: 4, with: "    pool: app\n" + mirror)
    return try XCTUnwrap(ConfigLoader.parse(yaml: yaml, file: "ok.yaml").listeners.first)
  }

  func testNoSectionMeansNoMirror() throws {
    XCTAssertNil(try ConfigLoader.parse(yaml: Self.base.text, file: "ok.yaml").listeners[0].mirror)
  }

  func testSections() throws {
    let cases: [(yaml: String, expected: MirrorConfig, line: UInt)] = [
      ("    mirror: { pool: app }", MirrorConfig(pool: "app", samplePercent: 100), #line),
      ("    mirror: { pool: app, sample: 10% }", MirrorConfig(pool: "app", samplePercent: 10), #line),
      ("    mirror: { pool: app, sample: 0% }", MirrorConfig(pool: "app", samplePercent: 0), #line),
      ("    mirror:\n      pool: app\n      sample: 100", MirrorConfig(pool: "app", samplePercent: 100), #line),
    ]
    for (yaml, expected, line) in cases {
      XCTAssertEqual(try listener(yaml).mirror, expected, yaml, line: line)
    }
  }

  func testErrorsNameFileLineAndKey() {
    let cases: [Case] = [
      Case(
        name: "unknown pool", yaml: Self.base.replacing(line: 4, with: "    pool: app\n    mirror: { pool: shadow }"),
        line: 5, key: "listeners[0].mirror.pool", message: "no pool named 'shadow' (pools: app)"),
      Case(
        name: "no pool", yaml: Self.base.replacing(line: 4, with: "    pool: app\n    mirror: { sample: 5% }"),
        line: 5, key: "listeners[0].mirror", message: "'mirror' needs 'pool', the pool that receives the copies"),
      Case(
        name: "sample over 100",
        yaml: Self.base.replacing(line: 4, with: "    pool: app\n    mirror:\n      pool: app\n      sample: 150%"),
        line: 7, key: "listeners[0].mirror.sample", message: "must be a percentage from 0% to 100%, got '150%'"),
      Case(
        name: "sample not a number",
        yaml: Self.base.replacing(line: 4, with: "    pool: app\n    mirror: { pool: app, sample: half }"),
        line: 5, key: "listeners[0].mirror.sample", message: "must be a percentage from 0% to 100%, got 'half'"),
      Case(
        name: "unknown key",
        yaml: Self.base.replacing(line: 4, with: "    pool: app\n    mirror:\n      pool: app\n      rate: 5"),
        line: 7, key: "listeners[0].mirror.rate", message: "unknown key 'rate' (expected one of: pool, sample)"),
      Case(
        name: "copy mode",
        yaml: Self.base.replacing(line: 4, with: "    pool: app\n    mode: copy\n    mirror: { pool: app }"),
        line: 6, key: "listeners[0].mirror", message: "'mirror' needs 'mode: splice' (it tees the splice pipe)"),
    ]
    ConfigErrorCase.assertDistinct(cases)
    ConfigErrorCase.assertEach(cases, message: .whole)
  }
}
