/// Why a record received in a live upgrade cannot be adopted: a descriptor that is not what
/// the record says (type, peer, bytes in a pipe), a listener, pool or server the rebuilt
/// config does not have, or a state this build does not adopt. The receiver answers it with
/// `Abort(.recordInvalid)`; nothing of the failing batch was kept.
public struct AdoptionError: Error, Equatable, CustomStringConvertible {
  /// The record's session id, and what is wrong with it.
  public let session: UInt32
  public let problem: String

  public init(session: UInt32, _ problem: String) {
    self.session = session
    self.problem = problem
  }

  public var description: String { "session \(session): \(problem)" }
}
