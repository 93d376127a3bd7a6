//! Supplier companies: EdTech publishers, and IT resellers, managed service providers,
//! broadband, audio-visual, print and security firms that sit on framework lots.
//!
//! All records are sample data: every company name is invented, the Companies House numbers
//! are plausible but fictitious, and every website sits under the reserved `.example` domain.

use super::types::SupplierSeed;

/// (name, Companies House number, website).
const SUPPLIERS: &[(&str, &str, &str)] = &[
    // --- Management information systems ---
    (
        "Ledgerleaf Schools Ltd",
        "07814235",
        "https://ledgerleaf-schools.example",
    ),
    (
        "Registerwell Software Ltd",
        "09235781",
        "https://registerwell.example",
    ),
    (
        "Scholaris Data Ltd",
        "SC508832",
        "https://scholaris-data.example",
    ),
    (
        "Rollcall Systems Ltd",
        "06622904",
        "https://rollcall-systems.example",
    ),
    // --- Parental engagement ---
    (
        "ClassBridge Communications Ltd",
        "10473826",
        "https://classbridge.example",
    ),
    (
        "Homelink Messaging Ltd",
        "08150693",
        "https://homelink-messaging.example",
    ),
    ("Parentpost Ltd", "11296047", "https://parentpost.example"),
    ("Satchelnote Ltd", "12058314", "https://satchelnote.example"),
    // --- Assessment, marking and feedback ---
    (
        "Markwise Assessment Ltd",
        "09671520",
        "https://markwise.example",
    ),
    ("Gradepath Ltd", "10912268", "https://gradepath.example"),
    (
        "Trackfold Learning Ltd",
        "08847139",
        "https://trackfold.example",
    ),
    (
        "Feedback Loop Education Ltd",
        "11783405",
        "https://feedbackloop-education.example",
    ),
    ("Insightmark Ltd", "NI642187", "https://insightmark.example"),
    // --- Homework and learning platforms ---
    (
        "Brightpath Learning Ltd",
        "07390418",
        "https://brightpath-learning.example",
    ),
    ("Homeworkly Ltd", "12630975", "https://homeworkly.example"),
    (
        "Classhive Platforms Ltd",
        "10205563",
        "https://classhive.example",
    ),
    ("Studynest Ltd", "13118742", "https://studynest.example"),
    // --- Curriculum content publishers ---
    (
        "Numberwise Education Ltd",
        "08533017",
        "https://numberwise.example",
    ),
    (
        "Tally Tigers Ltd",
        "11940286",
        "https://tally-tigers.example",
    ),
    (
        "Phonicsfield Ltd",
        "09902741",
        "https://phonicsfield.example",
    ),
    (
        "Readwell Press Ltd",
        "04418826",
        "https://readwell-press.example",
    ),
    (
        "Inkpot Literacy Ltd",
        "10688193",
        "https://inkpot-literacy.example",
    ),
    (
        "Labcoat Science Ltd",
        "09377852",
        "https://labcoat-science.example",
    ),
    (
        "Sparkwell Science Ltd",
        "SC587310",
        "https://sparkwell-science.example",
    ),
    ("Codekite Ltd", "12874460", "https://codekite.example"),
    (
        "Bytewise Computing Education Ltd",
        "10034719",
        "https://bytewise-computing.example",
    ),
    (
        "Polyglot Parrot Languages Ltd",
        "08965224",
        "https://polyglot-parrot.example",
    ),
    (
        "Timeline Tales Ltd",
        "11527368",
        "https://timeline-tales.example",
    ),
    (
        "Mapcraft Geography Ltd",
        "09144590",
        "https://mapcraft-geography.example",
    ),
    ("Easelbox Art Ltd", "12397051", "https://easelbox.example"),
    (
        "Staveline Music Ltd",
        "10761832",
        "https://staveline-music.example",
    ),
    (
        "Playfield PE Ltd",
        "11065947",
        "https://playfield-pe.example",
    ),
    (
        "Wellbeing Compass Ltd",
        "12213608",
        "https://wellbeing-compass.example",
    ),
    (
        "Faithpaths RE Ltd",
        "09588126",
        "https://faithpaths-re.example",
    ),
    (
        "Makerbench DT Ltd",
        "13302479",
        "https://makerbench-dt.example",
    ),
    (
        "Ledgerlight Business Education Ltd",
        "10849913",
        "https://ledgerlight-business.example",
    ),
    (
        "Oakwords Publishing Ltd",
        "05273661",
        "https://oakwords-publishing.example",
    ),
    (
        "Hedgerow Early Learning Ltd",
        "11412835",
        "https://hedgerow-early-learning.example",
    ),
    (
        "Quarterdeck Humanities Ltd",
        "12956620",
        "https://quarterdeck-humanities.example",
    ),
    (
        "Fernleaf Science Media Ltd",
        "NI655904",
        "https://fernleaf-science.example",
    ),
    // --- SEND and assistive technology ---
    (
        "Inclusive Steps Ltd",
        "10328457",
        "https://inclusive-steps.example",
    ),
    (
        "Clearvoice Assistive Ltd",
        "09065312",
        "https://clearvoice-assistive.example",
    ),
    (
        "Sensory Lantern Ltd",
        "11870526",
        "https://sensory-lantern.example",
    ),
    (
        "Readaloud Access Ltd",
        "12509743",
        "https://readaloud-access.example",
    ),
    (
        "Signpost SEND Ltd",
        "SC629418",
        "https://signpost-send.example",
    ),
    // --- Safeguarding and behaviour ---
    (
        "Safeharbour Records Ltd",
        "08726405",
        "https://safeharbour-records.example",
    ),
    ("Guardianlog Ltd", "10597264", "https://guardianlog.example"),
    (
        "Behaviourbloom Ltd",
        "12144896",
        "https://behaviourbloom.example",
    ),
    (
        "Carefold Safeguarding Ltd",
        "11238571",
        "https://carefold.example",
    ),
    // --- Timetabling and cover ---
    (
        "Bellschedule Ltd",
        "09816043",
        "https://bellschedule.example",
    ),
    (
        "Covercraft Software Ltd",
        "07962158",
        "https://covercraft.example",
    ),
    ("Periodgrid Ltd", "12781325", "https://periodgrid.example"),
    // --- Online safety software ---
    (
        "Netshield Schools Ltd",
        "10126739",
        "https://netshield-schools.example",
    ),
    (
        "Safesurf Education Ltd",
        "11654082",
        "https://safesurf-education.example",
    ),
    // --- Staff CPD ---
    (
        "Staffroom Academy Ltd",
        "10419257",
        "https://staffroom-academy.example",
    ),
    ("Teachgrow CPD Ltd", "12322640", "https://teachgrow.example"),
    ("Mentorleaf Ltd", "11109573", "https://mentorleaf.example"),
    (
        "Pedagogy Plus Ltd",
        "08391764",
        "https://pedagogy-plus.example",
    ),
    // --- AI tools ---
    (
        "Lessonloom AI Ltd",
        "14872316",
        "https://lessonloom.example",
    ),
    ("Quillmind Ltd", "15093427", "https://quillmind.example"),
    (
        "Markbot Education Ltd",
        "14560981",
        "https://markbot-education.example",
    ),
    (
        "Thinkspring AI Ltd",
        "15218854",
        "https://thinkspring-ai.example",
    ),
    // --- Cashless payments ---
    (
        "Tillpoint Schools Ltd",
        "09473608",
        "https://tillpoint-schools.example",
    ),
    (
        "Purseless Payments Ltd",
        "10998315",
        "https://purseless-payments.example",
    ),
    ("Lunchcoin Ltd", "12687402", "https://lunchcoin.example"),
    // --- Exams management ---
    ("Examdesk Ltd", "08204517", "https://examdesk.example"),
    (
        "Invigilate Software Ltd",
        "10660928",
        "https://invigilate-software.example",
    ),
    (
        "Candidate Central Ltd",
        "SC571946",
        "https://candidate-central.example",
    ),
    // --- Broadband, networking and wireless ---
    (
        "Fibrewell Networks Ltd",
        "06158842",
        "https://fibrewell-networks.example",
    ),
    (
        "Northline Connect Ltd",
        "07708215",
        "https://northline-connect.example",
    ),
    (
        "Beacon Gigabit Ltd",
        "11345670",
        "https://beacon-gigabit.example",
    ),
    (
        "Kestrel Broadband Services Ltd",
        "08612359",
        "https://kestrel-broadband.example",
    ),
    (
        "Meshpoint Wireless Ltd",
        "09741286",
        "https://meshpoint-wireless.example",
    ),
    (
        "Cobalt Switching Solutions Ltd",
        "10170534",
        "https://cobalt-switching.example",
    ),
    // --- Cyber security, filtering and monitoring ---
    (
        "Sentinel Ridge Cyber Ltd",
        "11956301",
        "https://sentinel-ridge.example",
    ),
    (
        "Bastionfold Security Ltd",
        "12470683",
        "https://bastionfold.example",
    ),
    (
        "Nightwatch Filtering Ltd",
        "09329174",
        "https://nightwatch-filtering.example",
    ),
    (
        "Lanternguard Online Safety Ltd",
        "10882746",
        "https://lanternguard.example",
    ),
    // --- Devices and resellers ---
    (
        "Copperleaf Computing Ltd",
        "05819437",
        "https://copperleaf-computing.example",
    ),
    (
        "Ashgrove IT Supplies Ltd",
        "04967215",
        "https://ashgrove-it.example",
    ),
    (
        "Pennine Device Solutions Ltd",
        "08079562",
        "https://pennine-devices.example",
    ),
    (
        "Harbourlight Technology Ltd",
        "SC468205",
        "https://harbourlight-technology.example",
    ),
    // --- Refurbished devices ---
    (
        "Second Bloom Devices Ltd",
        "11697418",
        "https://second-bloom.example",
    ),
    (
        "Renewtech Circular IT Ltd",
        "12903275",
        "https://renewtech-circular.example",
    ),
    (
        "Greenloop Refurb Ltd",
        "10532849",
        "https://greenloop-refurb.example",
    ),
    // --- Audio-visual ---
    (
        "Clearview Classroom AV Ltd",
        "07245806",
        "https://clearview-classroom-av.example",
    ),
    (
        "Brightwall Displays Ltd",
        "09190367",
        "https://brightwall-displays.example",
    ),
    (
        "Stagecraft Audio Visual Ltd",
        "06734951",
        "https://stagecraft-av.example",
    ),
    // --- Printing and multifunctional devices ---
    (
        "Inkwise Document Solutions Ltd",
        "05528714",
        "https://inkwise-documents.example",
    ),
    (
        "Paperlane Print Services Ltd",
        "08456023",
        "https://paperlane-print.example",
    ),
    (
        "Quillstone Office Systems Ltd",
        "NI618352",
        "https://quillstone-office.example",
    ),
    // --- Cloud and hosting ---
    (
        "Cirrusvale Cloud Ltd",
        "10746195",
        "https://cirrusvale-cloud.example",
    ),
    (
        "Datacove Hosting Ltd",
        "09027638",
        "https://datacove-hosting.example",
    ),
    // --- IT support and managed services ---
    (
        "Schoolwise IT Services Ltd",
        "07431589",
        "https://schoolwise-it.example",
    ),
    (
        "Tidewater Managed IT Ltd",
        "10258816",
        "https://tidewater-managed-it.example",
    ),
    (
        "Hollybank Technical Support Ltd",
        "06980274",
        "https://hollybank-technical.example",
    ),
    (
        "Keystone Education IT Ltd",
        "08891450",
        "https://keystone-education-it.example",
    ),
    // --- Telephony ---
    (
        "Ringfold Communications Ltd",
        "09658132",
        "https://ringfold.example",
    ),
    (
        "Voicebridge Telecom Ltd",
        "11102869",
        "https://voicebridge-telecom.example",
    ),
    // --- CCTV and access control ---
    (
        "Gatekeeper Site Security Ltd",
        "08317046",
        "https://gatekeeper-site-security.example",
    ),
    (
        "Oakwatch Access Control Ltd",
        "10395721",
        "https://oakwatch-access.example",
    ),
    // --- Software licence resellers ---
    (
        "Licencehub Education Ltd",
        "07598340",
        "https://licencehub-education.example",
    ),
    (
        "Softcrate Licensing Ltd",
        "09860417",
        "https://softcrate-licensing.example",
    ),
];

/// Every supplier, publishers first, then infrastructure and IT service firms.
pub fn suppliers() -> Vec<SupplierSeed> {
    SUPPLIERS
        .iter()
        .map(|&(name, companies_house_number, website)| SupplierSeed {
            name,
            companies_house_number,
            website,
        })
        .collect()
}
