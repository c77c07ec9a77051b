import Glibc

/// Every descriptor the new process has received during an adoption, so that an abort closes
/// exactly those and its descriptor count returns to where it was (design §5.1).
///
/// The ledger owns the descriptors it records until either `closeAll()` (abort: each is closed
/// with a plain `close`, nothing else, so no `shutdown` or reset reaches a peer the old process
/// still serves through its own copy) or `release()` (commit: the adopted sessions and
/// listeners own them from then on). Both empty the ledger, so nothing is closed twice.
/// Used by the one thread that receives the descriptors.
public final class AdoptionLedger {
  private var descriptors: [Int32] = []

  public init() {}

  /// The descriptors recorded and not yet closed or released, in arrival order.
  public var recorded: [Int32] { descriptors }

  public var count: Int { descriptors.count }

  /// Records descriptors as they arrive, before anything else can fail.
  public func record(_ received: some Sequence<Int32>) {
    descriptors.append(contentsOf: received)
  }

  /// Closes every recorded descriptor once and forgets them. Returns how many were closed.
  @discardableResult
  public func closeAll() -> Int {
    let closing = descriptors
    descriptors = []
    for descriptor in closing {
      // Not retried on EINTR: on Linux the descriptor is released even then, and a retry could
      // close a number another thread has just been given.
      _ = Glibc.close(descriptor)
    }
    return closing.count
  }

  /// Hands every recorded descriptor to its new owner: the ledger forgets them, unclosed.
  public func release() {
    descriptors = []
  }
}
