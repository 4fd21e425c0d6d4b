import NIOConcurrencyHelpers
import PaymentsDomain

/// What a committed change did to customers' entitlements, as caches need to hear it.
public enum EntitlementChange: Hashable, Sendable {
    /// One customer's standing (subscription, plan, grace, overrides).
    case customer(App.ID, Customer.ID)
    /// One customer's usage: this instance only (other instances re-read usage within a second).
    case usage(App.ID, Customer.ID)
    /// Every customer of the app (a plan's features, a policy, a rule).
    case app(App.ID)
    /// Anything (another process committed, on SQLite).
    case everything

    /// Whether other instances hear of it (usage is not sent: too frequent, and bounded by age).
    var isShared: Bool {
        if case .usage = self { return false }
        return true
    }
}

/// Tells subscribers of committed entitlement changes, this instance's and others'.
public final class ChangeFeed: Sendable {
    private let subscribers = NIOLockedValueBox<[@Sendable (Set<EntitlementChange>) -> Void]>([])

    public init() {}

    public func subscribe(_ subscriber: @escaping @Sendable (Set<EntitlementChange>) -> Void) {
        subscribers.withLockedValue { $0.append(subscriber) }
    }

    public func publish(_ changes: Set<EntitlementChange>) {
        for subscriber in subscribers.withLockedValue({ $0 }) { subscriber(changes) }
    }

    /// The changes as `NOTIFY` payloads: one line each (`app_id customer_id`, `app_id`), under
    /// PostgreSQL's 8,000-byte payload limit each.
    static func payloads(_ changes: Set<EntitlementChange>) -> [String] {
        var payloads: [String] = []
        var current = ""
        for change in changes {
            let line: String
            switch change {
            case .customer(let app, let customer): line = "\(app.rawValue) \(customer.rawValue)"
            case .app(let app): line = app.rawValue
            case .everything: line = "*"
            case .usage: continue
            }
            if current.utf8.count + line.utf8.count + 1 > 7_000 {
                payloads.append(current)
                current = ""
            }
            current += current.isEmpty ? line : "\n" + line
        }
        if !current.isEmpty { payloads.append(current) }
        return payloads
    }

    /// The changes a payload of ``payloads(_:)`` names.
    static func changes(in payload: String) -> Set<EntitlementChange> {
        Set(
            payload.split(separator: "\n").map { line in
                let parts = line.split(separator: " ")
                switch parts.count {
                case 2: return .customer(App.ID(rawValue: String(parts[0])), Customer.ID(rawValue: String(parts[1])))
                case 1 where parts[0] != "*": return .app(App.ID(rawValue: String(parts[0])))
                default: return .everything
                }
            }
        )
    }
}
