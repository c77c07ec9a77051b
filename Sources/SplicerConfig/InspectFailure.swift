/// What a listener with `sni` routes does with a connection whose ClientHello cannot be read
/// (`inspect.on_failure`): not TLS, malformed, larger than `max_size`, or not complete within
/// `timeout`.
public enum InspectFailure: String, Sendable, Equatable, CaseIterable {
  /// Route it as a connection without a server name: `sni` routes do not match, `source`-only
  /// routes and the listener's default `pool` still do; with none of them matching it is closed.
  case defaultRoute = "default"
  /// Close it at once.
  case close
}
