/// Why a discovery query brought no usable servers: the `reason` label of
/// `splicer_discovery_failures_total`. The last good set stays in every case.
public enum DiscoveryFailure: String, Error, Sendable, Hashable, CaseIterable {
  /// No resolver state: /etc/resolv.conf unusable (res_ninit failed).
  case resolverInit = "resolver_init"
  /// The name does not exist (NXDOMAIN).
  case nxdomain
  /// The answer had no SRV record, or none with a usable target.
  case empty
  /// No answer in time, or SERVFAIL.
  case timeout
  /// A refusal or another answer that will not get better by asking again soon.
  case failed
  /// An answer libresolv's parser refused.
  case malformed
}
