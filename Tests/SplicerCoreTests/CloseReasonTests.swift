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

  /// With keepalive on a side, ETIMEDOUT there is the kernel giving up on the peer; every
  /// other failure keeps its usual reason.
  func testKeepaliveTimeoutsOnlyWithKeepaliveOnThatSide() {
    let cases: [(errno: Int32, client: Bool, keepalive: Bool, expected: CloseReason)] = [
      (ETIMEDOUT, true, true, .clientKeepaliveTimeout),
      (ETIMEDOUT, false, true, .serverKeepaliveTimeout),
      (ETIMEDOUT, true, false, .clientError),
      (ETIMEDOUT, false, false, .serverError),
      (ECONNRESET, true, true, .clientReset),
      (EHOSTUNREACH, false, true, .serverError),
    ]
    for (code, client, keepalive, expected) in cases {
      XCTAssertEqual(CloseReason.socketFailure(errno: code, onClientSide: client, keepalive: keepalive), expected)
    }
  }

  func testOnlyFailuresResetThePeers() {
    let aborting = CloseReason.allCases.filter(\.abortsConnection).map(\.description)
    XCTAssertEqual(
      aborting,
      [
        "client_reset", "client_error", "server_reset", "server_error", "idle_timeout", "shutdown", "resources",
        "denied", "proxy_header_invalid", "proxy_untrusted", "client_keepalive_timeout", "server_keepalive_timeout",
        "max_lifetime",
      ])
  }

  func testConnectFailureReasons() {
    let cases: [(Int32, ConnectFailureReason)] = [
      (ECONNREFUSED, .refused), (ETIMEDOUT, .timeout), (ENETUNREACH, .unreachable), (EHOSTUNREACH, .unreachable),
      (EADDRNOTAVAIL, .noLocalPort), (EACCES, .other),
    ]
    for (code, expected) in cases {
      XCTAssertEqual(ConnectFailureReason(errno: code), expected, "errno \(code)")
    }
  }

  /// The proxy running out of local ports is its own failure: it must not count towards
  /// taking a server down (`observe.failures`), while every failure that comes from the
  /// server or the path to it does.
  func testOnlyFailuresOfTheServerCountAgainstIt() {
    let cases: [(Int32, Bool)] = [
      (ECONNREFUSED, true), (ETIMEDOUT, true), (ENETUNREACH, true), (EHOSTUNREACH, true), (EACCES, true),
      (EADDRNOTAVAIL, false),
    ]
    for (code, blamesServer) in cases {
      XCTAssertEqual(ConnectFailureReason(errno: code).blamesServer, blamesServer, "errno \(code)")
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
