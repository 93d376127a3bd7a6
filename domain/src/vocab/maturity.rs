//! Codes of the digital maturity self-assessment and its technology plan.

code_enum! {
    /// How far a school meets one digital and technology standard, derived from its answers
    /// (see `maturity`): the weakest answer on the section's path decides, in the order
    /// NOT_MET < NOT_SURE < PARTLY_MET < MET.
    Maturity {
        NotMet = "NOT_MET" => "Not met",
        /// At least one answer was "I'm not sure" and none says a requirement is not met.
        NotSure = "NOT_SURE" => "Not sure",
        PartlyMet = "PARTLY_MET" => "Partly met",
        Met = "MET" => "Met",
    }
}

code_enum! {
    /// Where a school stands with one recommendation of its technology plan.
    RecommendationStatus {
        NotStarted = "NOT_STARTED" => "Not started",
        InProgress = "IN_PROGRESS" => "In progress",
        Done = "DONE" => "Done",
        /// The school decided the recommendation does not apply to it.
        NotApplicable = "NOT_APPLICABLE" => "Not applicable",
    }
}

code_enum! {
    /// When a standard's requirement should be met.
    RequirementTiming {
        Now = "now" => "Now",
        AsSoonAsPossible = "as_soon_as_possible" => "As soon as possible",
        AtContractRenewal = "at_contract_renewal" => "At contract renewal",
        WhenReplacingEquipment = "when_replacing_equipment" => "When equipment is replaced",
    }
}

code_enum! {
    /// Where one section (standard) of a self-assessment stands.
    SectionStatus {
        NotStarted = "not_started" => "Not started",
        InProgress = "in_progress" => "In progress",
        Completed = "completed" => "Completed",
    }
}

code_enum! {
    /// School size by pupil numbers, for comparing similar schools: SMALL under 210 pupils
    /// (up to one form of entry in a primary), MEDIUM 210 to 599, LARGE 600 to 999,
    /// VERY_LARGE 1,000 or more; UNKNOWN when the register gives no pupil numbers.
    SizeBand {
        Small = "SMALL" => "Under 210 pupils",
        Medium = "MEDIUM" => "210 to 599 pupils",
        Large = "LARGE" => "600 to 999 pupils",
        VeryLarge = "VERY_LARGE" => "1,000 pupils or more",
        Unknown = "UNKNOWN" => "Pupil numbers unknown",
    }
}

impl SizeBand {
    /// The band of a school with `pupils` on roll.
    pub fn of(pupils: Option<i32>) -> SizeBand {
        match pupils {
            None => SizeBand::Unknown,
            Some(n) if n < 210 => SizeBand::Small,
            Some(n) if n < 600 => SizeBand::Medium,
            Some(n) if n < 1000 => SizeBand::Large,
            Some(_) => SizeBand::VeryLarge,
        }
    }
}
