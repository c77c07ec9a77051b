import SplicerRouting

/// A listener's `mirror`, resolved against the routing table: the shadow pool itself and the
/// share of connections that get a copy. Part of `ListenerContext`.
struct MirrorTarget {
  let pool: BackendPool
  /// 0–100.
  let samplePercent: Int
}
