/// Failures of the store itself (not of a request).
public enum StoreError: Error, Sendable, CustomStringConvertible {
    case closed
    case invalidConfiguration(String)
    /// A write transaction finished without recording what it did in the audit log.
    case unaudited
    /// A write was attempted in a read session.
    case readOnly
    /// The database breaks an invariant the store keeps (e.g. an app without its audit chain head).
    case inconsistent(String)

    public var description: String {
        switch self {
        case .closed: "the store is closed"
        case .invalidConfiguration(let message): message
        case .unaudited: "a write transaction recorded no audit entry"
        case .readOnly: "a write was attempted in a read session"
        case .inconsistent(let message): "inconsistent data: \(message)"
        }
    }
}
