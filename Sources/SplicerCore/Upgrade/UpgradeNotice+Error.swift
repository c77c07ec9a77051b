/// A notice can be thrown: the closure that makes an `UpgradeRecipient` throws one to choose
/// the refusal (`.configInvalid`, `.reloadFailed`, ...) the old process is told.
extension UpgradeNotice: Error {}
