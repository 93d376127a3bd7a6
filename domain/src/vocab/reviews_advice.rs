//! Codes of reviews and their moderation, and of buying-advice cases.

code_enum! {
    /// How a product's reviews are ordered.
    ReviewSort {
        Newest = "newest" => "Newest",
        MostHelpful = "most_helpful" => "Most helpful",
        HighestRating = "highest_rating" => "Highest rating",
        LowestRating = "lowest_rating" => "Lowest rating",
    }
}

code_enum! {
    /// Whether a review's flags still wait for a moderator.
    FlagStatus {
        /// No moderator has decided on them yet.
        Open = "open" => "Open",
        /// A moderator hid or restored the review, or dismissed the flags.
        Resolved = "resolved" => "Resolved",
    }
}

code_enum! {
    /// What a moderator decided about a review.
    ModerationAction {
        /// The review was hidden from the product's page and figures.
        Hide = "hide" => "Hidden",
        /// A hidden review was published again.
        Restore = "restore" => "Restored",
        /// The flags were dismissed; the review stays as it was.
        Dismiss = "dismiss" => "Flags dismissed",
    }
}

code_enum! {
    /// The order of the moderation queue.
    FlaggedReviewOrder {
        /// Most flags first, then the longest waiting.
        MostFlags = "most_flags" => "Most flags",
        /// Earliest first flag first.
        OldestFirst = "oldest_first" => "Oldest first",
        /// The latest decisions first (resolved flags only).
        RecentlyResolved = "recently_resolved" => "Recently resolved",
    }
}

code_enum! {
    /// Where a buying-advice case stands.
    AdviceStatus {
        New = "new" => "New",
        Triaged = "triaged" => "Triaged",
        InProgress = "in_progress" => "In progress",
        /// The adviser waits for the school's answer.
        AwaitingSchool = "awaiting_school" => "Awaiting the school",
        /// Recommendations are with the school.
        Recommended = "recommended" => "Recommended",
        Closed = "closed" => "Closed",
    }
}

code_enum! {
    /// How a school prefers to be contacted about its request.
    ContactPreference {
        Email = "email" => "Email",
        Phone = "phone" => "Phone",
        VideoCall = "video_call" => "Video call",
    }
}

code_enum! {
    /// Who besides its owner may read a shortlist.
    Sharing {
        /// Only the owner (and advisers, once attached to an advice case).
        Private = "private" => "Private",
        /// Users of the same school.
        School = "school" => "School",
        /// Users of the same school and of the other schools in its trust.
        Trust = "trust" => "Trust",
    }
}

code_enum! {
    /// What a school decided about a shortlisted item.
    Decision {
        Undecided = "undecided" => "Undecided",
        Chosen = "chosen" => "Chosen",
        Rejected = "rejected" => "Rejected",
    }
}

code_enum! {
    /// Whether a shortlisted item can still be bought.
    Availability {
        Available = "available" => "Available",
        /// A deal that has ended or been archived.
        Expired = "expired" => "Expired",
        /// A product its supplier withdrew or that is no longer listed.
        Withdrawn = "withdrawn" => "Withdrawn",
    }
}
