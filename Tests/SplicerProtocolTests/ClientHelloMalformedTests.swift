import SplicerProtocol
import SplicerTestSupport
import XCTest

@testable import SplicerRouting

/// Synthetic ClientHellos broken one field at a time, and bytes that are not TLS at all.
final class ClientHelloMalformedTests: XCTestCase {
  typealias Builder = ClientHelloBuilder

  func testNamesAndTheirAbsence() {
    let cases: [(name: String, extensions: [UInt8]?, result: ClientHelloParseResult)] = [
      ("one name", Builder.serverName("example.com"), .serverName("example.com")),
      ("after another extension", Builder.supportedVersions + Builder.serverName("a.b"), .serverName("a.b")),
      ("before another extension", Builder.serverName("a.b") + Builder.supportedVersions, .serverName("a.b")),
      ("lowercased", Builder.serverName("WWW.Example.COM"), .serverName("www.example.com")),
      ("trailing dot", Builder.serverName("example.com."), .serverName("example.com")),
      ("digits and hyphens", Builder.serverName("xn--bcher-kva.1-2.example"), .serverName("xn--bcher-kva.1-2.example")),
      (
        "longest label", Builder.serverName(String(repeating: "a", count: 63) + ".b"),
        .serverName(String(repeating: "a", count: 63) + ".b")
      ),
      ("longest name", Builder.serverName(longName(253)), .serverName(longName(253))),
      ("longest name and dot", Builder.serverName(longName(253) + "."), .serverName(longName(253))),
      ("unknown name type only", Builder.serverNameEntries([(1, Array("x".utf8))]), .noServerName),
      (
        "unknown name type first", Builder.serverNameEntries([(7, [1, 2]), (0, Array("a.b".utf8))]), .serverName("a.b")
      ),
      ("no extensions block", nil, .noServerName),
      ("empty extensions block", [], .noServerName),
      ("other extensions only", Builder.supportedVersions, .noServerName),
    ]
    for (name, extensions, result) in cases {
      let hello = Builder.records(Builder.handshake(Builder.body(extensions: extensions)))
      XCTAssertEqual(Builder.parse(hello), result, name)
    }
  }

  func testRejectsBrokenHellos() {
    let sni = Builder.serverName("example.com")
    let cases: [(name: String, body: [UInt8], error: ClientHelloError)] = [
      ("legacy version 2", Builder.body(version: [2, 0]), .legacyVersion),
      ("session id 33", Builder.body(sessionID: [UInt8](repeating: 0, count: 33)), .sessionID),
      ("no cipher suites", Builder.body(cipherSuites: []), .cipherSuites),
      ("odd cipher suites", Builder.body(cipherSuites: [0x13, 0x01, 0x13]), .cipherSuites),
      ("no compression", Builder.body(compression: []), .compressionMethods),
      ("extensions too short", Builder.body(extensions: sni).dropLast(1) + [], .extensionsLength),
      (
        "extensions length short", replacingExtensionsLength(Builder.body(extensions: sni), by: sni.count - 1),
        .extensionsLength
      ),
      ("one stray byte after extensions", Builder.body(extensions: sni) + [0], .extensionsLength),
      ("extension overruns", Builder.body(extensions: Builder.u16(43) + Builder.u16(10) + [3, 4]), .lengthMismatch),
      ("extension header cut", Builder.body(extensions: [0, 43, 0]), .lengthMismatch),
      ("duplicate server_name", Builder.body(extensions: sni + Builder.serverName("other.com")), .duplicateServerName),
      ("two host names", Builder.body(extensions: Builder.serverName("a.com", "b.com")), .duplicateServerName),
      ("empty server_name", Builder.body(extensions: Builder.extensionBlock(0, [])), .serverNameList),
      ("empty name list", Builder.body(extensions: Builder.extensionBlock(0, [0, 0])), .serverNameList),
      ("list length off", Builder.body(extensions: Builder.extensionBlock(0, [0, 5, 0, 0, 1, 0x61])), .serverNameList),
      ("entry cut", Builder.body(extensions: Builder.extensionBlock(0, [0, 2, 0, 0])), .serverNameList),
      (
        "name overruns list", Builder.body(extensions: Builder.extensionBlock(0, [0, 4, 0, 0, 9, 0x61])),
        .serverNameList
      ),
      ("empty name", Builder.body(extensions: Builder.serverName("")), .invalidServerName),
      ("dot only", Builder.body(extensions: Builder.serverName(".")), .invalidServerName),
      ("empty label", Builder.body(extensions: Builder.serverName("a..b")), .invalidServerName),
      ("leading dot", Builder.body(extensions: Builder.serverName(".a.b")), .invalidServerName),
      ("two trailing dots", Builder.body(extensions: Builder.serverName("a.b..")), .invalidServerName),
      (
        "label of 64", Builder.body(extensions: Builder.serverName(String(repeating: "a", count: 64))),
        .invalidServerName
      ),
      ("name of 254", Builder.body(extensions: Builder.serverName(longName(254))), .invalidServerName),
      ("underscore", Builder.body(extensions: Builder.serverName("a_b.com")), .invalidServerName),
      ("space", Builder.body(extensions: Builder.serverName("a b.com")), .invalidServerName),
      ("NUL", Builder.body(extensions: Builder.serverName("a\u{0}.com")), .invalidServerName),
      ("UTF-8", Builder.body(extensions: Builder.serverName("bücher.example")), .invalidServerName),
      ("IPv6 literal", Builder.body(extensions: Builder.serverName("::1")), .invalidServerName),
    ]
    for (name, body, error) in cases {
      XCTAssertEqual(Builder.parse(Builder.records(Builder.handshake(body))), .malformed(error), name)
    }
  }

  func testRejectsBrokenRecordsAndMessages() {
    let message = Builder.handshake(Builder.body())
    var shortMessage = Builder.handshake(Builder.body())
    shortMessage[3] -= 1  // the body's last byte now falls outside the message
    let cases: [(name: String, bytes: [UInt8], result: ClientHelloParseResult)] = [
      ("record length 0", [22, 3, 1, 0, 0], .malformed(.recordLength)),
      ("record length 2^14 + 1", [22, 3, 1, 0x40, 0x01], .malformed(.recordLength)),
      ("server hello", Builder.records(Builder.handshake(Builder.body(), type: 2)), .malformed(.notClientHello)),
      ("empty message", Builder.records([1, 0, 0, 0]), .malformed(.lengthMismatch)),
      ("message shorter than its body", Builder.records(shortMessage), .malformed(.extensionsLength)),
      (
        "alert between pieces", Array(Builder.records(message, cuts: [10]).prefix(15)) + [21, 3, 3, 0, 2],
        .malformed(.unexpectedRecord)
      ),
      (
        "SSL 2 version between pieces", Array(Builder.records(message, cuts: [10]).prefix(15)) + [22, 2],
        .malformed(.unexpectedRecord)
      ),
      (
        "empty record between pieces", Array(Builder.records(message, cuts: [10]).prefix(15)) + [22, 3, 1, 0, 0],
        .malformed(.recordLength)
      ),
      ("plain text", Array("GET / HTTP/1.1\r\n".utf8), .notTLS),
      ("SSLv2 hello", [0x80, 0x2E, 0x01, 0x00, 0x02], .notTLS),
      ("change cipher spec first", [20, 3, 3, 0, 1, 1], .notTLS),
      ("wrong major version", [22, 2, 0, 0, 5], .notTLS),
      ("first byte only", [0x16], .needMore),
      ("record header only", [22, 3, 1, 0, 5], .needMore),
      ("TLS 1.0 record version", Builder.records(message, version: [3, 1]), .serverName("example.com")),
      ("TLS 1.2 record version", Builder.records(message, version: [3, 3]), .serverName("example.com")),
    ]
    for (name, bytes, result) in cases {
      XCTAssertEqual(Builder.parse(bytes), result, name)
    }
  }

  func testDecidesOnAnOverrunningLengthBeforeItsBytesArrive() {
    // A session id length of 33 is rejected with the rest of the hello still missing.
    let prefix = Array(Builder.records(Builder.handshake(Builder.body())).prefix(5 + 4 + 2 + 32)) + [33]
    XCTAssertEqual(Builder.parse(prefix), .malformed(.sessionID))
    XCTAssertEqual(Builder.parse([0x47]), .notTLS)
  }

  func testVerdictsOnPrefixesAreFinalForMutatedHellos() {
    let seeds = ClientHelloCaptureTests.captures.map(\.bytes) + [Builder.records(Builder.handshake(Builder.body()))]
    var random = SplitMix64(seed: 0xC11E_47)
    for round in 0..<400 {
      var bytes = seeds[round % seeds.count]
      for _ in 0..<Int.random(in: 1...3, using: &random) {
        bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
      }
      var decided: ClientHelloParseResult?
      for count in stride(from: 0, through: bytes.count, by: 7) + [bytes.count] {
        let result = Builder.parse(Array(bytes[..<count]), maximumSize: 4_096)
        if let decided {
          XCTAssertEqual(result, decided, "round \(round) at \(count)")
          if result != decided { break }
        } else if result != .needMore {
          decided = result
        }
      }
    }
  }

  private func longName(_ length: Int) -> String {
    // Labels of 63 separated by dots, cut to `length`, never ending in a dot.
    var name = ""
    while name.utf8.count < length { name += name.isEmpty || name.utf8.count % 64 != 63 ? "a" : "." }
    return name
  }

  private func replacingExtensionsLength(_ body: [UInt8], by length: Int) -> [UInt8] {
    var body = body
    let offset = body.count - Builder.serverName("example.com").count - 2
    body[offset] = UInt8(length >> 8)
    body[offset + 1] = UInt8(length & 0xFF)
    return body
  }
}
