import SplicerConfig

/// The comparisons, one per resource; each finding names the setting that would change it.
extension CapacityPlan {
  /// Everything the config may need more of than the machine allows, in a fixed order:
  /// descriptors, pipes, backlogs, local ports.
  public var findings: [CapacityFinding] {
    descriptorFindings + pipeFindings + backlogFindings + localPortFindings
  }

  var descriptorFindings: [CapacityFinding] {
    guard let connections, let spliceConnections else {
      let unlimited = configuration.listeners.filter { $0.maxConnections == nil }.map(\.name)
      let most = connectionsWithin(openFiles: limits.openFiles)
      return [
        CapacityFinding(
          .note, .descriptors,
          "\(Self.list(unlimited, "listener")) no max_connections: with RLIMIT_NOFILE \(limits.openFiles) the proxy "
            + "holds about \(most) connections, then pauses accepting (EMFILE); set max_connections, or raise "
            + "the limit (LimitNOFILE= in the systemd unit, ulimit -n)")
      ]
    }
    let needed = descriptors(connections: connections, spliceConnections: spliceConnections)
    guard needed > limits.openFiles else { return [] }
    let hard =
      needed <= limits.openFilesHard
      ? "the hard limit \(limits.openFilesHard) allows it" : "above the hard limit \(limits.openFilesHard) too"
    return [
      CapacityFinding(
        .warning, .descriptors,
        "max_connections allow \(connections) connections, which need up to \(needed) descriptors; RLIMIT_NOFILE "
          + "is \(limits.openFiles) (\(hard)): set LimitNOFILE=\(needed) in the systemd unit or ulimit -n "
          + "\(needed), or lower max_connections to \(connectionsWithin(openFiles: limits.openFiles)) in all")
    ]
  }

  var pipeFindings: [CapacityFinding] {
    var findings: [CapacityFinding] = []
    let pipeSize = configuration.tuning.pipeSize
    if pipeSize > limits.pipeMaxSize {
      findings.append(
        CapacityFinding(
          .warning, .pipes,
          "tuning.pipe_size \(pipeSize) is above fs.pipe-max-size \(limits.pipeMaxSize): the kernel refuses it and "
            + "pipes keep their default size; set sysctl fs.pipe-max-size=\(pipeSize), or lower pipe_size"))
    }
    guard configuration.listeners.contains(where: { $0.mode == .splice }) else { return findings }
    let bytes = pagesPerPipe * Self.pageSize
    let soft = limits.pipeUserPagesSoft
    guard
      let pipes = spliceConnections.map({ leasedPipes(spliceConnections: $0) + pooledPipes })
        ?? leasablePipes.map({ $0 + pooledPipes })
    else {
      if soft > 0 {
        findings.append(
          CapacityFinding(
            .note, .pipes,
            "nothing bounds the pipes (no max_connections on some splice listener, no tuning.max_pipes): past "
              + "\(soft / pagesPerPipe) pipes of \(bytes) bytes (fs.pipe-user-pages-soft \(soft), per user) new pipes "
              + "get the minimum size; set tuning.max_pipes, or raise fs.pipe-user-pages-soft"))
      }
      return findings
    }
    let pages = pipes * pagesPerPipe
    if soft > 0 && pages > soft {
      // What fits under the soft limit once the pools are full, per worker.
      let perWorker = (soft / pagesPerPipe - pooledPipes) / configuration.workers
      let instead =
        perWorker >= 1
        ? "tuning.max_pipes: \(perWorker)"
        : "a smaller tuning.pipe_pool or pipe_size (the pools alone take \(pooledPipes * pagesPerPipe) pages)"
      findings.append(
        CapacityFinding(
          .warning, .pipes,
          "up to \(pipes) pipes of \(bytes) bytes need \(pages) pages; fs.pipe-user-pages-soft is \(soft) (per user), "
            + "past which new pipes get the minimum size: set sysctl fs.pipe-user-pages-soft=\(pages), or \(instead)"))
    }
    let hard = limits.pipeUserPagesHard
    if hard > 0 && pages > hard {
      findings.append(
        CapacityFinding(
          .warning, .pipes,
          "up to \(pages) pages of pipes exceed fs.pipe-user-pages-hard \(hard): past it no pipe is granted and "
            + "fills copy through user space; set sysctl fs.pipe-user-pages-hard=\(pages) (or 0)"))
    }
    return findings
  }

  var backlogFindings: [CapacityFinding] {
    configuration.listeners.filter { $0.backlog > limits.somaxconn }.map { listener in
      CapacityFinding(
        .warning, .backlog,
        "listener \(listener.name): backlog \(listener.backlog) is capped at net.core.somaxconn \(limits.somaxconn); "
          + "set sysctl net.core.somaxconn=\(listener.backlog)")
    }
  }

  var localPortFindings: [CapacityFinding] {
    let ports = limits.localPorts.count
    var findings: [CapacityFinding] = []
    for pool in configuration.pools {
      let front = configuration.listeners.filter { $0.poolNames.contains(pool.name) }.map(\.maxConnections)
      let fromListeners: Int? = front.contains(nil) ? nil : front.reduce(0) { $0 + ($1 ?? 0) }
      for server in pool.servers where server.address.port != nil {
        let bound = [server.maxConnections, fromListeners].compactMap { $0 }.min()
        guard let bound, bound > ports else { continue }
        findings.append(
          CapacityFinding(
            .warning, .localPorts,
            "pool \(pool.name), server \(server.address): up to \(bound) connections, but the local port range "
              + "(net.ipv4.ip_local_port_range \(limits.localPorts.lowerBound) \(limits.localPorts.upperBound)) "
              + "gives \(ports) per server address, fewer with TIME_WAIT; widen the range, or set the server's "
              + "max_connections to \(ports)"))
      }
    }
    return findings
  }

  /// "listener a has" or "listeners a, b have".
  private static func list(_ names: [String], _ noun: String) -> String {
    names.count == 1 ? "\(noun) \(names[0]) has" : "\(noun)s \(names.joined(separator: ", ")) have"
  }
}
