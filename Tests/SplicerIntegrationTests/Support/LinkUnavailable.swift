/// Why a fault-injection test cannot run here (no TUN, no `ip`, not root); tests turn it
/// into an XCTSkip with this reason instead of failing.
struct LinkUnavailable: Error, CustomStringConvertible {
  let reason: String
  var description: String { reason }
}
