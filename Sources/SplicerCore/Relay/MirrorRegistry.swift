/// The worker's live mirrors: each from its start (`Session.startMirror`) until it closes
/// (`Mirror.end`), including a mirror that lingers after its session closed, which nothing
/// else on the worker references but its loop registration and timer. A worker's freeze and
/// resume walk it (`Worker+Freezing`).
///
/// Owned by the worker through `RelayResources`, used only on its thread.
final class MirrorRegistry {
  private var live: [ObjectIdentifier: Mirror] = [:]

  func add(_ mirror: Mirror) {
    live[ObjectIdentifier(mirror)] = mirror
  }

  /// Forgets a mirror that closed; a no-op for one never added.
  func remove(_ mirror: Mirror) {
    live[ObjectIdentifier(mirror)] = nil
  }

  /// The live mirrors, in no particular order.
  var all: [Mirror] { Array(live.values) }

  var count: Int { live.count }
}
