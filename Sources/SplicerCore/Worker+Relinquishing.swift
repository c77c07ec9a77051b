/// The old process's side of a committed live upgrade (design §8.2 step 1).
extension Worker {
  /// Closes this worker's copies of every session's and mirror's descriptors (plain closes,
  /// `Session.relinquish`) and forgets them, so that `run`'s exit path finds none to close
  /// with `shutdown`. Queue places and slots are not given back: the boards die with the
  /// process. Listeners stay (the last step of the commit closes them). Only while frozen.
  func relinquishAll() {
    precondition(isFrozen, "only a frozen worker's sessions can be relinquished")
    while let session = sessions.last { session.relinquish() }
    queues.removeAll()
    for mirror in resources.mirrors.all { mirror.relinquish() }
    freezing.frozen?.sessions.removeAll()
    freezing.frozen?.mirrors.removeAll()
  }

  /// The sessions still open when the loop ends close with `shutdown`, except on a frozen
  /// worker: frozen at the end means a live upgrade committed and this worker did not
  /// relinquish in time, so its sessions are the new process's and get only plain closes (a
  /// reset set here would act on the sockets both processes share).
  func closeSessionsAtExit() {
    if isFrozen { relinquishAll() }
    while let session = sessions.last { session.close(.shutdown) }
  }
}
