import CCap
import Glibc

/// A set of Linux capabilities as the kernel's 64-bit mask: bit n is capability number n.
///
/// The same layout as the `CapEff:` line of /proc/<pid>/status, so `CapabilitySet(rawValue: 0x400)`
/// is `.netBindService`. Names come from libcap, so numbers newer than this code still print.
public struct CapabilitySet: OptionSet, Sendable, Hashable, CustomStringConvertible {
  public let rawValue: UInt64
  public init(rawValue: UInt64) { self.rawValue = rawValue }

  /// The set holding capability number `number` (`CAP_NET_BIND_SERVICE` is 10).
  public init(number: Int32) {
    precondition((0..<64).contains(number), "capability number \(number) is outside the kernel's 64-bit mask")
    rawValue = 1 << UInt64(number)
  }

  public static let chown = CapabilitySet(number: CAP_CHOWN)
  public static let dacOverride = CapabilitySet(number: CAP_DAC_OVERRIDE)
  public static let kill = CapabilitySet(number: CAP_KILL)
  public static let setGID = CapabilitySet(number: CAP_SETGID)
  public static let setUID = CapabilitySet(number: CAP_SETUID)
  /// Needed to shrink the bounding set.
  public static let setPCap = CapabilitySet(number: CAP_SETPCAP)
  /// Binding TCP/UDP ports below `net.ipv4.ip_unprivileged_port_start` (1024 by default).
  public static let netBindService = CapabilitySet(number: CAP_NET_BIND_SERVICE)
  public static let netAdmin = CapabilitySet(number: CAP_NET_ADMIN)
  public static let netRaw = CapabilitySet(number: CAP_NET_RAW)
  public static let sysAdmin = CapabilitySet(number: CAP_SYS_ADMIN)

  /// Every capability the running kernel knows (libcap asks the kernel, not its headers).
  public static var all: CapabilitySet {
    let count = min(Int32(cap_max_bits()), 64)
    return CapabilitySet(rawValue: count >= 64 ? .max : (1 << UInt64(count)) - 1)
  }

  /// The set named by libcap (`cap_net_bind_service` or `CAP_NET_BIND_SERVICE`); nil if unknown.
  public init?(name: String) {
    var value: cap_value_t = 0
    guard cap_from_name(name.lowercased(), &value) == 0, (0..<64).contains(value) else { return nil }
    self.init(number: value)
  }

  /// The capability numbers in the set, lowest first.
  public var numbers: [Int32] {
    (0..<64).filter { rawValue & (1 << UInt64($0)) != 0 }.map { Int32($0) }
  }

  /// Names as systemd spells them, e.g. `CAP_NET_BIND_SERVICE CAP_SETUID`; `none` when empty.
  public var description: String {
    if isEmpty { return "none" }
    return numbers.map(Self.name(of:)).joined(separator: " ")
  }

  static func name(of number: Int32) -> String {
    guard let text = cap_to_name(number) else { return "cap_\(number)" }
    defer { cap_free(text) }
    return (String(validatingCString: text) ?? "cap_\(number)").uppercased()
  }
}
