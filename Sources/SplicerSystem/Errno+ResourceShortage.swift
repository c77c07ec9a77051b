import Glibc

extension Errno {
  /// Whether a failed `socket`/`connect` call ran out of something of the caller's own (a
  /// local port, a descriptor, kernel memory) rather than met the peer: such a failure says
  /// nothing about the server it was meant for.
  public static func isResourceShortage(_ code: Int32) -> Bool {
    switch code {
    case EADDRNOTAVAIL, EMFILE, ENFILE, ENOBUFS, ENOMEM: true
    default: false
    }
  }
}
