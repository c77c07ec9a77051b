import SplicerCore
import XCTest

/// The debounce as a table: each case is a list of steps on a virtual clock (milliseconds),
/// either an event or a look at what to do next, with the action expected.
final class ConfigWatchDebounceTests: XCTestCase {
  private enum Step {
    case event(UInt64)
    case next(UInt64, ConfigWatchDebounce.Action)
  }

  private static let ms: UInt64 = 1_000_000

  private static func wait(_ milliseconds: UInt64) -> ConfigWatchDebounce.Action {
    .wait(nanoseconds: milliseconds * ms)
  }

  private let cases: [(name: String, steps: [Step])] = [
    ("nothing happened", [.next(0, .idle), .next(10_000, .idle)]),
    (
      "one event checks once after the quiet period",
      [
        .event(100), .next(100, wait(300)), .next(399, wait(1)), .next(400, .check), .next(401, .idle),
      ]
    ),
    ("a late look still checks once", [.event(0), .next(5_000, .check), .next(5_001, .idle)]),
    (
      "each event pushes the check back",
      [
        .event(0), .next(0, wait(300)), .event(200), .next(200, wait(300)), .event(450), .next(500, wait(250)),
        .next(750, .check), .next(750, .idle),
      ]
    ),
    (
      "events that never stop still check after the maximum delay",
      [
        .event(0), .event(1_000), .event(2_000), .event(3_000), .event(4_000), .event(4_900),
        .next(4_900, wait(100)), .next(5_000, .check), .next(5_000, .idle),
      ]
    ),
    (
      "a new burst after a check is timed from its own events",
      [
        .event(0), .next(300, .check), .event(1_000), .next(1_000, wait(300)), .next(1_300, .check),
      ]
    ),
    (
      "a burst that started long ago is bounded by its first event",
      [
        .event(0), .event(4_800), .next(4_800, wait(200)), .event(4_950), .next(4_950, wait(50)),
      ]
    ),
  ]

  func testTable() {
    for (name, steps) in cases {
      var debounce = ConfigWatchDebounce(quietPeriod: 300 * Self.ms, maximumDelay: 5_000 * Self.ms)
      for (index, step) in steps.enumerated() {
        switch step {
        case .event(let at):
          debounce.eventArrived(at: at * Self.ms)
        case .next(let at, let expected):
          XCTAssertEqual(debounce.next(at: at * Self.ms), expected, "\(name), step \(index)")
        }
      }
    }
  }

  func testMaximumDelayIsNeverShorterThanTheQuietPeriod() {
    var debounce = ConfigWatchDebounce(quietPeriod: 300 * Self.ms, maximumDelay: 0)
    debounce.eventArrived(at: 0)
    XCTAssertEqual(debounce.next(at: 0), .wait(nanoseconds: 300 * Self.ms))
  }
}
