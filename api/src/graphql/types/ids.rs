//! Parsing GraphQL `ID` arguments into UUIDs, naming the argument when one is malformed.

use async_graphql::ID;
use becta_domain::Error;
use uuid::Uuid;

use crate::graphql::error::to_gql;

pub fn parse_id(field: &str, id: &ID) -> async_graphql::Result<Uuid> {
    Uuid::parse_str(id.as_str()).map_err(|_| {
        to_gql(Error::bad_input(
            field,
            format!("`{field}` is not a valid id: expected a UUID"),
        ))
    })
}
