/// One of a session's two `RelayDirection`s, named by where its bytes go.
enum RelaySide: Equatable {
  /// Client to server: `Session.toServer`.
  case toServer
  /// Server to client: `Session.toClient`.
  case toClient
}
