import Glibc
import SplicerSystem

extension ProxyHeaderParser {
  /// The protocol words a v1 line may carry after `PROXY `.
  private static let v1Words: [(word: StaticString, family: Int32)] = [
    ("TCP4", AF_INET), ("TCP6", AF_INET6), ("UNKNOWN", AF_UNSPEC),
  ]

  /// Parses `PROXY TCP4|TCP6 <src> <dst> <sport> <dport>\r\n` or `PROXY UNKNOWN[ anything]\r\n`.
  static func parseV1(_ bytes: UnsafeRawBufferPointer) -> ProxyHeaderParseResult {
    if let early = matchSignature(bytes, v1Signature) { return early }
    var scanner = ProxyV1LineScanner(bytes: bytes, position: v1Signature.count)
    do throws(ProxyV1LineScanner.Stop) {
      let word: (range: Range<Int>, endsLine: Bool)
      do throws(ProxyV1LineScanner.Stop) {
        word = try scanner.read(.protocolWord)
      } catch {
        guard case .needMore = error else { throw error }
        // Reject `PROXY HTTP…` on its first wrong letter rather than waiting for the space.
        // A complete word waiting for its LF is checked whole.
        let pending = scanner.pendingField(from: v1Signature.count)
        let isPossible = v1Words.contains { entry in
          pending.isComplete ? scanner.holds(pending.range, entry.word) : scanner.couldBegin(pending.range, entry.word)
        }
        return isPossible ? .needMore : .invalid(.v1BadProtocol)
      }
      guard let family = v1Words.first(where: { scanner.holds(word.range, $0.word) })?.family else {
        return .invalid(.v1BadProtocol)
      }
      if family == AF_UNSPEC {
        // The spec has the receiver ignore everything after UNKNOWN up to the CRLF.
        if !word.endsLine { try scanner.skipToLineEnd() }
        return .complete(ProxyHeader(version: .v1, addresses: .local), length: scanner.position)
      }
      guard !word.endsLine else { return .invalid(.v1BadSyntax) }
      let sourceField = try scanner.read(.address)
      guard !sourceField.endsLine else { return .invalid(.v1BadSyntax) }
      let source = try scanner.address(sourceField.range, family: family)
      let destinationField = try scanner.read(.address)
      guard !destinationField.endsLine else { return .invalid(.v1BadSyntax) }
      let destination = try scanner.address(destinationField.range, family: family)
      let sourcePortField = try scanner.read(.port)
      guard !sourcePortField.endsLine else { return .invalid(.v1BadSyntax) }
      let sourcePort = try scanner.port(sourcePortField.range)
      let destinationPortField = try scanner.read(.port)
      guard destinationPortField.endsLine else { return .invalid(.v1BadSyntax) }
      let destinationPort = try scanner.port(destinationPortField.range)
      let addresses = ProxyHeader.Addresses.proxied(
        source: socketAddress(source, port: sourcePort),
        destination: socketAddress(destination, port: destinationPort))
      return .complete(ProxyHeader(version: .v1, addresses: addresses), length: scanner.position)
    } catch {
      switch error {
      case .needMore: return .needMore
      case .invalid(let reason): return .invalid(reason)
      }
    }
  }

  private static func socketAddress(_ address: ProxyV1LineScanner.IPAddress, port: UInt16) -> SocketAddress {
    switch address {
    case .v4(let raw): withUnsafeBytes(of: raw) { SocketAddress(ipv4: $0, port: port)! }
    case .v6(let raw): withUnsafeBytes(of: raw) { SocketAddress(ipv6: $0, port: port)! }
    }
  }
}
