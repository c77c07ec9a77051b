import CSplicer
import Glibc

extension DescriptorChannel {
  /// The peer's pid, uid and gid (`SO_PEERCRED`).
  ///
  /// For a socketpair they are those of the process that made the pair, at that moment, and
  /// survive a fork: the new process sees the old one, and the old one sees itself. The old
  /// process checks the child's pid with the spawn's result instead.
  public func peerCredentials() throws(SyscallError) -> PeerCredentials {
    var credentials = PeerCredentials(pid: 0, uid: 0, gid: 0)
    _ = try retryingInterrupts("getsockopt(SO_PEERCRED)") {
      splicer_peer_credentials(fd, &credentials.pid, &credentials.uid, &credentials.gid)
    }
    return credentials
  }
}
