/// Where a starting proxy's listening sockets come from.
enum ListenerSockets {
  /// Bound by the proxy, one per worker; a listener named in `inherited` (socket activation)
  /// uses that socket instead, every worker watching a duplicate with EPOLLEXCLUSIVE.
  case bind(inherited: [String: Int32])
  /// Taken from the old process of a live upgrade (design §5.2): every listener of the
  /// running config has a record, each worker gets the socket of the old worker of the same
  /// index, and nothing is registered before `ProxyServer.start`. `descriptors` are indexed
  /// by the records' references; the admin record is not a listener's.
  case adopt(records: [ListenerRecord], descriptors: [Int32])
}
