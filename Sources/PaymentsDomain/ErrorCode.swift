/// Every error code the API answers with, in one catalogue: what API users match on, and what
/// the OpenAPI document lists. A code is added here or it cannot be thrown.
public enum ErrorCode: String, Sendable, CaseIterable {
    // The request itself
    case parameterInvalid = "parameter_invalid"
    case parameterMissing = "parameter_missing"
    case parameterUnknown = "parameter_unknown"
    case invalidJSON = "invalid_json"
    case unsupportedMediaType = "unsupported_media_type"
    case requestTooLarge = "request_too_large"
    case invalidRequest = "invalid_request"
    case routeNotFound = "route_not_found"

    // Who is asking
    case apiKeyMissing = "api_key_missing"
    case apiKeyInvalid = "api_key_invalid"
    case apiKeyExpired = "api_key_expired"
    case apiKeyRevoked = "api_key_revoked"
    case adminTokenRequired = "admin_token_required"
    case publishableKeyNotAllowed = "publishable_key_not_allowed"
    case adminTokenInvalid = "admin_token_invalid"
    /// A dashboard form without its session's CSRF token.
    case csrfTokenInvalid = "csrf_token_invalid"

    // Idempotency
    case idempotencyKeyReused = "idempotency_key_reused"
    case idempotencyKeyInUse = "idempotency_key_in_use"

    // No such object (for this app: another app's answers the same)
    case appNotFound = "app_not_found"
    case apiKeyNotFound = "api_key_not_found"
    case customerNotFound = "customer_not_found"
    case planNotFound = "plan_not_found"
    case priceNotFound = "price_not_found"
    case subscriptionNotFound = "subscription_not_found"
    case paymentNotFound = "payment_not_found"
    case checkoutSessionNotFound = "checkout_session_not_found"
    case gracePeriodNotFound = "grace_period_not_found"
    case metricNotFound = "metric_not_found"
    case overrideNotFound = "entitlement_override_not_found"
    case featureRuleNotFound = "feature_rule_not_found"
    case webhookEndpointNotFound = "webhook_endpoint_not_found"
    case eventNotFound = "event_not_found"
    case eventDeliveryNotFound = "event_delivery_not_found"
    case providerEventNotFound = "provider_event_not_found"
    case reconciliationRunNotFound = "reconciliation_run_not_found"
    case providerNotFound = "provider_not_found"
    case pageNotFound = "page_not_found"
    case invoiceNotFound = "invoice_not_found"
    case invoiceLineNotFound = "invoice_line_not_found"

    // The state of the objects involved
    case planKeyExists = "plan_key_exists"
    case planArchived = "plan_archived"
    case metricKeyExists = "metric_key_exists"
    case metricLimit = "metric_limit"
    case usageEventConflict = "usage_event_conflict"
    case usagePeriodClosed = "usage_period_closed"
    case paymentNotRefundable = "payment_not_refundable"
    case refundExceedsPayment = "refund_exceeds_payment"
    case subscriptionNotLive = "subscription_not_live"
    case gracePeriodNotOpen = "grace_period_not_open"
    case webhookEndpointLimit = "webhook_endpoint_limit"
    case webhookEndpointDeleted = "webhook_endpoint_deleted"
    case eventDeliveryInFlight = "event_delivery_in_flight"
    case invoiceNotDraft = "invoice_not_draft"
    case invoiceNotOpen = "invoice_not_open"
    case invoiceNoLines = "invoice_no_lines"
    case invoiceTotalNegative = "invoice_total_negative"
    case invoiceCollectedByProvider = "invoice_collected_by_provider"

    // Providers
    case cardDeclined = "card_declined"
    case notSupported = "not_supported"
    case providerNotConfigured = "provider_not_configured"
    case providerModeMismatch = "provider_mode_mismatch"
    case providerAuthenticationFailed = "provider_authentication_failed"
    case providerUnavailable = "provider_unavailable"
    case providerOutcomeUnknown = "provider_outcome_unknown"
    case providerRequestInvalid = "provider_request_invalid"
    case providerObjectMissing = "provider_object_missing"
    case providerPriceInvalid = "provider_price_invalid"
    case providerUnreached = "provider_unreached"
    case webhookSignatureInvalid = "webhook_signature_invalid"
    case webhookPayloadInvalid = "webhook_payload_invalid"

    // The service
    case internalError = "internal_error"
    case secretUnreadable = "secret_unreadable"
    case sealFailed = "seal_failed"

    /// What a `*_not_found` code says is missing, for its message: `customer`, `webhook_endpoint`.
    var missingObject: String {
        String(rawValue.dropLast("_not_found".count))
    }
}
