/// Where a pool's new connections wait when every server that could take them is at its
/// `max_connections` (`queue:`), instead of being closed at once.
///
/// Only servers with `max_connections` ever fill up, so a pool without any has no use for a
/// queue; the setting is then accepted and has no effect.
public struct QueueConfig: Sendable, Equatable {
  public static let sizeRange = 0...1_000_000

  /// Connections that may wait in this pool at once; 0: none wait, a full pool closes them.
  public var size: Int
  /// How long one connection may wait for a free server before it is closed.
  public var timeout: Duration

  public init(size: Int = 1024, timeout: Duration = .seconds(5)) {
    self.size = size
    self.timeout = timeout
  }
}
