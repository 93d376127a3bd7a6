//! Helpers every migration uses to write DDL the same way on SQLite and PostgreSQL.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// `col IN ('a', 'b', ...)` as a CHECK expression.
pub(crate) fn one_of(col: &'static str, values: &[&str]) -> SimpleExpr {
    Expr::col(col).is_in(values.iter().map(|v| (*v).to_owned()))
}

pub(crate) fn fk(
    table: &'static str,
    col: &'static str,
    to: &'static str,
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{table}_{col}"))
        .from(table, col)
        .to(to, "id")
        .on_delete(on_delete)
        .on_update(ForeignKeyAction::NoAction)
        .take()
}

pub(crate) fn index(
    table: &'static str,
    name: &str,
    cols: &[&'static str],
) -> IndexCreateStatement {
    let mut ix = Index::create();
    ix.name(format!("ix_{table}_{name}"))
        .table(table)
        .if_not_exists();
    for c in cols {
        ix.col(*c);
    }
    ix.take()
}

pub(crate) fn unique(
    table: &'static str,
    name: &str,
    cols: &[&'static str],
) -> IndexCreateStatement {
    let mut ix = index(table, name, cols);
    ix.name(format!("ux_{table}_{name}")).unique();
    ix
}

pub(crate) fn created_updated(t: &mut TableCreateStatement) -> &mut TableCreateStatement {
    t.col(timestamp_with_time_zone("created_at"))
        .col(timestamp_with_time_zone("updated_at"))
}
