/// How far an upgrade got, for the log and `splicer upgrade` when it fails (design §8.3).
public enum UpgradeStage: String, Hashable, Sendable {
  case hello
  case runningConfig
  case listeners
  case readyForState
  case freeze
  case workers
  case snapshots
  case prepared
  case commit
  case released
}
