import Synchronization

/// One worker's counters, written only by that worker's thread and read by any thread.
///
/// Each slot is an atomic updated with relaxed ordering by a single writer, so the data path
/// pays no lock and no contended cache line; readers sum the workers at scrape time.
public final class WorkerStats: @unchecked Sendable {
  /// Plain counters and gauges, one slot each.
  public enum Slot: Int, CaseIterable, Sendable {
    case connectionsAccepted
    case connectionsClosed
    case bytesClientToServer
    case bytesServerToClient
    case bytesSpliced
    case bytesCopied
    case connectAttempts
    case acceptErrors
    case acceptBackoffs
    case pipesCreated
    case pipesClosed
    case pipesLeased
    case pipesReturned
    /// Gauge: empty pipes waiting in the pool.
    case pipesPooled
    /// Gauge: the capacity the kernel granted the most recent pipe.
    case pipeCapacityGranted
  }

  private let slots: UnsafeMutablePointer<Atomic<UInt64>>
  private let closeReasons: UnsafeMutablePointer<Atomic<UInt64>>
  private let fallbackReasons: UnsafeMutablePointer<Atomic<UInt64>>
  private let connectFailureReasons: UnsafeMutablePointer<Atomic<UInt64>>

  public init() {
    slots = Self.allocate(Slot.allCases.count)
    closeReasons = Self.allocate(CloseReason.allCases.count)
    fallbackReasons = Self.allocate(SpliceFallbackReason.allCases.count)
    connectFailureReasons = Self.allocate(ConnectFailureReason.allCases.count)
  }

  deinit {
    Self.free(slots, Slot.allCases.count)
    Self.free(closeReasons, CloseReason.allCases.count)
    Self.free(fallbackReasons, SpliceFallbackReason.allCases.count)
    Self.free(connectFailureReasons, ConnectFailureReason.allCases.count)
  }

  private static func allocate(_ count: Int) -> UnsafeMutablePointer<Atomic<UInt64>> {
    let pointer = UnsafeMutablePointer<Atomic<UInt64>>.allocate(capacity: count)
    for i in 0..<count { (pointer + i).initialize(to: Atomic(0)) }
    return pointer
  }

  private static func free(_ pointer: UnsafeMutablePointer<Atomic<UInt64>>, _ count: Int) {
    pointer.deinitialize(count: count)
    pointer.deallocate()
  }

  // Single writer: a relaxed load and store is enough and avoids a locked add.
  @inline(__always)
  private static func bump(_ slot: UnsafeMutablePointer<Atomic<UInt64>>, by amount: UInt64) {
    slot.pointee.store(slot.pointee.load(ordering: .relaxed) &+ amount, ordering: .relaxed)
  }

  @inline(__always)
  func add(_ slot: Slot, _ amount: UInt64 = 1) {
    Self.bump(slots + slot.rawValue, by: amount)
  }

  @inline(__always)
  func set(_ slot: Slot, _ value: UInt64) {
    (slots + slot.rawValue).pointee.store(value, ordering: .relaxed)
  }

  func countClose(_ reason: CloseReason) {
    Self.bump(closeReasons + reason.rawValue, by: 1)
    add(.connectionsClosed)
  }

  func countFallback(_ reason: SpliceFallbackReason) {
    Self.bump(fallbackReasons + reason.rawValue, by: 1)
  }

  func countConnectFailure(_ reason: ConnectFailureReason) {
    Self.bump(connectFailureReasons + reason.rawValue, by: 1)
  }

  // MARK: Reading, from any thread

  public func value(_ slot: Slot) -> UInt64 {
    (slots + slot.rawValue).pointee.load(ordering: .relaxed)
  }

  public func closes(_ reason: CloseReason) -> UInt64 {
    (closeReasons + reason.rawValue).pointee.load(ordering: .relaxed)
  }

  public func fallbacks(_ reason: SpliceFallbackReason) -> UInt64 {
    (fallbackReasons + reason.rawValue).pointee.load(ordering: .relaxed)
  }

  public func connectFailures(_ reason: ConnectFailureReason) -> UInt64 {
    (connectFailureReasons + reason.rawValue).pointee.load(ordering: .relaxed)
  }
}
