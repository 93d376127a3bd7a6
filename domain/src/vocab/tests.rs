//! The vocabulary's labels and price text, as a buyer reads them.

use super::*;

/// Labels are text for people: not empty, not a code, and one per value.
fn readable(labels: impl Iterator<Item = (&'static str, &'static str)>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    labels
        .filter(|(code, label)| {
            label.is_empty()
                || label.contains('_')
                || label.trim() != *label
                || label == code
                || !seen.insert(*label)
        })
        .map(|(code, label)| format!("{code} -> {label:?}"))
        .collect()
}

#[test]
fn every_value_has_its_own_readable_label() {
    macro_rules! check {
        ($($e:ident),+) => {$(
            let bad = readable($e::ALL.iter().map(|v| (v.code(), v.label())));
            assert!(bad.is_empty(), "{}: {bad:?}", stringify!($e));
        )+};
    }
    check!(
        Region,
        Phase,
        EstablishmentType,
        KeyStage,
        Platform,
        PricingModel,
        HostingLocation,
        CyberEssentials,
        Badge,
        RouteToMarket,
        ProductStatus,
        DealStatus,
        CheckOutcome,
        VettingDecision,
        OfferStatus,
        LoanStatus,
        MatchingStrategy,
        SuggestionKind,
        ProductSort,
        DealSort,
        ReviewSort,
        FlagStatus,
        ModerationAction,
        FlaggedReviewOrder,
        AdviceStatus,
        ContactPreference,
        Sharing,
        Decision,
        Availability,
        PaymentMethod,
        PriceOption,
        OrderStatus,
        PaymentFailureKind,
        Role,
        OrgKind
    );
    check!(
        Maturity,
        RecommendationStatus,
        RequirementTiming,
        SectionStatus,
        SizeBand
    );
}

#[test]
fn size_bands_follow_pupil_numbers() {
    assert_eq!(SizeBand::of(None), SizeBand::Unknown);
    assert_eq!(SizeBand::of(Some(209)), SizeBand::Small);
    assert_eq!(SizeBand::of(Some(210)), SizeBand::Medium);
    assert_eq!(SizeBand::of(Some(599)), SizeBand::Medium);
    assert_eq!(SizeBand::of(Some(600)), SizeBand::Large);
    assert_eq!(SizeBand::of(Some(1000)), SizeBand::VeryLarge);
}

#[test]
fn labels_are_the_words_a_school_buyer_reads() {
    assert_eq!(Badge::DataProtection.label(), "Data protection");
    assert_eq!(Badge::CyberSecurity.label(), "Cyber security");
    assert_eq!(Platform::ChromeOs.label(), "ChromeOS");
    assert_eq!(Platform::Ios.label(), "iOS");
    assert_eq!(KeyStage::Eyfs.label(), "EYFS");
    assert_eq!(KeyStage::Ks2.label(), "KS2");
    assert_eq!(HostingLocation::Uk.label(), "UK");
    assert_eq!(CyberEssentials::None.label(), "Not certified");
    assert_eq!(
        CyberEssentials::CyberEssentialsPlus.label(),
        "Cyber Essentials Plus"
    );
    assert_eq!(
        PricingModel::PerSchoolPerYear.label(),
        "Per school per year"
    );
    assert_eq!(
        RouteToMarket::FurtherCompetition.label(),
        "Further competition"
    );
    assert_eq!(Phase::AllThrough.label(), "All-through");
    assert_eq!(
        EstablishmentType::AcademyConverter.label(),
        "Academy converter"
    );
    assert_eq!(Decision::Chosen.label(), "Chosen");
    assert_eq!(Availability::Expired.label(), "Expired");
    // The codes machines use stay as they were.
    assert_eq!(Platform::ChromeOs.code(), "chromeos");
    assert_eq!(Platform::ChromeOs.to_string(), "chromeos");
}

#[test]
fn prices_read_as_a_buyer_would_say_them() {
    assert_eq!(
        PricingModel::PerPupilPerYear.display(450),
        "£4.50 per pupil per year"
    );
    assert_eq!(
        PricingModel::PerSchoolPerYear.display(192_500),
        "£1,925 per school per year"
    );
    assert_eq!(
        PricingModel::FreeTier.display(120_050),
        "Free tier; paid plan from £1,200.50"
    );
    assert_eq!(PricingModel::OneOff.display(1_000_000), "£10,000 one-off");
    assert_eq!(PricingModel::Free.display(0), "Free");
}
