/// A listening socket a service manager passed to the process, with its `FileDescriptorName=`.
///
/// The process owns `fd` from the moment `SocketActivation.takeListeners` returns it.
public struct ActivatedSocket: Sendable, Equatable {
  /// From LISTEN_FDNAMES; `unknown` when the manager passed no names (as libsystemd says).
  public var name: String
  public var fd: Int32

  public init(name: String, fd: Int32) {
    self.name = name
    self.fd = fd
  }
}
