/// What an `ImpairedLink` does to the packets of one direction, in the terms of `tc netem`:
/// a fixed delay with uniform jitter, random loss, and reordering by letting some packets
/// skip the delay queue.
///
/// A value type the test hands to the link; the link's thread reads a copy per batch.
struct LinkImpairment: Sendable, Equatable, CustomStringConvertible {
  /// Seconds every packet is held before delivery.
  var delay: Double = 0
  /// Each packet's delay is drawn uniformly from `delay ± jitter` (never below 0); like
  /// netem without a rate, jitter alone reorders packets.
  var jitter: Double = 0
  /// Probability (0...1) that a packet is dropped.
  var loss: Double = 0
  /// Probability (0...1) that a packet is sent at once, overtaking the delayed ones (netem's
  /// `reorder`); has an effect only with a delay.
  var reorder: Double = 0

  /// Packets pass unchanged.
  static let none = LinkImpairment()
  /// Every packet is dropped: the cable is cut (or a firewall drops silently).
  static let cut = LinkImpairment(loss: 1)

  var description: String {
    "delay \(Int(delay * 1000))ms jitter \(Int(jitter * 1000))ms loss \(Int(loss * 100))% reorder \(Int(reorder * 100))%"
  }
}
