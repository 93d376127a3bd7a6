//! EdTech products listed in the marketplace, composed deterministically from hand-written
//! building blocks: per category, the publishers, their brand stems and the kinds of product
//! they make (with summary, description, pricing and key stage patterns).
//!
//! All records are sample data: every brand, product and publisher is invented, and every
//! website sits under the reserved `.example` domain. Composition is pure index arithmetic;
//! the composed strings are built once and kept for the life of the process.

use std::sync::OnceLock;

use super::suppliers::suppliers;
use super::types::ProductSeed;

// ---------------------------------------------------------------------------- key stages

const EYFS: &[&str] = &["eyfs"];
const EYFS_KS1: &[&str] = &["eyfs", "ks1"];
const EYFS_KS2: &[&str] = &["eyfs", "ks1", "ks2"];
const KS1: &[&str] = &["ks1"];
const KS1_KS2: &[&str] = &["ks1", "ks2"];
const KS1_KS3: &[&str] = &["ks1", "ks2", "ks3"];
const KS2: &[&str] = &["ks2"];
const KS2_KS3: &[&str] = &["ks2", "ks3"];
const KS2_KS4: &[&str] = &["ks2", "ks3", "ks4"];
const KS3: &[&str] = &["ks3"];
const KS3_KS4: &[&str] = &["ks3", "ks4"];
const KS3_KS5: &[&str] = &["ks3", "ks4", "ks5"];
const KS4: &[&str] = &["ks4"];
const KS4_KS5: &[&str] = &["ks4", "ks5"];
const KS5: &[&str] = &["ks5"];
const ALL_STAGES: &[&str] = &["eyfs", "ks1", "ks2", "ks3", "ks4", "ks5"];
const KS1_KS5: &[&str] = &["ks1", "ks2", "ks3", "ks4", "ks5"];

/// Whole-school tools: primary, secondary or both.
const SCHOOL_WIDE: &[&[&str]] = &[EYFS_KS2, KS3_KS5, ALL_STAGES, EYFS_KS2, KS3_KS5, KS1_KS5];

/// Platform sets cycled through when a kind of product does not fix its own.
const PLATFORM_SETS: &[&[&str]] = &[
    &["web"],
    &["web", "chromeos"],
    &["web", "ios", "android"],
    &["web", "ios", "android", "chromeos"],
    &["web", "windows", "macos", "chromeos"],
    &["web", "ios"],
];

// ---------------------------------------------------------------------------- building blocks

/// One kind of product a category's publishers make, e.g. a "Parent App".
#[derive(Clone, Copy)]
struct Kind {
    /// Appended to a brand stem to name the product.
    noun: &'static str,
    /// Summary phrase, without the audience or a full stop.
    summary: &'static str,
    /// One or two sentences opening the description.
    detail: &'static str,
    pricing: &'static str,
    /// Price range in pence for the pricing model's unit (both 0 for free products).
    min_pence: i64,
    max_pence: i64,
    /// Fixed platforms, or empty to cycle through `PLATFORM_SETS`.
    platforms: &'static [&'static str],
    /// Key stage options, or empty to use the category's options.
    key_stages: &'static [&'static [&'static str]],
    /// Subjects, or empty to use the category's subjects.
    subjects: &'static [&'static str],
    /// Further product categories besides the spec's own.
    also: &'static [&'static str],
    /// Pupils use it directly (changes the summary's audience wording).
    pupil_facing: bool,
}

const fn kind(
    noun: &'static str,
    summary: &'static str,
    detail: &'static str,
    pricing: &'static str,
    min_pence: i64,
    max_pence: i64,
) -> Kind {
    Kind {
        noun,
        summary,
        detail,
        pricing,
        min_pence,
        max_pence,
        platforms: &[],
        key_stages: &[],
        subjects: &[],
        also: &[],
        pupil_facing: false,
    }
}

impl Kind {
    const fn on(self, platforms: &'static [&'static str]) -> Self {
        Kind { platforms, ..self }
    }
    const fn stages(self, key_stages: &'static [&'static [&'static str]]) -> Self {
        Kind { key_stages, ..self }
    }
    const fn subjects(self, subjects: &'static [&'static str]) -> Self {
        Kind { subjects, ..self }
    }
    const fn also(self, also: &'static [&'static str]) -> Self {
        Kind { also, ..self }
    }
    const fn pupils(self) -> Self {
        Kind {
            pupil_facing: true,
            ..self
        }
    }
}

/// How often products of a category integrate with the school MIS.
#[derive(Clone, Copy)]
enum Mis {
    Always,
    Often,
    Sometimes,
}

/// The building blocks of one product category (or one curriculum subject).
struct Spec {
    category: &'static str,
    /// Publishers; brand stem `s` belongs to `suppliers[s % suppliers.len()]`.
    suppliers: &'static [&'static str],
    /// Brand stems, unique across every spec.
    stems: &'static [&'static str],
    kinds: &'static [Kind],
    /// How many products to compose (at most `stems.len() * kinds.len()`).
    count: usize,
    subjects: &'static [&'static str],
    key_stages: &'static [&'static [&'static str]],
    mis: Mis,
    /// Whether publishers in this category commonly hold evidence of impact.
    evidence: bool,
}

const PER_PUPIL: &str = "per_pupil_per_year";
const PER_SCHOOL: &str = "per_school_per_year";
const PER_USER: &str = "per_user_per_year";
const ONE_OFF: &str = "one_off";
const FREE: &str = "free";

static SPECS: &[Spec] = &[
    // ------------------------------------------------------------------ MIS
    Spec {
        category: "mis_software",
        suppliers: &[
            "Ledgerleaf Schools Ltd",
            "Registerwell Software Ltd",
            "Scholaris Data Ltd",
            "Rollcall Systems Ltd",
        ],
        stems: &["Ledgerleaf", "Registra", "Scholaris", "Rollcall", "Pupilbase", "Termly"],
        kinds: &[
            kind(
                "MIS",
                "A cloud management information system for pupil records, attendance, assessment, behaviour and census returns",
                "A complete cloud management information system (MIS) holding pupil, staff and contact records, registers, assessment and behaviour, with the school census and attendance returns built in.",
                PER_PUPIL,
                250,
                700,
            )
            .on(&["web", "ios", "android", "chromeos"]),
            kind(
                "Attendance",
                "Registers, absence follow-up and daily attendance returns to the DfE",
                "Take registers in seconds, chase unexplained absence with automatic messages and meet the DfE's daily attendance data sharing expectations, with reports for governors and the local authority.",
                PER_SCHOOL,
                60_000,
                250_000,
            ),
            kind(
                "Admissions",
                "Online admissions, waiting lists and in-year transfers",
                "Families apply online, staff manage offers and waiting lists, and accepted pupils flow straight into the MIS without retyping.",
                PER_SCHOOL,
                40_000,
                150_000,
            ),
            kind(
                "Trust Insight",
                "Trust-wide dashboards of attendance, attainment and finance across every school",
                "Brings data from each school's management information system into one set of dashboards for trust leaders and boards, with drill-down to school and year group.",
                PER_SCHOOL,
                150_000,
                600_000,
            )
            .stages(&[KS1_KS5, ALL_STAGES]),
        ],
        count: 16,
        subjects: &[],
        key_stages: SCHOOL_WIDE,
        mis: Mis::Always,
        evidence: false,
    },
    // ------------------------------------------------------------------ parental engagement
    Spec {
        category: "parental_engagement",
        suppliers: &[
            "ClassBridge Communications Ltd",
            "Homelink Messaging Ltd",
            "Parentpost Ltd",
            "Satchelnote Ltd",
        ],
        stems: &[
            "ClassBridge",
            "Homelink",
            "Parentpost",
            "Satchel",
            "Doorstep",
            "Hometime",
            "Familia",
        ],
        kinds: &[
            kind(
                "Parent App",
                "A parent app for messages, newsletters, reports, permission slips and payments",
                "Families get one app for everything from school: messages, newsletters, reports, consent forms and trip payments, with read receipts so staff know who has seen what.",
                PER_SCHOOL,
                30_000,
                180_000,
            )
            .on(&["web", "ios", "android"]),
            kind(
                "Messenger",
                "Two-way text, email and push messaging with translation into over 100 languages",
                "Send texts, emails and push notifications to groups drawn from the MIS, and let parents reply safely without sharing staff phone numbers. Messages translate automatically for families who speak other languages.",
                PER_SCHOOL,
                25_000,
                120_000,
            ),
            kind(
                "Parents' Evening",
                "Online booking and video calls for parents' evenings",
                "Parents book appointments online and meet teachers by video or in person, with automatic timetables for staff and a record of who attended.",
                PER_SCHOOL,
                30_000,
                90_000,
            ),
            kind(
                "Learning Journal",
                "Shared learning journals that families can add photos and comments to",
                "Practitioners capture observations against the EYFS framework and families add their own photos from home, building a shared picture of each child's progress.",
                PER_PUPIL,
                150,
                400,
            )
            .on(&["web", "ios", "android"])
            .stages(&[EYFS, EYFS_KS1]),
        ],
        count: 22,
        subjects: &[],
        key_stages: SCHOOL_WIDE,
        mis: Mis::Always,
        evidence: false,
    },
    // ------------------------------------------------------------------ assessment
    Spec {
        category: "assessment",
        suppliers: &[
            "Markwise Assessment Ltd",
            "Gradepath Ltd",
            "Trackfold Learning Ltd",
            "Feedback Loop Education Ltd",
            "Insightmark Ltd",
        ],
        stems: &[
            "Markwise",
            "Gradepath",
            "Trackfold",
            "Loopback",
            "Insightmark",
            "Progresso",
            "Quizlane",
            "Checkpoint",
        ],
        kinds: &[
            kind(
                "Tracker",
                "Tracks attainment and progress against the national curriculum",
                "Teachers record judgements against national curriculum objectives and leaders see gaps by class, group and subject, including disadvantaged pupils and pupils with SEND.",
                PER_PUPIL,
                150,
                450,
            )
            .subjects(&["maths", "english", "science"]),
            kind(
                "Quiz",
                "Low-stakes retrieval quizzes with automatic marking",
                "Ready-made and teacher-written retrieval quizzes that mark themselves, with question-level analysis showing which topics need reteaching.",
                PER_PUPIL,
                100,
                350,
            )
            .subjects(&["maths", "english", "science", "history", "geography"])
            .pupils(),
            kind(
                "Feedback",
                "Whole-class feedback, comment banks and voice notes that cut marking time",
                "Mark work on screen with comment banks, voice notes and whole-class feedback sheets, so pupils get useful feedback and teachers get time back.",
                PER_SCHOOL,
                50_000,
                200_000,
            ),
            kind(
                "Mock Exams",
                "Online mock papers with question-level analysis for GCSE and A level",
                "Set mock papers in the style of the exam boards, enter marks once and get question-level and grade analysis for each class.",
                PER_PUPIL,
                200,
                600,
            )
            .stages(&[KS4, KS4_KS5])
            .subjects(&["maths", "english", "science"]),
            kind(
                "Reading Age",
                "Standardised reading and spelling age tests",
                "Short adaptive tests that give a standardised score and a reading age for each pupil, repeated termly to show progress.",
                PER_PUPIL,
                100,
                300,
            )
            .stages(&[KS1_KS2, KS2_KS4, KS3])
            .subjects(&["english"])
            .pupils(),
        ],
        count: 26,
        subjects: &[],
        key_stages: &[KS1_KS2, KS2, KS3_KS4, KS1_KS3, KS3_KS5],
        mis: Mis::Always,
        evidence: true,
    },
    // ------------------------------------------------------------------ learning platforms
    Spec {
        category: "learning_platforms",
        suppliers: &[
            "Brightpath Learning Ltd",
            "Homeworkly Ltd",
            "Classhive Platforms Ltd",
            "Studynest Ltd",
        ],
        stems: &[
            "Brightpath",
            "Homeworkly",
            "Classhive",
            "Studynest",
            "Deskmate",
            "Learnloft",
            "Trailhead",
        ],
        kinds: &[
            kind(
                "Homework",
                "Set, collect and mark homework online with reminders for pupils and parents",
                "Teachers set homework with resources attached, pupils hand it in online or on paper, and parents see what is due. Late and missing work is followed up automatically.",
                PER_SCHOOL,
                60_000,
                300_000,
            )
            .pupils(),
            kind(
                "VLE",
                "A virtual learning environment for lessons, resources and remote learning",
                "A virtual learning environment with class spaces, lesson resources, assignments and live lesson links, so learning carries on when pupils cannot be in school.",
                PER_PUPIL,
                150,
                500,
            )
            .pupils(),
            kind(
                "Revision",
                "Personalised revision plans and flashcards for GCSE and A level",
                "Builds each student a revision timetable from their exam entries, with spaced-repetition flashcards and past-paper practice by topic.",
                PER_PUPIL,
                200,
                800,
            )
            .stages(&[KS4, KS4_KS5])
            .pupils(),
            kind(
                "Portfolio",
                "Digital portfolios of pupils' work, with Chromebook and iPad camera upload",
                "Pupils photograph and upload their work from Chromebooks, iPads or phones, building portfolios that teachers annotate and share with families.",
                PER_PUPIL,
                100,
                350,
            )
            .on(&["web", "chromeos", "ios", "android"])
            .pupils(),
        ],
        count: 22,
        subjects: &[],
        key_stages: &[KS1_KS2, KS3_KS4, KS2_KS3, KS3_KS5, EYFS_KS2],
        mis: Mis::Often,
        evidence: true,
    },
    // ------------------------------------------------------------------ curriculum: maths
    Spec {
        category: "curriculum_content",
        suppliers: &["Numberwise Education Ltd", "Tally Tigers Ltd"],
        stems: &["Numberwise", "Tally", "Countwell", "Sumsmith"],
        kinds: &[
            kind(
                "Maths Mastery",
                "Maths mastery lessons with small steps, manipulatives and fluency practice",
                "Complete maths mastery units with slides, worksheets and virtual manipulatives, following the national curriculum in small, coherent steps.",
                PER_SCHOOL,
                45_000,
                180_000,
            )
            .stages(&[KS1_KS2, KS2]),
            kind(
                "Times Tables",
                "Daily times tables practice with instant feedback and class leaderboards",
                "Short daily times tables games that adapt to each pupil and prepare them for the year 4 multiplication tables check, with reports showing which facts need practice.",
                PER_PUPIL,
                100,
                300,
            )
            .stages(&[KS2])
            .pupils(),
            kind(
                "Maths Fluency",
                "Adaptive arithmetic and number fluency practice",
                "Adaptive practice that builds number fluency at each pupil's level, from number bonds to fractions and algebra.",
                PER_PUPIL,
                150,
                450,
            )
            .stages(&[KS1_KS2, KS2_KS3, KS3])
            .pupils(),
            kind(
                "GCSE Maths",
                "GCSE maths practice with worked solutions and exam-style questions",
                "Thousands of exam-style questions with step-by-step worked solutions and video explanations across Foundation and Higher tiers.",
                PER_PUPIL,
                200,
                600,
            )
            .stages(&[KS4, KS3_KS4])
            .pupils(),
        ],
        count: 12,
        subjects: &["maths"],
        key_stages: &[KS2],
        mis: Mis::Often,
        evidence: true,
    },
    // ------------------------------------------------------------------ curriculum: English
    Spec {
        category: "curriculum_content",
        suppliers: &[
            "Phonicsfield Ltd",
            "Readwell Press Ltd",
            "Inkpot Literacy Ltd",
            "Oakwords Publishing Ltd",
        ],
        stems: &["Phonicsfield", "Readwell", "Inkpot", "Oakwords", "Storynook", "Wordsmithy"],
        kinds: &[
            kind(
                "Phonics",
                "A systematic synthetic phonics programme with decodable readers",
                "A complete systematic synthetic phonics programme with daily lesson slides, decodable e-books matched to each phase and assessments that prepare children for the phonics screening check.",
                PER_SCHOOL,
                40_000,
                150_000,
            )
            .stages(&[EYFS_KS1, KS1]),
            kind(
                "Reading Library",
                "An online library of levelled e-books with comprehension quizzes",
                "Hundreds of levelled fiction and non-fiction e-books with read-aloud audio and comprehension quizzes, so pupils can read at the right level at school and at home.",
                PER_PUPIL,
                150,
                500,
            )
            .stages(&[KS1_KS2, KS2_KS3])
            .pupils(),
            kind(
                "Spelling",
                "Spelling and grammar practice matched to the national curriculum word lists",
                "Short spelling and grammar activities that follow the statutory word lists for each year group, with weekly tests and home practice.",
                PER_PUPIL,
                100,
                300,
            )
            .stages(&[KS1_KS2, KS2])
            .pupils(),
            kind(
                "Writing Workshop",
                "Modelled writing units with planning frames and exemplar texts",
                "Units of writing built around high-quality texts, with modelled examples, planning frames and success criteria for each genre.",
                PER_SCHOOL,
                30_000,
                120_000,
            )
            .stages(&[KS2, KS2_KS3]),
            kind(
                "GCSE English",
                "GCSE English literature and language revision with annotated set texts",
                "Annotated set texts, model answers and timed practice for GCSE English language and literature.",
                PER_PUPIL,
                200,
                550,
            )
            .stages(&[KS4, KS3_KS4])
            .pupils(),
        ],
        count: 14,
        subjects: &["english"],
        key_stages: &[KS2],
        mis: Mis::Often,
        evidence: true,
    },
    // ------------------------------------------------------------------ curriculum: science
    Spec {
        category: "curriculum_content",
        suppliers: &[
            "Labcoat Science Ltd",
            "Sparkwell Science Ltd",
            "Fernleaf Science Media Ltd",
        ],
        stems: &["Labcoat", "Sparkwell", "Fernleaf", "Beakerbox"],
        kinds: &[
            kind(
                "Science Explorers",
                "Hands-on science lessons with investigation videos and working scientifically prompts",
                "Science units with short investigation videos, equipment lists and working scientifically prompts, written for teachers who are not science specialists.",
                PER_SCHOOL,
                30_000,
                110_000,
            )
            .stages(&[KS1_KS2, KS2]),
            kind(
                "Virtual Labs",
                "Simulated practicals and required practical walkthroughs",
                "Simulated experiments that let pupils repeat practicals safely, plus walkthroughs of every GCSE required practical.",
                PER_PUPIL,
                150,
                500,
            )
            .stages(&[KS3_KS4, KS4])
            .pupils(),
            kind(
                "GCSE Science",
                "GCSE biology, chemistry and physics lessons and quizzes",
                "Lesson resources, retrieval quizzes and exam-style questions for combined and separate sciences.",
                PER_PUPIL,
                200,
                600,
            )
            .stages(&[KS4, KS3_KS4])
            .pupils(),
        ],
        count: 10,
        subjects: &["science"],
        key_stages: &[KS2],
        mis: Mis::Sometimes,
        evidence: true,
    },
    // ------------------------------------------------------------------ curriculum: computing
    Spec {
        category: "curriculum_content",
        suppliers: &["Codekite Ltd", "Bytewise Computing Education Ltd"],
        stems: &["Codekite", "Bytewise", "Loopy", "Pixelforge"],
        kinds: &[
            kind(
                "Coding",
                "Block and text coding lessons that run in the browser on Chromebooks and laptops",
                "Step-by-step coding projects from blocks to Python that run in any browser, so they work on Chromebooks, laptops and tablets with nothing to install.",
                PER_SCHOOL,
                25_000,
                120_000,
            )
            .on(&["web", "chromeos", "windows", "macos"])
            .stages(&[KS2_KS3, KS2])
            .pupils(),
            kind(
                "Computing Curriculum",
                "A full computing curriculum with lesson plans, slides and assessment",
                "Planned computing units covering computer science, information technology and digital literacy, including online safety, for every year group.",
                PER_SCHOOL,
                30_000,
                100_000,
            )
            .stages(&[KS1_KS2, KS1_KS3]),
            kind(
                "GCSE Computer Science",
                "GCSE computer science theory, programming challenges and exam practice",
                "Theory lessons, auto-marked programming challenges and exam-style questions for GCSE computer science.",
                PER_PUPIL,
                200,
                500,
            )
            .stages(&[KS4, KS3_KS4])
            .pupils(),
        ],
        count: 8,
        subjects: &["computing"],
        key_stages: &[KS2],
        mis: Mis::Sometimes,
        evidence: false,
    },
    // ------------------------------------------------------------------ curriculum: languages
    Spec {
        category: "curriculum_content",
        suppliers: &["Polyglot Parrot Languages Ltd"],
        stems: &["Polyglot", "Parlez", "Hablamos"],
        kinds: &[
            kind(
                "French",
                "French lessons with native-speaker audio and speaking practice",
                "French schemes of work with native-speaker audio, songs and speaking practice that records pupils' pronunciation.",
                PER_SCHOOL,
                25_000,
                90_000,
            )
            .pupils(),
            kind(
                "Spanish",
                "Spanish lessons with native-speaker audio and vocabulary games",
                "Spanish units with native-speaker audio, vocabulary games and listening tests in the style of GCSE papers.",
                PER_SCHOOL,
                25_000,
                90_000,
            )
            .pupils(),
            kind(
                "German",
                "German vocabulary, grammar and listening practice",
                "German vocabulary and grammar practice with spaced repetition and short listening tasks.",
                PER_PUPIL,
                150,
                400,
            )
            .stages(&[KS3_KS4, KS4])
            .pupils(),
        ],
        count: 7,
        subjects: &["languages"],
        key_stages: &[KS2_KS3, KS3_KS4],
        mis: Mis::Sometimes,
        evidence: false,
    },
    // ------------------------------------------------------------------ curriculum: history
    Spec {
        category: "curriculum_content",
        suppliers: &["Timeline Tales Ltd", "Quarterdeck Humanities Ltd"],
        stems: &["Timeline", "Quarterdeck", "Chronicle"],
        kinds: &[
            kind(
                "History Enquiries",
                "Enquiry-led history units with source packs and timelines",
                "History units built around big enquiry questions, with source packs, interactive timelines and knowledge organisers.",
                PER_SCHOOL,
                25_000,
                90_000,
            )
            .stages(&[KS2, KS2_KS3]),
            kind(
                "History Stories",
                "Narrated history stories and quizzes that bring periods to life",
                "Short narrated stories and quizzes that introduce key people and periods, from the Stone Age to the twentieth century.",
                PER_PUPIL,
                100,
                300,
            )
            .stages(&[KS1_KS2, KS2])
            .pupils(),
        ],
        count: 5,
        subjects: &["history"],
        key_stages: &[KS2],
        mis: Mis::Sometimes,
        evidence: false,
    },
    // ------------------------------------------------------------------ curriculum: geography
    Spec {
        category: "curriculum_content",
        suppliers: &["Mapcraft Geography Ltd", "Quarterdeck Humanities Ltd"],
        stems: &["Mapcraft", "Atlasway", "Fieldnote"],
        kinds: &[
            kind(
                "Digital Atlas",
                "An interactive digital atlas with map skills activities",
                "An interactive atlas with layers for physical and human geography and map skills activities from compass points to grid references.",
                PER_SCHOOL,
                20_000,
                80_000,
            )
            .stages(&[KS1_KS2, KS2_KS3])
            .pupils(),
            kind(
                "Geography Fieldwork",
                "Fieldwork planning, data collection and GCSE fieldwork write-ups",
                "Plan fieldwork, collect data on tablets and Chromebooks and turn it into graphs and write-ups for GCSE geography.",
                PER_SCHOOL,
                30_000,
                100_000,
            )
            .stages(&[KS3_KS4, KS4]),
        ],
        count: 5,
        subjects: &["geography"],
        key_stages: &[KS2],
        mis: Mis::Sometimes,
        evidence: false,
    },
    // ------------------------------------------------------------------ curriculum: art and design
    Spec {
        category: "curriculum_content",
        suppliers: &["Easelbox Art Ltd"],
        stems: &["Easelbox", "Palettery"],
        kinds: &[
            kind(
                "Art Studio",
                "Art and design units with artist studies and technique videos",
                "Art and design units with artist studies, technique videos and sketchbook prompts for drawing, painting, printing and sculpture.",
                PER_SCHOOL,
                20_000,
                70_000,
            )
            .stages(&[KS1_KS2, KS2_KS3]),
            kind(
                "Digital Art",
                "Digital drawing and design projects that work on tablets and Chromebooks",
                "Digital drawing, photography and design projects that work on tablets, Chromebooks and laptops.",
                PER_SCHOOL,
                20_000,
                60_000,
            )
            .stages(&[KS2_KS3, KS3_KS4])
            .pupils(),
        ],
        count: 4,
        subjects: &["art_design"],
        key_stages: &[KS2],
        mis: Mis::Sometimes,
        evidence: false,
    },
    // ------------------------------------------------------------------ curriculum: music
    Spec {
        category: "curriculum_content",
        suppliers: &["Staveline Music Ltd"],
        stems: &["Staveline", "Tempodrum"],
        kinds: &[
            kind(
                "Music Lessons",
                "Music lessons with backing tracks, notation and listening activities",
                "Music units with backing tracks, simple notation and listening activities, written so non-specialists can teach them confidently.",
                PER_SCHOOL,
                25_000,
                90_000,
            )
            .stages(&[KS1_KS2, KS2]),
            kind(
                "Composer",
                "A browser-based composing studio for class projects",
                "A browser-based composing studio with loops, virtual instruments and notation, for class projects and GCSE composition.",
                PER_SCHOOL,
                30_000,
                100_000,
            )
            .stages(&[KS3_KS4, KS2_KS3])
            .pupils(),
        ],
        count: 4,
        subjects: &["music"],
        key_stages: &[KS2],
        mis: Mis::Sometimes,
        evidence: false,
    },
    // ------------------------------------------------------------------ curriculum: PE
    Spec {
        category: "curriculum_content",
        suppliers: &["Playfield PE Ltd"],
        stems: &["Playfield", "Fitstep"],
        kinds: &[
            kind(
                "PE Planning",
                "PE lesson plans, skills videos and assessment for every year group",
                "Progressive PE units with skills videos, warm-ups and assessment for games, gymnastics, dance and athletics.",
                PER_SCHOOL,
                20_000,
                70_000,
            )
            .stages(&[KS1_KS2, KS2_KS3]),
            kind(
                "Active Breaks",
                "Short classroom activity breaks to help pupils reach their daily activity",
                "Five-minute movement videos for the classroom that help pupils reach their active minutes each day.",
                FREE,
                0,
                0,
            )
            .stages(&[EYFS_KS2, KS1_KS2])
            .pupils(),
        ],
        count: 4,
        subjects: &["physical_education"],
        key_stages: &[KS2],
        mis: Mis::Sometimes,
        evidence: false,
    },
    // ------------------------------------------------------------------ curriculum: PSHE
    Spec {
        category: "curriculum_content",
        suppliers: &["Wellbeing Compass Ltd"],
        stems: &["Compass", "Kindly"],
        kinds: &[
            kind(
                "PSHE and RSE",
                "A PSHE, relationships and sex education programme that meets the statutory guidance",
                "A spiral PSHE programme covering relationships, health and sex education, with lesson slides, parent information and consultation templates.",
                PER_SCHOOL,
                25_000,
                90_000,
            )
            .stages(&[EYFS_KS2, KS3_KS4]),
            kind(
                "Wellbeing Check-in",
                "Daily mood check-ins that help staff spot pupils who need support",
                "Pupils record how they feel each morning; staff see patterns and follow up with pupils who may need help from the pastoral or safeguarding team.",
                PER_PUPIL,
                100,
                250,
            )
            .stages(&[KS1_KS2, KS2_KS4])
            .pupils(),
        ],
        count: 4,
        subjects: &["pshe"],
        key_stages: &[KS2],
        mis: Mis::Often,
        evidence: true,
    },
    // ------------------------------------------------------------------ curriculum: RE
    Spec {
        category: "curriculum_content",
        suppliers: &["Faithpaths RE Ltd"],
        stems: &["Faithpaths", "Worldview"],
        kinds: &[
            kind(
                "RE Units",
                "Religious education units matched to locally agreed syllabuses",
                "Religious education units covering the major world religions and non-religious worldviews, mapped to common locally agreed syllabuses.",
                PER_SCHOOL,
                20_000,
                60_000,
            )
            .stages(&[KS1_KS2, KS2_KS3]),
            kind(
                "GCSE RS",
                "GCSE religious studies revision and practice",
                "Knowledge organisers, quizzes and model answers for GCSE religious studies.",
                PER_PUPIL,
                150,
                400,
            )
            .stages(&[KS4])
            .pupils(),
        ],
        count: 3,
        subjects: &["religious_education"],
        key_stages: &[KS2],
        mis: Mis::Sometimes,
        evidence: false,
    },
    // ------------------------------------------------------------------ curriculum: DT
    Spec {
        category: "curriculum_content",
        suppliers: &["Makerbench DT Ltd"],
        stems: &["Makerbench", "Toolroom"],
        kinds: &[
            kind(
                "DT Projects",
                "Design and technology projects with cooking, textiles and structures",
                "Design and technology projects with planning sheets, safety guidance and cooking and nutrition units.",
                PER_SCHOOL,
                20_000,
                70_000,
            )
            .stages(&[KS1_KS2, KS2_KS3]),
            kind(
                "CAD Studio",
                "Browser-based 3D design for design and technology",
                "Browser-based 3D design and laser-cutting preparation that runs on Chromebooks and laptops.",
                PER_SCHOOL,
                40_000,
                150_000,
            )
            .on(&["web", "chromeos", "windows", "macos"])
            .stages(&[KS3_KS4, KS3_KS5])
            .pupils(),
        ],
        count: 3,
        subjects: &["design_technology"],
        key_stages: &[KS3],
        mis: Mis::Sometimes,
        evidence: false,
    },
    // ------------------------------------------------------------------ curriculum: business
    Spec {
        category: "curriculum_content",
        suppliers: &["Ledgerlight Business Education Ltd"],
        stems: &["Ledgerlight", "Enterprisely"],
        kinds: &[
            kind(
                "Business Studies",
                "GCSE and A level business lessons with real company case studies",
                "Lesson resources, case studies and exam practice for GCSE and A level business.",
                PER_PUPIL,
                200,
                500,
            )
            .stages(&[KS4_KS5, KS4, KS5])
            .pupils(),
            kind(
                "Enterprise Challenge",
                "A team enterprise challenge with budgeting and pitching",
                "A simulated enterprise challenge where teams plan, budget and pitch a product, building financial literacy.",
                PER_SCHOOL,
                15_000,
                50_000,
            )
            .stages(&[KS3_KS4]),
        ],
        count: 3,
        subjects: &["business"],
        key_stages: &[KS4],
        mis: Mis::Sometimes,
        evidence: false,
    },
    // ------------------------------------------------------------------ curriculum: early years
    Spec {
        category: "curriculum_content",
        suppliers: &["Hedgerow Early Learning Ltd"],
        stems: &["Hedgerow", "Acorns"],
        kinds: &[
            kind(
                "Early Years",
                "Early years activities for communication, language and early number",
                "Play-based activities, songs and rhymes that develop communication and language, early reading and early number.",
                PER_SCHOOL,
                20_000,
                80_000,
            )
            .stages(&[EYFS, EYFS_KS1])
            .subjects(&["english", "maths"]),
            kind(
                "Early Phonics",
                "Pre-phonics listening games and early phonics for nursery and reception",
                "Listening games, rhymes and first sounds that prepare nursery and reception children for phonics.",
                PER_SCHOOL,
                15_000,
                60_000,
            )
            .stages(&[EYFS])
            .subjects(&["english"]),
        ],
        count: 4,
        subjects: &["english"],
        key_stages: &[EYFS],
        mis: Mis::Sometimes,
        evidence: true,
    },
    // ------------------------------------------------------------------ SEND
    Spec {
        category: "send_assistive",
        suppliers: &[
            "Inclusive Steps Ltd",
            "Clearvoice Assistive Ltd",
            "Sensory Lantern Ltd",
            "Readaloud Access Ltd",
            "Signpost SEND Ltd",
        ],
        stems: &[
            "Inclusive",
            "Clearvoice",
            "Lantern",
            "Readaloud",
            "Signpost",
            "Widewords",
            "Steadyhand",
        ],
        kinds: &[
            kind(
                "SEND Planner",
                "SEND support plans, reviews and provision maps shared with families",
                "Keeps each pupil's SEND support plan, outcomes and reviews in one place, builds provision maps and costs, and prepares evidence for EHCP requests and annual reviews.",
                PER_SCHOOL,
                40_000,
                200_000,
            ),
            kind(
                "Text to Speech",
                "Reads web pages, documents and exam papers aloud, with a ChromeOS extension",
                "Reads text aloud with highlighting, offers word prediction and a dyslexia-friendly view, and works as a browser extension on Chromebooks as well as on Windows and Mac.",
                PER_SCHOOL,
                30_000,
                150_000,
            )
            .on(&["web", "chromeos", "windows", "macos"])
            .pupils(),
            kind(
                "Symbols",
                "Symbol-supported communication and visual timetables for pupils with speech and language needs",
                "Create symbol-supported resources, visual timetables and communication boards for pupils with SEND, including those who use AAC.",
                PER_USER,
                3_000,
                12_000,
            )
            .on(&["web", "ios", "windows"])
            .pupils(),
            kind(
                "Dyslexia Screener",
                "Screening and targeted support for dyslexia and literacy difficulties",
                "A short screening assessment that flags possible dyslexia and recommends targeted interventions, with progress checks.",
                PER_PUPIL,
                300,
                1_200,
            )
            .also(&["assessment"])
            .pupils(),
            kind(
                "Sensory Space",
                "Interactive sensory activities for pupils with profound and multiple learning difficulties",
                "Cause-and-effect and sensory activities for interactive panels, eye-gaze and switch users, designed with special school teachers.",
                ONE_OFF,
                20_000,
                90_000,
            )
            .on(&["windows", "ios"])
            .pupils(),
        ],
        count: 22,
        subjects: &[],
        key_stages: &[EYFS_KS2, KS1_KS5, KS3_KS5, ALL_STAGES],
        mis: Mis::Often,
        evidence: true,
    },
    // ------------------------------------------------------------------ safeguarding and behaviour
    Spec {
        category: "safeguarding_behaviour",
        suppliers: &[
            "Safeharbour Records Ltd",
            "Guardianlog Ltd",
            "Behaviourbloom Ltd",
            "Carefold Safeguarding Ltd",
        ],
        stems: &[
            "Safeharbour",
            "Guardianlog",
            "Bloomchart",
            "Carefold",
            "Concernly",
            "Trustline",
        ],
        kinds: &[
            kind(
                "Safeguarding",
                "Record and manage safeguarding concerns with chronologies and secure sharing with the DSL",
                "Staff log safeguarding and wellbeing concerns in seconds; the designated safeguarding lead sees chronologies, assigns actions and shares records securely when pupils change school, in line with Keeping children safe in education.",
                PER_SCHOOL,
                40_000,
                180_000,
            ),
            kind(
                "Behaviour",
                "Behaviour points, rewards, detentions and reports for parents",
                "Record behaviour and rewards from the classroom, manage detentions and interventions, and share positive news with parents automatically.",
                PER_SCHOOL,
                50_000,
                250_000,
            )
            .also(&["parental_engagement"]),
            kind(
                "Wellbeing Survey",
                "Anonymous pupil wellbeing surveys that flag pupils who need support",
                "Termly wellbeing surveys with anonymous and named options, flagging pupils who may need help to the pastoral and safeguarding teams.",
                PER_PUPIL,
                100,
                300,
            )
            .pupils(),
            kind(
                "Incident Log",
                "Record accidents, physical interventions and incidents with body maps",
                "Record first aid, accidents, physical interventions and incidents with body maps and witness statements, and notify parents the same day.",
                PER_SCHOOL,
                30_000,
                120_000,
            ),
        ],
        count: 22,
        subjects: &[],
        key_stages: SCHOOL_WIDE,
        mis: Mis::Always,
        evidence: false,
    },
    // ------------------------------------------------------------------ timetabling and cover
    Spec {
        category: "timetabling_cover",
        suppliers: &["Bellschedule Ltd", "Covercraft Software Ltd", "Periodgrid Ltd"],
        stems: &[
            "Bellschedule",
            "Covercraft",
            "Periodgrid",
            "Rotaly",
            "Slotwise",
            "Termtable",
        ],
        kinds: &[
            kind(
                "Timetabler",
                "Builds the whole-school timetable from curriculum plans and staffing",
                "Model the curriculum and staffing, then build and publish the timetable to the MIS, staff and pupils, with clash checking and what-if scenarios.",
                PER_SCHOOL,
                80_000,
                400_000,
            )
            .on(&["web", "windows"]),
            kind(
                "Cover Manager",
                "Arranges cover for absent staff in minutes and notifies everyone",
                "Record staff absence, find the fairest available cover and send cover slips to staff phones, tracking cover load across the year.",
                PER_SCHOOL,
                40_000,
                150_000,
            ),
            kind(
                "Room Booking",
                "Books rooms, ICT suites and Chromebook trolleys against the timetable",
                "Staff book rooms, ICT suites, Chromebook trolleys and minibuses against the live timetable, avoiding double bookings.",
                PER_SCHOOL,
                15_000,
                60_000,
            ),
            kind(
                "Staff Absence",
                "Staff absence reporting and return-to-work records",
                "Staff report absence from their phones; leaders see patterns and complete return-to-work records in one place.",
                PER_SCHOOL,
                25_000,
                90_000,
            ),
        ],
        count: 20,
        subjects: &[],
        key_stages: SCHOOL_WIDE,
        mis: Mis::Always,
        evidence: false,
    },
    // ------------------------------------------------------------------ online safety
    Spec {
        category: "online_safety",
        suppliers: &[
            "Netshield Schools Ltd",
            "Safesurf Education Ltd",
            "Nightwatch Filtering Ltd",
            "Lanternguard Online Safety Ltd",
            "Sentinel Ridge Cyber Ltd",
        ],
        stems: &[
            "Netshield",
            "Safesurf",
            "Nightwatch",
            "Lanternguard",
            "Ridgeline",
            "Clearnet",
            "Webwarden",
        ],
        kinds: &[
            kind(
                "Web Filter",
                "Cloud web filtering that meets the DfE filtering and monitoring standard on and off site",
                "Filters web traffic on and off site by user, group and time of day, blocks illegal content lists and produces reports for the designated safeguarding lead and governors.",
                PER_PUPIL,
                100,
                400,
            )
            .on(&["windows", "macos", "chromeos", "ios", "android"]),
            kind(
                "Chromebook Monitor",
                "Safeguarding monitoring and filtering for Chromebooks and ChromeOS devices",
                "A Chrome extension that filters and monitors pupils' Chromebooks at school and at home, raising safeguarding alerts for the DSL when risky searches or messages appear.",
                PER_PUPIL,
                150,
                500,
            )
            .on(&["chromeos"])
            .also(&["safeguarding_behaviour"]),
            kind(
                "Monitoring",
                "Active device monitoring with human moderation and safeguarding alerts",
                "Monitors what pupils type and view on school devices, with trained moderators who escalate serious safeguarding risks to the school by phone.",
                PER_PUPIL,
                200,
                700,
            )
            .on(&["windows", "macos", "chromeos"])
            .also(&["safeguarding_behaviour"]),
            kind(
                "Online Safety Lessons",
                "Online safety lessons, assemblies and parent guides",
                "Short online safety lessons, assemblies and parent guides on topics such as sharing images, gaming and scams.",
                FREE,
                0,
                0,
            )
            .subjects(&["computing", "pshe"])
            .stages(&[KS1_KS2, KS3_KS4, EYFS_KS2])
            .pupils(),
        ],
        count: 22,
        subjects: &[],
        key_stages: SCHOOL_WIDE,
        mis: Mis::Often,
        evidence: false,
    },
    // ------------------------------------------------------------------ staff CPD
    Spec {
        category: "staff_cpd",
        suppliers: &[
            "Staffroom Academy Ltd",
            "Teachgrow CPD Ltd",
            "Mentorleaf Ltd",
            "Pedagogy Plus Ltd",
        ],
        stems: &[
            "Staffroom",
            "Teachgrow",
            "Mentorleaf",
            "Pedagogy",
            "Coachbox",
            "Reflecta",
        ],
        kinds: &[
            kind(
                "CPD Library",
                "A library of short video courses for teachers and support staff",
                "Hundreds of short evidence-informed courses for teachers, teaching assistants and support staff, with certificates and a CPD record for each person.",
                PER_SCHOOL,
                50_000,
                300_000,
            ),
            kind(
                "Coaching",
                "Instructional coaching with lesson video and action steps",
                "Record short lesson clips, agree action steps with a coach and track progress over the year.",
                PER_USER,
                4_000,
                15_000,
            ),
            kind(
                "ECT Mentor",
                "Support for early career teachers and their mentors",
                "Weekly modules and mentor meeting guides that support early career teachers through their induction.",
                PER_USER,
                5_000,
                12_000,
            ),
            kind(
                "Safeguarding Training",
                "Annual safeguarding and Keeping children safe in education training with certificates",
                "Annual safeguarding training for all staff, updated for each edition of Keeping children safe in education, with quizzes and a record of completion for the single central record.",
                PER_SCHOOL,
                20_000,
                90_000,
            ),
            kind(
                "SEND CPD",
                "Short courses on adaptive teaching and supporting pupils with SEND",
                "Practical courses on adaptive teaching, the graduated approach and supporting pupils with SEND in mainstream classrooms.",
                PER_SCHOOL,
                30_000,
                120_000,
            )
            .also(&["send_assistive"]),
        ],
        count: 22,
        subjects: &[],
        key_stages: SCHOOL_WIDE,
        mis: Mis::Sometimes,
        evidence: true,
    },
    // ------------------------------------------------------------------ AI tools
    Spec {
        category: "ai_tools",
        suppliers: &[
            "Lessonloom AI Ltd",
            "Quillmind Ltd",
            "Markbot Education Ltd",
            "Thinkspring AI Ltd",
        ],
        stems: &[
            "Lessonloom",
            "Quillmind",
            "Markbot",
            "Thinkspring",
            "Promptly",
            "Planwise",
        ],
        kinds: &[
            kind(
                "Lesson Planner",
                "AI lesson planning and resource generation aligned to the national curriculum",
                "Drafts lesson plans, slides, quizzes and adapted resources from the national curriculum, for teachers to check and edit. No pupil personal data is needed.",
                PER_USER,
                3_000,
                10_000,
            ),
            kind(
                "Marking Assistant",
                "AI-assisted marking of extended writing with teacher moderation",
                "Suggests marks and feedback for extended writing against the teacher's mark scheme; teachers moderate every result before pupils see it.",
                PER_PUPIL,
                200,
                800,
            )
            .also(&["assessment"]),
            kind(
                "Report Writer",
                "Drafts end-of-year reports from teacher notes",
                "Turns short teacher notes and assessment data into draft report comments in the school's house style, for teachers to edit and approve.",
                PER_SCHOOL,
                30_000,
                120_000,
            ),
            kind(
                "Office Assistant",
                "Drafts letters, policies and risk assessments for school office staff",
                "Helps office staff and business managers draft letters, policies and risk assessments, with school data kept in a UK tenancy and not used to train models.",
                PER_USER,
                2_000,
                8_000,
            ),
        ],
        count: 22,
        subjects: &[],
        key_stages: SCHOOL_WIDE,
        mis: Mis::Sometimes,
        evidence: false,
    },
    // ------------------------------------------------------------------ cashless payments
    Spec {
        category: "cashless_payments",
        suppliers: &[
            "Tillpoint Schools Ltd",
            "Purseless Payments Ltd",
            "Lunchcoin Ltd",
        ],
        stems: &[
            "Tillpoint",
            "Purseless",
            "Lunchcoin",
            "Dinnerdue",
            "Tuckshop",
            "Coinbridge",
        ],
        kinds: &[
            kind(
                "School Payments",
                "Online payments for trips, clubs, uniform and dinners, with reminders to parents",
                "Parents pay for trips, clubs, uniform and dinners online or at a local shop; the office reconciles payments automatically and chases debts politely.",
                PER_SCHOOL,
                30_000,
                150_000,
            )
            .on(&["web", "ios", "android"])
            .also(&["parental_engagement"]),
            kind(
                "Catering Tills",
                "Cashless canteen tills with card, PIN or biometric identification",
                "Cashless tills for the canteen with card, PIN or biometric identification, allergy alerts and free school meals allowances.",
                ONE_OFF,
                150_000,
                600_000,
            )
            .on(&["windows", "web"]),
            kind(
                "Dinner Bookings",
                "Meal choices and dinner money for primary schools",
                "Families choose meals in advance and pay dinner money online; kitchens get accurate numbers and allergy lists each morning.",
                PER_SCHOOL,
                20_000,
                80_000,
            )
            .stages(&[EYFS_KS2]),
        ],
        count: 18,
        subjects: &[],
        key_stages: SCHOOL_WIDE,
        mis: Mis::Always,
        evidence: false,
    },
    // ------------------------------------------------------------------ exams management
    Spec {
        category: "exams_management",
        suppliers: &[
            "Examdesk Ltd",
            "Invigilate Software Ltd",
            "Candidate Central Ltd",
        ],
        stems: &[
            "Examdesk",
            "Invigilate",
            "Candidate",
            "Seatplan",
            "Entrywise",
            "Resultsday",
        ],
        kinds: &[
            kind(
                "Exams Office",
                "Manage exam entries, seating plans, clashes and results for GCSE and A level",
                "Exams officers manage entries with the awarding bodies, resolve clashes, print seating plans and candidate cards, and import results on results day.",
                PER_SCHOOL,
                80_000,
                300_000,
            )
            .on(&["web", "windows"]),
            kind(
                "Access Arrangements",
                "Record and evidence exam access arrangements such as extra time and readers",
                "Keeps the evidence for access arrangements such as extra time, readers and word processors, and plans rooms and staff for each sitting.",
                PER_SCHOOL,
                30_000,
                120_000,
            )
            .also(&["send_assistive"]),
            kind(
                "Results Analysis",
                "Exam results analysis by subject, teacher and pupil group",
                "Analyses results against targets and national figures by subject, class and pupil group, ready for governors and the self-evaluation form.",
                PER_SCHOOL,
                50_000,
                200_000,
            )
            .also(&["assessment"]),
            kind(
                "Invigilator Rota",
                "Invigilator rotas, training records and on-the-day incident logs",
                "Plans invigilator rotas, records training and logs on-the-day incidents for each exam session.",
                PER_SCHOOL,
                15_000,
                60_000,
            ),
        ],
        count: 18,
        subjects: &[],
        key_stages: &[KS4_KS5, KS4, KS5],
        mis: Mis::Always,
        evidence: false,
    },
];

// ---------------------------------------------------------------------------- composition

/// One product to compose: the spec, the kind, the supplier, the brand stem and indices.
struct Plan {
    spec: &'static Spec,
    kind: &'static Kind,
    stem: &'static str,
    supplier: &'static str,
    /// Index within the spec.
    local: usize,
    /// Index across every product.
    global: usize,
}

fn plans() -> Vec<Plan> {
    let mut out = Vec::new();
    for spec in SPECS {
        let stems = spec.stems.len().max(1);
        let kinds = spec.kinds.len().max(1);
        let suppliers = spec.suppliers.len().max(1);
        for local in 0..spec.count.min(stems * kinds) {
            let s = local % stems;
            let k = (local / stems + s) % kinds;
            let (Some(stem), Some(kind), Some(supplier)) = (
                spec.stems.get(s),
                spec.kinds.get(k),
                spec.suppliers.get(s % suppliers),
            ) else {
                continue;
            };
            out.push(Plan {
                spec,
                kind,
                stem,
                supplier,
                local,
                global: out.len(),
            });
        }
    }
    out
}

/// Lower-case words joined by hyphens, for URLs.
fn slug(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if c == '\'' {
            // "Parents' Evening" -> "parents-evening": apostrophes vanish.
            continue;
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out
}

fn pick<'a>(options: &[&'a [&'a str]], index: usize) -> &'a [&'a str] {
    if options.is_empty() {
        return &[];
    }
    options.get(index % options.len()).copied().unwrap_or(&[])
}

fn key_stages_of(plan: &Plan) -> &'static [&'static str] {
    let options = if plan.kind.key_stages.is_empty() {
        plan.spec.key_stages
    } else {
        plan.kind.key_stages
    };
    pick(
        options,
        plan.local / plan.spec.stems.len().max(1) + plan.local,
    )
}

fn platforms_of(plan: &Plan) -> &'static [&'static str] {
    if plan.kind.platforms.is_empty() {
        pick(PLATFORM_SETS, plan.global + plan.local)
    } else {
        plan.kind.platforms
    }
}

fn subjects_of(plan: &Plan) -> &'static [&'static str] {
    if plan.kind.subjects.is_empty() {
        plan.spec.subjects
    } else {
        plan.kind.subjects
    }
}

fn ks_label(code: &str) -> &'static str {
    match code {
        "eyfs" => "EYFS",
        "ks1" => "KS1",
        "ks2" => "KS2",
        "ks3" => "KS3",
        "ks4" => "KS4",
        "ks5" => "KS5",
        _ => "",
    }
}

/// "KS2", "KS1 and KS2", "EYFS to KS2".
fn ks_range(stages: &[&str]) -> String {
    match stages {
        [] => String::new(),
        [only] => ks_label(only).to_string(),
        [first, second] => format!("{} and {}", ks_label(first), ks_label(second)),
        [first, .., last] => format!("{} to {}", ks_label(first), ks_label(last)),
    }
}

fn summary_of(plan: &Plan, stages: &[&str]) -> String {
    let primary_only = stages.iter().all(|s| matches!(*s, "eyfs" | "ks1" | "ks2"));
    let secondary_only = stages.iter().all(|s| matches!(*s, "ks3" | "ks4" | "ks5"));
    if plan.kind.pupil_facing {
        return format!("{} ({}).", plan.kind.summary, ks_range(stages));
    }
    let audience = if stages.len() == ALL_STAGES.len() {
        "schools of every phase and trusts".to_string()
    } else if primary_only {
        "primary schools".to_string()
    } else if secondary_only {
        "secondary schools and sixth forms".to_string()
    } else {
        "primary and secondary schools".to_string()
    };
    format!("{}, for {}.", plan.kind.summary, audience)
}

fn platform_label(code: &str) -> &'static str {
    match code {
        "web" => "any web browser",
        "ios" => "iPad and iPhone",
        "android" => "Android",
        "windows" => "Windows",
        "chromeos" => "Chromebooks (ChromeOS)",
        "macos" => "Mac",
        _ => "",
    }
}

fn list_phrase(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [only] => (*only).to_string(),
        [init @ .., last] => format!("{} and {}", init.join(", "), last),
    }
}

/// Every field of a product that is not a composed string.
struct Facts {
    pricing: &'static str,
    price_pence: i64,
    hosting: &'static str,
    cyber_essentials: &'static str,
    has_accessibility: bool,
    dpia: bool,
    sso_microsoft: bool,
    sso_google: bool,
    mis_integration: bool,
}

fn facts_of(plan: &Plan) -> Facts {
    let g = plan.global;
    let kind = plan.kind;
    // Price: a step within the kind's range, rounded to a sensible unit.
    let unit = match kind.pricing {
        PER_PUPIL => 25,
        PER_USER => 500,
        _ => 2_500,
    };
    let steps = ((kind.max_pence - kind.min_pence) / unit).max(0);
    let offset = i64::try_from((g * 7 + plan.local * 13) % 1_000).unwrap_or(0);
    let price_pence = kind.min_pence + (offset % (steps + 1)) * unit;
    // Some paid products offer a free tier; the price is then the paid tier's.
    let pricing = if kind.pricing != FREE && kind.pricing != ONE_OFF && g % 10 == 6 {
        "free_tier"
    } else {
        kind.pricing
    };
    let hosting = if g % 11 == 5 {
        "eea"
    } else if g % 13 == 9 {
        "us"
    } else {
        "uk"
    };
    let cyber_essentials = match g % 6 {
        0 | 3 => "cyber_essentials_plus",
        5 => "none",
        _ => "cyber_essentials",
    };
    let mis_integration = match plan.spec.mis {
        Mis::Always => true,
        Mis::Often => g % 3 != 2,
        Mis::Sometimes => g.is_multiple_of(3),
    };
    Facts {
        pricing,
        price_pence,
        hosting,
        cyber_essentials,
        has_accessibility: g % 5 != 2,
        dpia: g % 8 != 7,
        sso_microsoft: g % 4 != 3,
        sso_google: g % 3 != 1,
        mis_integration,
    }
}

fn description_of(plan: &Plan, stages: &[&str], platforms: &[&str], facts: &Facts) -> String {
    let mut parts = vec![plan.kind.detail.to_string()];
    if !stages.is_empty() {
        if plan.kind.pupil_facing {
            parts.push(format!("Written for {}.", ks_range(stages)));
        } else {
            parts.push(format!("Covers {}.", ks_range(stages)));
        }
    }
    let labels: Vec<&str> = platforms.iter().map(|p| platform_label(p)).collect();
    parts.push(format!("Runs on {}.", list_phrase(&labels)));
    parts.push(
        match facts.hosting {
            "eea" => "Data is hosted in the EEA, covered by the UK adequacy regulations.",
            "us" => {
                "Data is hosted in the United States under the UK extension to the Data Privacy Framework."
            }
            _ => "Data is hosted in the UK.",
        }
        .to_string(),
    );
    match (facts.sso_microsoft, facts.sso_google) {
        (true, true) => parts.push("Single sign-on with Microsoft or Google accounts.".into()),
        (true, false) => parts.push("Single sign-on with Microsoft accounts.".into()),
        (false, true) => parts.push("Single sign-on with Google accounts.".into()),
        (false, false) => {}
    }
    if facts.mis_integration && plan.spec.category == "mis_software" {
        parts.push("Approved apps read its data through open APIs and data brokers.".into());
    } else if facts.mis_integration {
        parts.push(
            "Pupil, staff and contact data syncs from the school MIS through a data broker.".into(),
        );
    }
    if facts.dpia {
        parts.push("A DPIA template and data processing agreement are available.".into());
    }
    parts.join(" ")
}

/// The composed strings of one product.
struct Texts {
    name: &'static str,
    summary: &'static str,
    description: &'static str,
    website: &'static str,
    accessibility: &'static str,
}

fn leak(text: String) -> &'static str {
    text.leak()
}

/// Composes every product's strings once; later calls reuse them.
fn texts() -> &'static [Texts] {
    static TEXTS: OnceLock<Vec<Texts>> = OnceLock::new();
    TEXTS.get_or_init(|| {
        let websites = suppliers();
        plans()
            .iter()
            .map(|plan| {
                let name = format!("{} {}", plan.stem, plan.kind.noun);
                let base = websites
                    .iter()
                    .find(|s| s.name == plan.supplier)
                    .map_or_else(
                        || format!("https://{}.example", slug(plan.supplier)),
                        |s| s.website.to_string(),
                    );
                let product_url = format!("{}/{}", base, slug(&name));
                let stages = key_stages_of(plan);
                let platforms = platforms_of(plan);
                let facts = facts_of(plan);
                Texts {
                    summary: leak(summary_of(plan, stages)),
                    description: leak(description_of(plan, stages, platforms, &facts)),
                    accessibility: leak(format!("{product_url}/accessibility")),
                    website: leak(product_url),
                    name: leak(name),
                }
            })
            .collect()
    })
}

/// Every sample product, composed deterministically from the building blocks above.
pub fn products() -> Vec<ProductSeed> {
    let texts = texts();
    plans()
        .iter()
        .zip(texts)
        .map(|(plan, text)| {
            let facts = facts_of(plan);
            let g = plan.global;
            let mut categories = vec![plan.spec.category];
            categories.extend(plan.kind.also.iter().copied());
            let accessibility_statement_url = facts.has_accessibility.then_some(text.accessibility);

            let mut badges = Vec::new();
            if facts.dpia && facts.hosting != "us" && g % 10 != 3 {
                badges.push("data_protection");
            }
            if facts.cyber_essentials != "none" {
                badges.push("cyber_security");
            }
            if accessibility_statement_url.is_some() && g % 7 != 4 {
                badges.push("accessibility");
            }
            let safeguarding_category = categories
                .iter()
                .any(|c| matches!(*c, "safeguarding_behaviour" | "online_safety"));
            if (safeguarding_category && facts.dpia) || (plan.kind.pupil_facing && g % 4 == 1) {
                badges.push("safeguarding");
            }
            if facts.mis_integration && (facts.sso_microsoft || facts.sso_google) {
                badges.push("interoperability");
            }
            if plan.spec.evidence && g.is_multiple_of(3) {
                badges.push("evidence_of_impact");
            }

            ProductSeed {
                supplier: plan.supplier,
                name: text.name,
                summary: text.summary,
                description: text.description,
                categories,
                subjects: subjects_of(plan).to_vec(),
                key_stages: key_stages_of(plan).to_vec(),
                platforms: platforms_of(plan).to_vec(),
                pricing_model: facts.pricing,
                price_pence: facts.price_pence,
                hosting_location: facts.hosting,
                cyber_essentials: facts.cyber_essentials,
                accessibility_statement_url,
                dpia_available: facts.dpia,
                sso_microsoft: facts.sso_microsoft,
                sso_google: facts.sso_google,
                mis_integration: facts.mis_integration,
                website: text.website,
                badges,
            }
        })
        .collect()
}
