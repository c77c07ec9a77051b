/// One worker's listening socket as a live upgrade hands it over: the listener's name, the
/// config generation its context came from, and whether every worker shares the socket
/// (socket activation). The descriptor stays the worker's.
public struct WorkerListenerSocket: Sendable {
  public var name: String
  public var fd: Int32
  public var shared: Bool
  public var generation: UInt64

  init(_ listener: Listener) {
    name = listener.context.name
    fd = listener.fd
    shared = listener.shared
    generation = listener.context.generation?.number ?? 0
  }
}
