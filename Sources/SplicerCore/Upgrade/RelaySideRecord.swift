/// `RelaySide` on the wire: one of a relay's two directions, named by where its bytes go.
public enum RelaySideRecord: UInt8, Hashable, Sendable, CaseIterable {
  case toServer = 0
  case toClient = 1
}
