/// The tables of a `WorkerStats.Seed` by their wire tag, for the upgrade's `CounterSnapshot`s.
extension WorkerStats.Seed {
  /// Every table empty: seeds nothing.
  static var empty: WorkerStats.Seed {
    let none = Table(columns: 0, values: [])
    return WorkerStats.Seed(
      global: none, fallbacks: none, listeners: none, listenerCloses: none, servers: none, serverFailures: none,
      inspections: none, mirrors: none)
  }

  /// The table a wire tag names.
  subscript(tag: CounterSnapshot.Table) -> Table {
    get {
      switch tag {
      case .global: global
      case .fallbacks: fallbacks
      case .listeners: listeners
      case .listenerCloses: listenerCloses
      case .servers: servers
      case .serverFailures: serverFailures
      case .inspections: inspections
      case .mirrors: mirrors
      }
    }
    set {
      switch tag {
      case .global: global = newValue
      case .fallbacks: fallbacks = newValue
      case .listeners: listeners = newValue
      case .listenerCloses: listenerCloses = newValue
      case .servers: servers = newValue
      case .serverFailures: serverFailures = newValue
      case .inspections: inspections = newValue
      case .mirrors: mirrors = newValue
      }
    }
  }
}
