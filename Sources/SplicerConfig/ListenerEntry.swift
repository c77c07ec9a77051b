/// A parsed listener plus the nodes that name pools (its `pool` and each route's `pool`), kept
/// until pools are known so that a dangling pool name is reported where it is written.
struct ListenerEntry {
  /// A pool name as written, with its node for errors.
  struct PoolReference {
    var name: String
    var node: YAMLNodeReader
  }

  var config: ListenerConfig
  var poolReferences: [PoolReference]
}
