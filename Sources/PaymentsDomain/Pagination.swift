/// A request for one page of a list, newest first, as Stripe's lists work.
public struct PageRequest: Sendable, Equatable {
    public static let defaultLimit = 10
    public static let maximumLimit = 100

    public let limit: Int
    /// Return objects older than this id.
    public let startingAfter: String?

    public init(limit: Int = PageRequest.defaultLimit, startingAfter: String? = nil) throws(PaymentsError) {
        guard (1...PageRequest.maximumLimit).contains(limit) else {
            throw .invalid("limit", "limit must be between 1 and \(PageRequest.maximumLimit).")
        }
        self.limit = limit
        self.startingAfter = startingAfter
    }

    /// The first page of the default size.
    public static var first: PageRequest { PageRequest(checkedLimit: defaultLimit, startingAfter: nil) }

    /// The limit's range, for the API's rule.
    public static let limits = IntegerRule(1...Int64(maximumLimit))

    private init(checkedLimit: Int, startingAfter: String?) {
        self.limit = checkedLimit
        self.startingAfter = startingAfter
    }

    /// Checks that the cursor, if any, is an id of the kind being listed.
    /// - Throws: `parameter_invalid` naming `starting_after`.
    public func requireCursor<Kind: Identified>(of kind: Kind.Type) throws(PaymentsError) {
        if let cursor = startingAfter, TypedID<Kind>(parsing: cursor) == nil {
            throw .invalid("starting_after", "starting_after must be an id of the objects listed (\(Kind.idPrefix)_...).")
        }
    }
}

/// One page of a list.
public struct Page<Element: Sendable>: Sendable {
    public let data: [Element]
    public let hasMore: Bool

    public init(data: [Element], hasMore: Bool) {
        self.data = data
        self.hasMore = hasMore
    }

    /// Builds a page from up to `limit + 1` rows fetched: the extra row only says there is more.
    public init(fetched rows: [Element], limit: Int) {
        self.data = Array(rows.prefix(limit))
        self.hasMore = rows.count > limit
    }

    public func map<T>(_ transform: (Element) throws -> T) rethrows -> Page<T> {
        Page<T>(data: try data.map(transform), hasMore: hasMore)
    }
}

extension Page {
    /// Every element, fetched the largest page at a time, each page after `cursor` (the id) of
    /// the last element of the one before.
    public static func all(cursor: (Element) -> String, _ fetch: (PageRequest) async throws -> Page<Element>) async throws -> [Element] {
        var found: [Element] = []
        var page = try PageRequest(limit: PageRequest.maximumLimit)
        while true {
            let fetched = try await fetch(page)
            found += fetched.data
            guard fetched.hasMore, let last = fetched.data.last else { return found }
            page = try PageRequest(limit: PageRequest.maximumLimit, startingAfter: cursor(last))
        }
    }
}
