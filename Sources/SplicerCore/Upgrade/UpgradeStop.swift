import Glibc
import SplicerSystem

/// Why a side stops the protocol, thrown inside the state machines and turned into their
/// outcome. `tellPeer` is false when the peer said it first or the channel is gone.
struct UpgradeStop: Error {
  var notice: UpgradeNotice
  var byPeer: Bool
  var channelClosed: Bool

  init(_ reason: UpgradeRefusal, _ text: String, byPeer: Bool = false, channelClosed: Bool = false) {
    self.notice = UpgradeNotice(reason, text)
    self.byPeer = byPeer
    self.channelClosed = channelClosed
  }

  init(peer notice: UpgradeNotice) {
    self.notice = notice
    self.byPeer = true
    self.channelClosed = false
  }

  var tellPeer: Bool { !byPeer && !channelClosed }

  /// A channel error while `doing` something.
  static func channel(_ error: DescriptorChannelError, _ doing: String) -> UpgradeStop {
    switch error.reason {
    case .endOfStream:
      UpgradeStop(.aborted, "the peer closed the channel \(doing)", channelClosed: true)
    // A peer that closed its end with messages unread makes the next call fail with
    // ECONNRESET, once; what it sent before closing can still be read.
    case .syscall(let failure) where failure.errno == ECONNRESET:
      UpgradeStop(.aborted, "the peer closed the channel \(doing)", channelClosed: true)
    case .timedOut: UpgradeStop(.timedOut, "timed out \(doing)")
    case .descriptorsTruncated, .descriptorCountMismatch:
      UpgradeStop(.descriptorsTruncated, "\(error) \(doing)")
    default: UpgradeStop(.recordInvalid, "\(error) \(doing)")
    }
  }

  /// A message that has no place at this point of the protocol.
  static func unexpected(_ message: UpgradeMessage, _ doing: String) -> UpgradeStop {
    UpgradeStop(.recordInvalid, "unexpected \(message.type) \(doing)")
  }
}
