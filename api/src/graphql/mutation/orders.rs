//! Purchases.

use async_graphql::{Context, ID, Object};
use becta_domain::orders::PurchaseRequest;
use becta_domain::payments;
use becta_domain::vocab::{PaymentMethod, PriceOption};

use crate::graphql::auth::actor;
use crate::graphql::error::GqlResult;
use crate::graphql::types::Order;
use crate::graphql::types::ids::parse_id;
use crate::state::AppState;

#[derive(Default)]
pub struct OrderMutation;

#[Object]
impl OrderMutation {
    /// Buys a product (SCHOOL_BUYER): by CARD (confirm the returned `clientSecret` with
    /// Stripe.js) or on INVOICE (sent to the school with 30-day terms and the purchase-order
    /// number). Prices are in pence with VAT at 20%; with `loanId`, the trial loan is converted
    /// once paid. Send the same `clientKey` to retry a request safely: it never charges twice.
    /// When the payment provider fails, the order is kept `FAILED` with `failureKind` and
    /// `failureReason`, and the answer is `UNAVAILABLE` (retry with the same `clientKey`),
    /// `BAD_USER_INPUT` naming the argument the provider refused, or `CONFLICT`.
    /// `PAYMENTS_DISABLED` when the server has no payment provider.
    #[expect(
        clippy::too_many_arguments,
        reason = "the GraphQL arguments of `purchase`"
    )]
    async fn purchase(
        &self,
        ctx: &Context<'_>,
        product_id: ID,
        quantity: i64,
        #[graphql(desc = "LIST_PRICE (the default) or DEAL_PRICE with `dealId`")]
        price_option: Option<PriceOption>,
        deal_id: Option<ID>,
        method: PaymentMethod,
        purchase_order_number: Option<String>,
        loan_id: Option<ID>,
        client_key: Option<String>,
    ) -> async_graphql::Result<Order> {
        let a = actor(ctx)?;
        let state = ctx.data::<AppState>()?;
        let opt =
            |field: &str, id: &Option<ID>| id.as_ref().map(|i| parse_id(field, i)).transpose();
        let req = PurchaseRequest {
            product_id: parse_id("productId", &product_id)?,
            quantity,
            price_option: price_option.unwrap_or(PriceOption::ListPrice),
            deal_id: opt("dealId", &deal_id)?,
            method,
            purchase_order_number,
            loan_id: opt("loanId", &loan_id)?,
            client_key,
        };
        payments::purchase(&state.db, state.payments.as_deref(), a, req)
            .await
            .gql()
            .map(Order)
    }
}
