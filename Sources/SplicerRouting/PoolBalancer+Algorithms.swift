import Glibc
import SplicerConfig

/// The five ways of choosing among the candidates `pick` gathered. Every candidate is
/// available and none is the avoided server; candidates are in index order.
extension PoolBalancer {
  mutating func choose(among candidates: UnsafeBufferPointer<Candidate>, clientKey: UInt64) -> Int {
    // With one candidate every algorithm agrees, and smooth round robin's step would leave
    // the running weights as they were (the lone server gains and loses the same total).
    guard candidates.count > 1 else { return candidates[0].index }
    switch algorithm {
    case .roundRobin: return smoothWeightedRoundRobin(candidates)
    case .leastConnections: return leastConnections(candidates)
    case .randomTwo: return randomTwo(candidates)
    case .sourceHash: return highestRandomWeight(candidates, clientKey: clientKey)
    case .first: return candidates[0].index
    }
  }

  /// nginx's smooth weighted round robin (`ngx_http_upstream_get_peer`): every candidate gains
  /// its weight, the one with the most wins and pays back the total. Over one cycle each server
  /// wins exactly its weight's worth of picks, interleaved (5, 1, 1 gives a a b a c a a).
  /// Servers that are not candidates neither gain nor pay, as in nginx.
  private mutating func smoothWeightedRoundRobin(_ candidates: UnsafeBufferPointer<Candidate>) -> Int {
    var best = candidates[0].index
    var total = 0
    for candidate in candidates {
      let index = candidate.index
      currentWeights[index] += servers[index].weight
      total += servers[index].weight
      if currentWeights[index] > currentWeights[best] { best = index }
    }
    currentWeights[best] -= total
    return best
  }

  /// The fewest connections per unit of weight, compared by cross-multiplying so that no
  /// rounding decides. Among equals the first at or after `position` wins and `position`
  /// moves past it, so equally loaded servers take turns instead of the first taking all.
  private mutating func leastConnections(_ candidates: UnsafeBufferPointer<Candidate>) -> Int {
    let count = servers.count
    func distance(_ index: Int) -> Int { (index - position + count) % count }
    var best = candidates[0]
    for candidate in candidates.dropFirst() {
      let order = compareLoad(candidate, best)
      if order < 0 || (order == 0 && distance(candidate.index) < distance(best.index)) {
        best = candidate
      }
    }
    position = (best.index + 1) % count
    return best.index
  }

  /// Two distinct candidates drawn with probability proportional to weight; the less loaded
  /// per unit of weight wins, the first drawn on a tie ("power of two choices").
  private mutating func randomTwo(_ candidates: UnsafeBufferPointer<Candidate>) -> Int {
    let total = candidates.reduce(0) { $0 + servers[$1.index].weight }
    let first = draw(candidates, totalWeight: total, excluding: nil)
    let second = draw(candidates, totalWeight: total - servers[first.index].weight, excluding: first.index)
    return compareLoad(second, first) < 0 ? second.index : first.index
  }

  /// Weighted rendezvous hashing: each server scores `weight / -ln(u)`, with `u` in (0, 1)
  /// from hashing the client with the server's identity; the highest score wins. A server
  /// that goes away takes only its own clients with it (everyone else's best score remains),
  /// and a new server takes about its weight's share from every other.
  private func highestRandomWeight(_ candidates: UnsafeBufferPointer<Candidate>, clientKey: UInt64) -> Int {
    var best = candidates[0].index
    var bestScore = -Double.infinity
    for candidate in candidates {
      let server = servers[candidate.index]
      let score = Self.rendezvousScore(clientKey: clientKey, server: server)
      if score > bestScore {
        best = candidate.index
        bestScore = score
      }
    }
    return best
  }

  static func rendezvousScore(clientKey: UInt64, server: BalancedServer) -> Double {
    let hash = BalancedServer.mix64(BalancedServer.mix64(clientKey ^ server.hashIdentity) &+ server.hashIdentity)
    // The top 53 bits, centred in their interval: never 0 (ln → -inf) nor 1 (ln → 0).
    let unit = (Double(hash >> 11) + 0.5) / 9_007_199_254_740_992
    return Double(server.weight) / -log(unit)
  }

  /// Negative when `lhs` has fewer connections per unit of weight than `rhs`, zero when equal.
  private func compareLoad(_ lhs: Candidate, _ rhs: Candidate) -> Int {
    let left = lhs.active * servers[rhs.index].weight
    let right = rhs.active * servers[lhs.index].weight
    return left < right ? -1 : (left == right ? 0 : 1)
  }

  /// One candidate drawn with probability weight / `totalWeight`, skipping `excluding`.
  private mutating func draw(
    _ candidates: UnsafeBufferPointer<Candidate>, totalWeight: Int, excluding: Int?
  ) -> Candidate {
    var ticket = Int(random.next(upperBound: UInt64(totalWeight)))
    for candidate in candidates where candidate.index != excluding {
      ticket -= servers[candidate.index].weight
      if ticket < 0 { return candidate }
    }
    preconditionFailure("weighted draw ran past the candidates")
  }
}
