/// The prefix lengths below `count` whose parse the invariant checks compare with the whole's.
///
/// All of them for short inputs; for long ones every length near the start and the end (where
/// the length fields and the last field are) and a stride in between, so that one input stays
/// O(n) parses of bounded cost and the fuzzer keeps its speed.
public func fuzzPrefixLengths(below count: Int) -> [Int] {
  let exhaustive = 256
  guard count > exhaustive else { return Array(0..<count) }
  let head = 0..<(exhaustive / 2)
  let tail = (count - exhaustive / 2)..<count
  let middle = stride(from: head.upperBound, to: tail.lowerBound, by: max(1, (tail.lowerBound - head.upperBound) / 64))
  return Array(head) + Array(middle) + Array(tail)
}
