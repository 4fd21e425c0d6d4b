import PaymentsContract
import PaymentsDomain
import PaymentsServices

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Usage: events in (one, or up to 1,000 at once), a gauge set, and a customer's usage read back.
struct UsageController: Controller {
    let usage: Usage.Service

    static let access = Access.app

    static let routes: [Route<Self>] = [
        Route(
            .post,
            "/v1/usage-events",
            id: "recordUsageEvent",
            summary: "Record one usage event",
            description: "`id` is the app's own and unique for ever: the same id and body again answers 200 with `duplicate: true`; "
                + "the same id with another body is a 409 `usage_event_conflict`. 201 means committed, and counted in the customer's "
                + "usage at once. 400: an unknown customer (`customer_not_found`) or metric (`metric_not_found`), a negative value "
                + "for a metric other than sum, a timestamp more than 5 minutes ahead, or in a billed period (`usage_period_closed`).",
            success: .upserted(Resources.usageEvent.codec, created: "Recorded", updated: "Recorded before (duplicate)"),
            errors: [.conflict],
            handler: record
        ),
        Route(
            .post,
            "/v1/usage-events/batch",
            id: "recordUsageEvents",
            summary: "Record up to 1,000 usage events, each accepted or refused on its own",
            description: "Answers 200 with one result per event, in order: `created`, `duplicate`, or `refused` with the error (its "
                + "`param` names the event, e.g. `events[3][timestamp]`). The accepted ones are committed together.",
            success: .ok(Resources.usageBatch.codec, "What became of each event"),
            handler: batch
        ),
        Route(
            .put,
            "/v1/customers/{external_id}/usage/{metric}",
            id: "setUsage",
            summary: "Set a gauge (a metric with aggregation last: seats, locations) for a customer, now",
            description: "Audited as SET_USAGE with the value before and after.",
            parameters: [CustomersController.externalID, PathParameter("metric", Metric.keyRule, "The metric's key")],
            success: .ok(Resources.metricUsage.codec, "The metric's usage this period"),
            errors: [.notFound],
            handler: set
        ),
        Route(
            .get,
            "/v1/customers/{external_id}/usage",
            id: "getCustomerUsage",
            summary: "A customer's usage per metric, priced",
            description: "From rollups kept with each event (never a scan of the events). `period=current` (the default) is the "
                + "customer's current billing period (its subscription's, else the UTC calendar month); `previous` the one before; "
                + "or `from`/`to`: the periods that start in `[from, to)`. Each metric's value, the included and billable quantities "
                + "and their amount by the plan's metered price, and the plan's limit.",
            parameters: [CustomersController.externalID],
            success: .ok(Resources.customerUsage.codec, "The usage"),
            errors: [.notFound],
            handler: read
        ),
    ]

    @Sendable func record(_ call: Call<EventInput, NoQuery>) async throws -> Upserted<Resources.RecordedEvent> {
        let outcomes = try await usage.record(app: try call.app().id, [call.body.input], batch: false, origin: call.origin)
        switch outcomes.first {
        case .created(let event)?: return Upserted(Resources.RecordedEvent(event, duplicate: false), created: true)
        case .duplicate(let event)?: return Upserted(Resources.RecordedEvent(event, duplicate: true), created: false)
        case .refused(let error)?: throw error
        case nil: throw PaymentsError(.internal, code: .internalError, message: "No outcome for the event.")
        }
    }

    @Sendable func batch(_ call: Call<BatchInput, NoQuery>) async throws -> [Resources.BatchResult] {
        let outcomes = try await usage.record(app: try call.app().id, call.body.events.map(\.input), batch: true, origin: call.origin)
        return outcomes.enumerated().map { Resources.BatchResult(index: $0.offset, outcome: $0.element) }
    }

    @Sendable func set(_ call: Call<GaugeInput, NoQuery>) async throws -> Usage.MetricUsage {
        guard let value = call.body.value else { throw PaymentsError.missing("value") }
        return try await usage.set(
            app: try call.app().id,
            externalID: try call.path("external_id"),
            metric: try call.path("metric"),
            value: value,
            origin: call.origin
        )
    }

    @Sendable func read(_ call: Call<NoBody, UsageQuery>) async throws -> Usage.CustomerUsage {
        let query = call.query
        let window: Usage.Window
        switch (query.period, query.from, query.to) {
        case (nil, nil, nil), (.current?, nil, nil): window = .current
        case (.previous?, nil, nil): window = .previous
        case (nil, let from?, let to?):
            guard from < to else { throw PaymentsError.invalid("to", "to must be after from.") }
            window = .between(from, to)
        case (nil, nil, _?): throw PaymentsError.missing("from")
        case (nil, _?, nil): throw PaymentsError.missing("to")
        default: throw PaymentsError.invalid("period", "Give period, or from and to, not both.")
        }
        return try await usage.usage(app: try call.app().id, externalID: try call.path("external_id"), metric: query.metric, window: window)
    }

    enum Period: String, Sendable, CaseIterable {
        case current, previous
    }

    struct UsageQuery: APIQuery {
        var metric: String?
        var period: Period?
        var from: Date?
        var to: Date?

        static let query = QueryShape<Self> {
            Parameter("metric", \.metric, .text(Metric.keyRule), description: "One metric only")
            Parameter("period", \.period, .enumeration)
            Parameter("from", \.from, .timestamp, description: "With to: periods that start at or after it")
            Parameter("to", \.to, .timestamp, description: "With from: periods that start before it")
        }
    }

    struct EventInput: APIInput {
        var id = ""
        var customer = ""
        var metric = ""
        var value: Double?
        var timestamp: Date?
        var properties: [String: JSONValue]?

        var input: UsageEvent.Input {
            UsageEvent.Input(id: id, customer: customer, metric: metric, value: value, timestamp: timestamp, properties: properties ?? [:])
        }

        static let shape = Shape<Self>("UsageEventInput") { fields() }

        @InputsBuilder<EventInput>
        static func fields() -> [Input<EventInput>] {
            Required("id", \.id, .text(UsageEvent.idRule), description: "The app's own id for the event, unique for ever")
            Required("customer", \.customer, .text(Customer.externalIDRule), description: "The app's id for the customer")
            Required("metric", \.metric, .text(Metric.keyRule))
            Omittable("value", \.value, .number, description: "Default 1; negative only for a sum metric (a correction)")
            Omittable("timestamp", \.timestamp, .timestamp, description: "When it happened; default now; at most 5 minutes ahead")
            Omittable(
                "properties",
                \.properties,
                .map(keys: Metric.fieldRule, values: .scalar(TextRule(length: 0...500)), count: UsageEvent.propertyCount),
                description: "What unique_count metrics count, or where a metric with a field reads its number"
            )
        }
    }

    struct BatchInput: APIInput {
        var events: [EventInput] = []

        static let shape = Shape<Self>("UsageEventBatchInput") {
            Required("events", \.events, .list(Shape<EventInput>(nil) { EventInput.fields() }.rule, count: 1...UsageEvent.batchLimit))
        }
    }

    struct GaugeInput: APIInput {
        var value: Double?

        static let shape = Shape<Self>("GaugeInput") {
            Omittable("value", \.value, .number, description: "Required: the gauge's value from now on")
        }
    }
}

/// Reads one usage event as `POST /v1/usage-events` takes it (for `payments usage import`): the
/// same fields, limits and errors.
public func readUsageEvent(_ json: JSONValue) throws(PaymentsError) -> UsageEvent.Input {
    try UsageController.EventInput.shape.read(json).input
}
