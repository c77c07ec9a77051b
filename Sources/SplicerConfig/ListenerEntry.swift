/// A parsed listener plus the node of its `pool` key, kept until pools are known so that a dangling
/// pool name is reported at the listener that names it.
struct ListenerEntry {
  var config: ListenerConfig
  var poolNode: YAMLNodeReader
}
