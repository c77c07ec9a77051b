/// The admin endpoint's listening socket among the `Listeners` records (design §5.2): the old
/// process passes it as a record with `isAdmin` and one socket, since the new process could
/// not bind the address while the old one holds it (no SO_REUSEPORT).
extension ListenerRecord {
  /// The admin socket's descriptor, or nil when the old process serves no admin endpoint.
  /// It is already bound and listening: `AdminServer(boundSocket:routes:)` serves it as it
  /// serves one bound at start, and must not be made before the commit (it starts a thread
  /// and accepts).
  public static func adminSocket(in records: [ListenerRecord], descriptors: [Int32]) -> Int32? {
    guard let record = records.first(where: \.isAdmin), let reference = record.sockets.first,
      Int(reference) < descriptors.count
    else { return nil }
    return descriptors[Int(reference)]
  }
}
