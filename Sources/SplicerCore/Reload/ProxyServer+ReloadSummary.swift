extension ProxyServer {
  /// What a successful reload changed, for the log; made from the `ReloadPlan`.
  public struct ReloadSummary: Sendable, Equatable, CustomStringConvertible {
    public var added: [String] = []
    /// Names the new config lacks: removed listeners and the old names of renamed ones.
    public var removed: [String] = []
    public var rebound: [String] = []
    /// Listeners that keep their sockets, renamed ones under their new name.
    public var kept: [String] = []
    /// Old name → new name, for listeners renamed on the same address (their sockets stay).
    public var renamed: [String: String] = [:]
    /// Settings that only a restart applies, left as they were.
    public var ignored: [String] = []

    public var description: String {
      "added \(added), removed \(removed), rebound \(rebound), kept \(kept)"
        + (renamed.isEmpty ? "" : ", renamed \(renamed.sorted { $0.key < $1.key }.map { "\($0.key)->\($0.value)" })")
        + (ignored.isEmpty ? "" : "; needs a restart to change: \(ignored.joined(separator: ", "))")
    }
  }
}
