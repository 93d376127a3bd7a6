//! Codes of device listings: form factor, condition, cosmetic grade and erasure standard.

code_enum! {
    /// The shape of a device.
    FormFactor {
        Laptop = "laptop" => "Laptop",
        Chromebook = "chromebook" => "Chromebook",
        Tablet = "tablet" => "Tablet",
        Desktop = "desktop" => "Desktop",
        InteractivePanel = "interactive_panel" => "Interactive panel",
    }
}

impl FormFactor {
    /// Runs on a battery, so a refurbished unit states its battery health.
    pub fn has_battery(self) -> bool {
        matches!(
            self,
            FormFactor::Laptop | FormFactor::Chromebook | FormFactor::Tablet
        )
    }
}

code_enum! {
    /// Whether a device is sold new or has had a previous owner.
    DeviceCondition {
        New = "new" => "New",
        /// Tested, repaired where needed, cleaned and data-erased; sold with a cosmetic grade.
        Refurbished = "refurbished" => "Refurbished",
        /// Restored to at least its original performance, with a warranty equal to or better
        /// than new (BS 8887-211).
        Remanufactured = "remanufactured" => "Remanufactured",
    }
}

code_enum! {
    /// A refurbisher's cosmetic grade. There is no national standard: each listing also
    /// carries the supplier's own descriptor.
    DeviceGrade {
        /// Minimal wear, unmarked screen.
        A = "a" => "Grade A",
        /// Visible wear, no dead pixels.
        B = "b" => "Grade B",
        /// Heavy wear.
        C = "c" => "Grade C",
    }
}

code_enum! {
    /// The standard data on a used device was erased to.
    ErasureStandard {
        /// NIST SP 800-88 Revision 2 (September 2025).
        #[cfg_attr(feature = "graphql", graphql(name = "NIST_SP_800_88_R2"))]
        NistSp80088R2 = "nist_sp_800_88_r2" => "NIST SP 800-88 Rev. 2",
        /// NIST SP 800-88 Revision 1, withdrawn in September 2025: vetting does not pass it.
        #[cfg_attr(feature = "graphql", graphql(name = "NIST_SP_800_88_R1"))]
        NistSp80088R1 = "nist_sp_800_88_r1" => "NIST SP 800-88 Rev. 1 (withdrawn)",
        #[cfg_attr(feature = "graphql", graphql(name = "IEEE_2883"))]
        Ieee2883 = "ieee_2883" => "IEEE 2883",
        #[cfg_attr(feature = "graphql", graphql(name = "ISO_IEC_27040"))]
        IsoIec27040 = "iso_iec_27040" => "ISO/IEC 27040",
        /// Erasure by an ADISA-certified site with an ADISA-tested product.
        Adisa = "adisa" => "ADISA",
    }
}

impl ErasureStandard {
    /// Still a current standard (vetting passes erasure only to a current one).
    pub fn is_current(self) -> bool {
        self != ErasureStandard::NistSp80088R1
    }
}

code_enum! {
    /// Where a request to collect old devices stands.
    DisposalStatus {
        /// Asked for; the supplier has not answered yet.
        Requested = "requested" => "Requested",
        /// The supplier set a collection date.
        Scheduled = "scheduled" => "Scheduled",
        /// The supplier collected the devices.
        Collected = "collected" => "Collected",
        /// The supplier returned a certificate per device.
        Completed = "completed" => "Completed",
        /// The school called it off before collection.
        Cancelled = "cancelled" => "Cancelled",
        /// The supplier turned it down, with a reason, before scheduling it.
        Declined = "declined" => "Declined",
    }
}

code_enum! {
    /// What a school wants done with the devices it gives up.
    DisposalOutcomeWanted {
        /// Erased and reused (refurbished for resale or donation).
        Reuse = "reuse" => "Reuse",
        /// Erased and recycled for materials; none reused.
        Recycle = "recycle" => "Recycle",
        /// Whichever suits each device.
        Either = "either" => "Reuse or recycle",
    }
}

code_enum! {
    /// What happened to one collected device.
    DisposalOutcome {
        Reused = "reused" => "Reused",
        Recycled = "recycled" => "Recycled",
    }
}
