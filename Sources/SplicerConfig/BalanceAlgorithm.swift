/// How a pool spreads new connections over its servers (`balance:` in the config).
public enum BalanceAlgorithm: String, Sendable, Equatable, CaseIterable {
  /// Smooth weighted round robin (nginx's): weights honoured, picks interleaved.
  case roundRobin = "round_robin"
  /// The server with the fewest open connections relative to its weight.
  case leastConnections = "least_connections"
  /// Two servers drawn at random (by weight); the one with fewer connections per weight wins.
  case randomTwo = "random_two"
  /// Consistent hashing of the client address: a client keeps its server, and adding or
  /// removing one server moves only about 1/N of the clients.
  case sourceHash = "source_hash"
  /// The first server in config order with room left; fills servers one after another.
  case first
}
