import SplicerConfig
import SplicerSystem

extension KeepaliveProbes {
  /// The kernel's form of a config's `client_keepalive` or `server_keepalive` (the loader
  /// has checked the whole seconds and ranges).
  public init(_ config: KeepaliveConfig) {
    self.init(
      idleSeconds: Int32(config.idle.components.seconds), intervalSeconds: Int32(config.interval.components.seconds),
      count: Int32(config.count))
  }
}
