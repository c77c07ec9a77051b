import SplicerConfig

extension ReloadPlan {
  /// The `ListenerChange`s from `running` to `new` (in the order `listeners` documents).
  ///
  /// A listener with the same name, bind and backlog is kept; one renamed on a fixed address
  /// (see `renames`) carries its sockets on; any other is bound anew, without the "address in
  /// use" probe where `running` binds that address already.
  static func listenerChanges(from running: Configuration, to new: Configuration) -> [ListenerChange] {
    let renamed = renames(from: running, to: new)
    let renamedInto = Dictionary(uniqueKeysWithValues: renamed.map { ($0.value, $0.key) })
    let runningByName = Dictionary(uniqueKeysWithValues: running.listeners.map { ($0.name, $0) })
    var changes: [ListenerChange] = []
    for listener in new.listeners {
      if let previous = runningByName[listener.name], previous.bind == listener.bind,
        previous.backlog == listener.backlog
      {
        changes.append(.keep(listener.name))
      } else if let previous = renamedInto[listener.name] {
        changes.append(.rename(from: previous, to: listener.name))
      } else {
        let held = running.listeners.contains { $0.bind == listener.bind }
        let probe = listener.bind.port != 0 && !held
        changes.append(
          runningByName[listener.name] == nil ? .add(listener.name, probe: probe) : .rebind(listener.name, probe: probe)
        )
      }
    }
    let newNames = Set(new.listeners.map(\.name))
    for listener in running.listeners where !newNames.contains(listener.name) && renamed[listener.name] == nil {
      changes.append(.remove(listener.name))
    }
    return changes
  }

  /// Old name → new name of the listeners that `new` renames on an address `running` holds: a
  /// name `new` no longer has, a name `running` did not have, the same address (not port 0,
  /// which gets a fresh port at each bind) and backlog. Each old listener is taken by the
  /// first new one that matches.
  static func renames(from running: Configuration, to new: Configuration) -> [String: String] {
    let oldNames = Set(running.listeners.map(\.name))
    let newNames = Set(new.listeners.map(\.name))
    var renamed: [String: String] = [:]
    for listener in new.listeners where !oldNames.contains(listener.name) {
      let previous = running.listeners.first { candidate in
        candidate.bind == listener.bind && candidate.backlog == listener.backlog && candidate.bind.port != 0
          && !newNames.contains(candidate.name) && renamed[candidate.name] == nil
      }
      if let previous { renamed[previous.name] = listener.name }
    }
    return renamed
  }
}
