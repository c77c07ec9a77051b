/// How a mirror connection ended, for `splicer_mirror_connections_total{result}`.
///
/// `completed` is the only one in which the shadow got the whole client stream; every other
/// case is a drop, and the real connection went on unharmed in each of them.
public enum MirrorResult: Int, CaseIterable, Sendable, CustomStringConvertible {
  /// Every client byte went to the shadow (and the client's FIN, if it sent one).
  case completed
  /// The mirror's pipe had no room for a whole fill: the shadow (or the way to it) was slower
  /// than the client, and a copy with a hole in it is worth nothing.
  case mirrorSlow
  /// No server of the shadow pool was up, or none had an address.
  case noServer
  /// The connect to the shadow failed or was refused.
  case connectFailed
  /// The shadow reset the connection, or a write to it failed.
  case reset
  /// No pipe or descriptor could be had (descriptors, pipe quota, or the worker's pipe
  /// limit), for the mirror or for a fill of the real connection, which then had nothing to tee.
  case resources
  /// The real connection closed before the client's EOF while bytes were still on their way
  /// to the shadow, or ended with a reset before the client's EOF, or the shadow did not take
  /// the rest within the bound after it.
  case unfinished

  public var description: String {
    switch self {
    case .completed: "completed"
    case .mirrorSlow: "mirror_slow"
    case .noServer: "no_server"
    case .connectFailed: "connect_failed"
    case .reset: "reset"
    case .resources: "resources"
    case .unfinished: "unfinished"
    }
  }
}
