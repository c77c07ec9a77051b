/// Finds the known word closest to a misspelt one, for "did you mean" hints in config errors.
///
/// Distance is optimal string alignment (Levenshtein plus adjacent transpositions, so `piep` is one
/// edit from `pipe`), compared case-insensitively. A candidate is only offered when it is close
/// relative to its length; suggesting `log` for `foo` would be noise.
enum KeySuggestion {
  static func closest(to word: String, among candidates: [String]) -> String? {
    var best: (candidate: String, distance: Int)? = nil
    for candidate in candidates {
      let distance = editDistance(word.lowercased(), candidate.lowercased())
      let allowed = max(1, candidate.count / 3)
      guard distance <= allowed else { continue }
      if let current = best, current.distance <= distance { continue }
      best = (candidate, distance)
    }
    return best?.candidate
  }

  /// " (did you mean 'address'?)" or "".
  static func hint(for word: String, among candidates: [String]) -> String {
    guard let suggestion = closest(to: word, among: candidates) else { return "" }
    return " (did you mean '\(suggestion)'?)"
  }

  static func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a)
    let b = Array(b)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    // d[i][j] = distance between the first i characters of a and the first j of b.
    var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
    for i in 0...a.count { d[i][0] = i }
    for j in 0...b.count { d[0][j] = j }
    for i in 1...a.count {
      for j in 1...b.count {
        let cost = a[i - 1] == b[j - 1] ? 0 : 1
        d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
        if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
          d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
        }
      }
    }
    return d[a.count][b.count]
  }
}
