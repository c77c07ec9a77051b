import Synchronization

/// The config generations still in use, by weak reference: a generation is listed from the
/// moment the proxy runs it until the last listener context or session holding it is gone.
///
/// Owned by `ProxyServer`; the main thread adds, any thread may list. Dead entries are
/// dropped whenever the list is touched, so it stays as short as the live generations
/// (normally one, two while sessions from before a reload finish).
final class LiveGenerations: Sendable {
  private struct Entry {
    weak var generation: ConfigGeneration?
  }

  private let entries = Mutex<[Entry]>([])

  func add(_ generation: ConfigGeneration) {
    entries.withLock { entries in
      entries.removeAll { $0.generation == nil }
      entries.append(Entry(generation: generation))
    }
  }

  /// The generations alive now, oldest first.
  var live: [ConfigGeneration] {
    entries.withLock { entries in
      entries.removeAll { $0.generation == nil }
      return entries.compactMap(\.generation).sorted { $0.number < $1.number }
    }
  }
}
