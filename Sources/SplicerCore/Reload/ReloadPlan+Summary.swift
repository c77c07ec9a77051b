extension ReloadPlan {
  /// The plan as the `reloaded` log line and the `STATUS=` line tell it.
  var summary: ProxyServer.ReloadSummary {
    var summary = ProxyServer.ReloadSummary()
    for change in listeners {
      switch change {
      case .keep(let name), .rename(_, let name): summary.kept.append(name)
      case .rebind(let name, _): summary.rebound.append(name)
      case .add(let name, _): summary.added.append(name)
      case .remove: break
      }
    }
    let newNames = Set(configuration.listeners.map(\.name))
    // A renamed listener's old name is gone from the config too, so it counts as removed
    // (its sockets live on under the new name, which `renamed` says).
    summary.removed = running.listeners.map(\.name).filter { !newNames.contains($0) }
    summary.renamed = renamed
    summary.ignored = ignored
    return summary
  }
}
