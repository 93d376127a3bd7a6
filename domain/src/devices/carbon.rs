//! Carbon: what a unit of a device embodies new, what its refurbishment costs, and what
//! buying it used saves.
//!
//! Policy: every figure names its source. A new unit's footprint is the maker's product
//! carbon footprint where the supplier gives it, else the documented default for the form
//! factor; where no default is documented the saving is unknown (absent), never guessed. A
//! refurbishment's own footprint is the supplier's figure, else a documented default. A new
//! unit saves nothing. Figures are whole kg CO2e.

use crate::devices::DeviceSpec;
use crate::vocab::FormFactor;

/// A figure in kg CO2e and where it comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::SimpleObject))]
#[cfg_attr(feature = "graphql", graphql(name = "CarbonFigure"))]
pub struct Figure {
    /// kg CO2e.
    pub kg: i64,
    /// Where the figure comes from.
    pub source: String,
}

/// The documented default footprint of a new unit, by form factor (kg CO2e and source).
pub fn default_new_footprint(form: FormFactor) -> Option<(i64, &'static str)> {
    match form {
        FormFactor::Laptop => Some((
            280,
            "BECTA default for a laptop: the sector mean life-cycle footprint of about 280 kg CO2e, most of it from manufacture",
        )),
        FormFactor::Chromebook => Some((
            280,
            "BECTA default for a Chromebook: the laptop sector mean of about 280 kg CO2e (no Chromebook mean is documented)",
        )),
        FormFactor::Tablet | FormFactor::Desktop | FormFactor::InteractivePanel => None,
    }
}

/// The documented default footprint of a refurbishment, in kg CO2e.
pub const DEFAULT_REFURBISHMENT_KG: i64 = 10;
pub const DEFAULT_REFURBISHMENT_SOURCE: &str = "BECTA default for a refurbishment: its own footprint is a few kg CO2e; 10 kg is assumed as an upper figure";
const NEW_UNIT_SOURCE: &str = "A new unit: no manufacturing emissions are saved";

/// One unit's carbon figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitCarbon {
    /// A new unit's embodied footprint, if known.
    pub new_unit: Option<Figure>,
    /// The refurbishment's own footprint (used devices).
    pub refurbishment: Option<Figure>,
    /// What buying this unit rather than a new one saves, if known.
    pub saved: Option<Figure>,
}

/// The carbon figures of one unit of the device `spec` describes.
pub fn per_unit(spec: &DeviceSpec) -> UnitCarbon {
    let new_unit = match (spec.new_footprint_kg, &spec.new_footprint_source) {
        (Some(kg), Some(source)) => Some(Figure {
            kg: i64::from(kg),
            source: source.clone(),
        }),
        _ => default_new_footprint(spec.form_factor).map(|(kg, source)| Figure {
            kg,
            source: source.to_owned(),
        }),
    };
    if !spec.is_used() {
        return UnitCarbon {
            new_unit,
            refurbishment: None,
            saved: Some(Figure {
                kg: 0,
                source: NEW_UNIT_SOURCE.to_owned(),
            }),
        };
    }
    let refurbishment = match (
        spec.refurbishment_footprint_kg,
        &spec.refurbishment_footprint_source,
    ) {
        (Some(kg), Some(source)) => Figure {
            kg: i64::from(kg),
            source: source.clone(),
        },
        _ => Figure {
            kg: DEFAULT_REFURBISHMENT_KG,
            source: DEFAULT_REFURBISHMENT_SOURCE.to_owned(),
        },
    };
    let saved = new_unit.as_ref().map(|n| Figure {
        kg: (n.kg - refurbishment.kg).max(0),
        source: format!(
            "A new unit's footprint ({} kg CO2e: {}) less the refurbishment's ({} kg CO2e: {})",
            n.kg, n.source, refurbishment.kg, refurbishment.source
        ),
    });
    UnitCarbon {
        new_unit,
        refurbishment: Some(refurbishment),
        saved,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::devices::spec::tests::refurbished;
    use crate::vocab::DeviceCondition;

    #[test]
    fn a_refurbished_unit_saves_the_new_footprint_less_the_refurbishment() {
        let mut s = refurbished();
        let c = per_unit(&s);
        assert_eq!(c.saved.as_ref().map(|f| f.kg), Some(270));
        s.new_footprint_kg = Some(350);
        s.new_footprint_source = Some("Maker's product carbon footprint, 2024".into());
        s.refurbishment_footprint_kg = Some(6);
        s.refurbishment_footprint_source = Some("Refurbisher's audited LCA".into());
        let c = per_unit(&s);
        assert_eq!(c.saved.as_ref().map(|f| f.kg), Some(344));
        let source = c.saved.map(|f| f.source).unwrap_or_default();
        assert!(
            source.contains("Maker's product carbon footprint"),
            "{source}"
        );
        assert!(source.contains("Refurbisher's audited LCA"), "{source}");
    }

    #[test]
    fn no_default_means_no_saving_and_new_saves_nothing() {
        let mut s = refurbished();
        s.form_factor = FormFactor::Tablet;
        assert_eq!(per_unit(&s).saved, None);
        let mut s = refurbished();
        s.condition = DeviceCondition::New;
        assert_eq!(per_unit(&s).saved.map(|f| f.kg), Some(0));
    }
}
