import Glibc
import XCTest

@testable import SplicerCore

final class CloseReasonTests: XCTestCase {
  func testSocketFailuresMapToTheSideAndKind() {
    let cases: [(errno: Int32, client: Bool, expected: CloseReason)] = [
      (ECONNRESET, true, .clientReset),
      (EPIPE, true, .clientReset),
      (ETIMEDOUT, true, .clientError),
      (ECONNRESET, false, .serverReset),
      (EPIPE, false, .serverReset),
      (EHOSTUNREACH, false, .serverError),
    ]
    for (code, client, expected) in cases {
      XCTAssertEqual(CloseReason.socketFailure(errno: code, onClientSide: client), expected)
    }
  }

  func testOnlyFailuresResetThePeers() {
    let aborting = CloseReason.allCases.filter(\.abortsConnection).map(\.description)
    XCTAssertEqual(
      aborting,
      [
        "client_reset", "client_error", "server_reset", "server_error", "idle_timeout", "shutdown", "resources",
        "denied", "proxy_header_invalid", "proxy_untrusted",
      ])
  }

  func testConnectFailureReasons() {
    let cases: [(Int32, ConnectFailureReason)] = [
      (ECONNREFUSED, .refused), (ETIMEDOUT, .timeout), (ENETUNREACH, .unreachable), (EHOSTUNREACH, .unreachable),
      (EADDRNOTAVAIL, .unreachable), (EACCES, .other),
    ]
    for (code, expected) in cases {
      XCTAssertEqual(ConnectFailureReason(errno: code), expected, "errno \(code)")
    }
  }

  func testLabelsAreUniqueSnakeCase() {
    let labels = CloseReason.allCases.map(\.description) + SpliceFallbackReason.allCases.map(\.description)
    XCTAssertEqual(Set(labels).count, labels.count)
    for label in labels {
      XCTAssertTrue(label.allSatisfy { $0.isLowercase || $0 == "_" }, label)
    }
  }
}
