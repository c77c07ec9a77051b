/// A listening socket a worker will watch once the proxy starts: what `Worker.addListener`
/// is given. Made by `ProxyServer.init(adopting:)`, which registers nothing before the
/// upgrade's commit; owned by the proxy until `start` hands it to the worker.
struct PendingListener {
  let worker: Int
  let fd: Int32
  let context: ListenerContext
  /// Every worker watches a duplicate of one socket (socket activation): EPOLLEXCLUSIVE.
  let shared: Bool
}
