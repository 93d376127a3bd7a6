//! Codes of orders and their payment.

code_enum! {
    /// How a school pays for an order.
    PaymentMethod {
        /// By card, confirmed in the browser against the returned client secret.
        Card = "card" => "Card",
        /// On a Stripe invoice with 30-day terms and the school's purchase-order number.
        Invoice = "invoice" => "Invoice",
    }
}

code_enum! {
    /// Why the payment provider did not take a payment or make an invoice: what the school can
    /// do about it differs.
    PaymentFailureKind {
        /// The card (or the payment of an invoice) was declined: try another card, or pay on
        /// invoice.
        Declined = "declined" => "Declined",
        /// The provider refused the request as it stood: change what the message names.
        InvalidRequest = "invalid_request" => "Refused by the provider",
        /// The provider could not be reached or answered with an error of its own: retry with
        /// the same client key.
        Unavailable = "unavailable" => "Provider unavailable",
    }
}

code_enum! {
    /// Which price an order is at.
    PriceOption {
        /// The supplier's list price.
        ListPrice = "list_price" => "List price",
        /// The list price less the deal's typical saving (give the deal).
        DealPrice = "deal_price" => "Deal price",
    }
}

code_enum! {
    /// Where an order stands.
    OrderStatus {
        /// Written; the payment provider is being asked.
        Pending = "pending" => "Pending",
        /// A card payment is ready for the school to confirm.
        AwaitingPayment = "awaiting_payment" => "Awaiting payment",
        /// An invoice was sent to the school.
        Invoiced = "invoiced" => "Invoiced",
        Paid = "paid" => "Paid",
        /// The last payment attempt failed; the school may try again.
        PaymentFailed = "payment_failed" => "Payment failed",
        /// The invoice was cancelled.
        Void = "void" => "Cancelled",
        /// The payment provider did not make the payment or invoice; `failureKind` says whether
        /// to retry with the same client key (unavailable) or change what `failureReason` names.
        Failed = "failed" => "Failed",
    }
}
