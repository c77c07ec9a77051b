/// When the next check of a server runs: the interval stretched or shrunk at random by up to
/// `jitter` (a fraction), so that checks spread out instead of arriving in lockstep.
enum CheckSchedule {
  /// - Parameter random: a value in [0, 1), injected so that tests can pin it.
  static func delay(interval: Duration, jitter: Double, random: Double) -> Duration {
    let factor = 1 + jitter * (2 * random - 1)
    return interval * factor
  }
}
