/// The two directions of the link as seen from the relay.
enum LinkDirection: Int, Sendable, CaseIterable {
  /// Relay to server: the SYNs, the request bytes, the ACKs of the reply.
  case toServer
  /// Server to relay: the SYN-ACKs, the reply bytes, the ACKs of the request.
  case toRelay
}
