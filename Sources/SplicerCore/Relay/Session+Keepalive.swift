/// Keepalive: telling a peer that the kernel gave up on from other socket failures.
extension Session {
  /// The close reason for a failed call on the client's or the server's socket. With
  /// keepalive on that side (the listener's `client_keepalive`, the pool's
  /// `server_keepalive`), ETIMEDOUT means the peer stopped answering: its own reason.
  func socketFailure(errno: Int32, onClientSide: Bool) -> CloseReason {
    let keepalive = onClientSide ? listener.clientKeepalive != nil : pool?.serverKeepalive != nil
    return .socketFailure(errno: errno, onClientSide: onClientSide, keepalive: keepalive)
  }
}
