/// The calling thread's five capability sets, as `Capabilities.current()` reads them.
public struct CapabilityState: Sendable, Equatable, CustomStringConvertible {
  /// What the thread can use now.
  public var effective: CapabilitySet
  /// What the thread may raise into `effective`.
  public var permitted: CapabilitySet
  /// What may pass through an execve (with file capabilities or ambient).
  public var inheritable: CapabilitySet
  /// The ceiling for what any execve of this thread or its descendants can gain.
  public var bounding: CapabilitySet
  /// What an execve of an unprivileged program keeps.
  public var ambient: CapabilitySet

  public init(
    effective: CapabilitySet, permitted: CapabilitySet, inheritable: CapabilitySet,
    bounding: CapabilitySet, ambient: CapabilitySet
  ) {
    self.effective = effective
    self.permitted = permitted
    self.inheritable = inheritable
    self.bounding = bounding
    self.ambient = ambient
  }

  /// One line for a log: `effective=CAP_NET_BIND_SERVICE permitted=... bounding=...`.
  public var description: String {
    "effective=\(effective.logValue) permitted=\(permitted.logValue) inheritable=\(inheritable.logValue) "
      + "bounding=\(bounding.logValue) ambient=\(ambient.logValue)"
  }
}

extension CapabilitySet {
  /// The names joined with commas, so that a set stays one logfmt value.
  var logValue: String {
    if isEmpty { return "none" }
    if self == .all { return "all" }
    return numbers.map(Self.name(of:)).joined(separator: ",")
  }
}
