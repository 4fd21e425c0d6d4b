import PaymentsDomain

// The domain's closed sets of values that the API shows: each is written as its raw value and
// documented as an `enum` listing every case, so a case added in the domain is in the document.
extension App.Mode: JSONEnumeration {}
extension APIKey.Kind: JSONEnumeration {}
extension APIKey.State: JSONEnumeration {}
extension AuditAction: JSONEnumeration {}
extension BillingInterval.Unit: JSONEnumeration {}
extension BillingStatus: JSONEnumeration {}
extension CheckoutSession.Mode: JSONEnumeration {}
extension CheckoutSession.Status: JSONEnumeration {}
extension Entitlement.Mode: JSONEnumeration {}
extension Entitlement.Reason: JSONEnumeration {}
extension Entitlement.Rollout: JSONEnumeration {}
extension ErrorCode: JSONEnumeration {}
extension Event.Kind: JSONEnumeration {}
extension EventDelivery.Status: JSONEnumeration {}
extension GracePeriod.Reason: JSONEnumeration {}
extension GracePeriod.Status: JSONEnumeration {}
extension Invoice.Collection: JSONEnumeration {}
extension Invoice.Status: JSONEnumeration {}
extension DriftRun.Status: JSONEnumeration {}
extension DriftDifference.ObjectType: JSONEnumeration {}
extension DriftDifference.Kind: JSONEnumeration {}
extension Metric.Aggregation: JSONEnumeration {}
extension Metered.Tiers.Mode: JSONEnumeration {}
extension Payment.Status: JSONEnumeration {}
extension Price.Kind: JSONEnumeration {}
extension ProrationBehavior: JSONEnumeration {}
extension ProviderCapability: JSONEnumeration {}
extension ProviderName: JSONEnumeration {}
extension Refund.Reason: JSONEnumeration {}
extension Refund.Status: JSONEnumeration {}
extension ResourceType: JSONEnumeration {}
extension Subscription.Status: JSONEnumeration {}

extension Currency: JSONOutput {
    /// A lowercase ISO 4217 code.
    public static let codec = Codec<Currency>(.string(description: "ISO 4217, lowercase")) { value, writer in writer.value(value.rawValue) }
}
