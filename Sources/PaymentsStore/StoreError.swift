/// Failures of the store itself (not of a request).
public enum StoreError: Error, Sendable, CustomStringConvertible {
    case closed
    case invalidConfiguration(String)
    case migration(String)
    /// A write transaction finished without recording what it did in the audit log.
    case unaudited
    /// A write was attempted in a read session.
    case readOnly

    public var description: String {
        switch self {
        case .closed: "the store is closed"
        case .invalidConfiguration(let message): message
        case .migration(let message): "migration failed: \(message)"
        case .unaudited: "a write transaction recorded no audit entry"
        case .readOnly: "a write was attempted in a read session"
        }
    }
}
