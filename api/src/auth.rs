//! Bearer tokens: verifying them on every request and minting them for local use.
//!
//! Policy: one algorithm is accepted (HS256 with our secret, or RS256/EdDSA with an identity
//! provider's public key), so a token signed with another algorithm or key family is refused
//! whatever its header says; `exp`, `iss`, `aud` and `sub` are required, `nbf` is checked when
//! present, and clock leeway is at most 60 s. Without a configured key a development server
//! generates a secret into the data dir; a production server refuses to start.

use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail};
use becta_domain::vocab::Role;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::config::{Config, JwtAlgorithm, Secret};

/// The claims we read from a verified token (the library checks `iss`, `aud`, `exp`, `nbf`).
#[derive(Debug, Clone, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub role: Role,
    /// The school's URN (school buyers) or the supplier's id (suppliers).
    #[serde(default)]
    pub org: Option<String>,
    pub exp: u64,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
}

/// The claims `becta token` writes.
#[derive(Debug, Serialize)]
struct NewClaims<'a> {
    sub: String,
    role: Role,
    #[serde(skip_serializing_if = "Option::is_none")]
    org: Option<&'a str>,
    iss: &'a str,
    aud: &'a str,
    iat: u64,
    nbf: u64,
    exp: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
}

pub struct Authenticator {
    decoding: DecodingKey,
    /// Present with HS256 only: we never hold an identity provider's private key.
    encoding: Option<EncodingKey>,
    algorithm: Algorithm,
    validation: Validation,
    issuer: String,
    audience: String,
    key_id: Option<String>,
}

impl std::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authenticator")
            .field("algorithm", &self.algorithm)
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .finish_non_exhaustive()
    }
}

/// Why a token was refused; the message is safe to show.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Refused(pub String);

impl Authenticator {
    /// Builds the verifier from configuration, generating a development secret when needed.
    pub fn from_config(config: &Config) -> anyhow::Result<Self> {
        let jwt = &config.jwt;
        let (algorithm, decoding, encoding) = match (jwt.algorithm, &jwt.secret, &jwt.public_key) {
            (JwtAlgorithm::Hs256, secret, None) => {
                let secret = match secret {
                    Some(s) => s.clone(),
                    None if config.production => {
                        bail!("BECTA_ENV=production needs BECTA_JWT_SECRET or BECTA_JWT_PUBLIC_KEY")
                    }
                    None => local_secret(&config.data_dir)?,
                };
                let bytes = secret.expose().as_bytes();
                (
                    Algorithm::HS256,
                    DecodingKey::from_secret(bytes),
                    Some(EncodingKey::from_secret(bytes)),
                )
            }
            (JwtAlgorithm::Rs256, None, Some(pem)) => (
                Algorithm::RS256,
                DecodingKey::from_rsa_pem(pem.as_bytes()).context("BECTA_JWT_PUBLIC_KEY")?,
                None,
            ),
            (JwtAlgorithm::EdDsa, None, Some(pem)) => (
                Algorithm::EdDSA,
                DecodingKey::from_ed_pem(pem.as_bytes()).context("BECTA_JWT_PUBLIC_KEY")?,
                None,
            ),
            _ => bail!("the token key settings do not fit together"),
        };
        let mut validation = Validation::new(algorithm);
        validation.leeway = jwt.leeway_seconds.min(60);
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.set_issuer(&[jwt.issuer.as_str()]);
        validation.set_audience(&[jwt.audience.as_str()]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        Ok(Authenticator {
            decoding,
            encoding,
            algorithm,
            validation,
            issuer: jwt.issuer.clone(),
            audience: jwt.audience.clone(),
            key_id: jwt.key_id.clone(),
        })
    }

    /// Verifies a token and returns its claims.
    pub fn verify(&self, token: &str) -> Result<Claims, Refused> {
        let header = jsonwebtoken::decode_header(token)
            .map_err(|_| Refused("the bearer token is not a well-formed JWT".into()))?;
        if let Some(kid) = &self.key_id
            && header.kid.as_deref() != Some(kid.as_str())
        {
            return Err(Refused("the token's key id (kid) is not accepted".into()));
        }
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::MissingRequiredClaim(claim) => {
                    Refused(format!("the token lacks the `{claim}` claim"))
                }
                jsonwebtoken::errors::ErrorKind::InvalidClaimFormat(_)
                | jsonwebtoken::errors::ErrorKind::Json(_) => Refused(malformed_claims(token)),
                other => Refused(describe(other).into()),
            })?;
        if data.claims.sub.trim().is_empty() {
            return Err(Refused("the token's subject (`sub`) is empty".into()));
        }
        Ok(data.claims)
    }

    /// The user id a token's subject stands for: the subject itself when it is a UUID, else a
    /// stable UUID derived from the issuer and subject (identity providers use other forms).
    pub fn user_id(&self, sub: &str) -> Uuid {
        Uuid::parse_str(sub).unwrap_or_else(|_| {
            Uuid::new_v5(
                &Uuid::NAMESPACE_URL,
                format!("{}#{}", self.issuer, sub).as_bytes(),
            )
        })
    }

    /// Mints an HS256 token (for local use and tests; `becta token`).
    pub fn mint(
        &self,
        sub: Uuid,
        role: Role,
        org: Option<&str>,
        name: Option<&str>,
        ttl: Duration,
    ) -> anyhow::Result<String> {
        let Some(key) = &self.encoding else {
            bail!("tokens come from the identity provider when BECTA_JWT_PUBLIC_KEY is set");
        };
        let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();
        let claims = NewClaims {
            sub: sub.to_string(),
            role,
            org,
            iss: &self.issuer,
            aud: &self.audience,
            iat: now,
            nbf: now,
            exp: now + ttl.as_secs(),
            name,
        };
        let mut header = Header::new(self.algorithm);
        header.kid = self.key_id.clone();
        Ok(jsonwebtoken::encode(&header, &claims, key)?)
    }
}

/// Which claim of a token whose claims did not read is missing or of the wrong form: the
/// payload is read again, unverified, only to name it (nothing of it is trusted).
fn malformed_claims(token: &str) -> String {
    use base64::Engine;
    let payload = token
        .split('.')
        .nth(1)
        .and_then(|p| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(p)
                .ok()
        })
        .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok());
    let Some(claims) = payload.as_ref().and_then(|p| p.as_object()) else {
        return "the token's claims are not a JSON object".into();
    };
    for claim in ["sub", "exp", "role"] {
        if !claims.contains_key(claim) {
            return format!("the token lacks the `{claim}` claim");
        }
    }
    if !claims["sub"].is_string() {
        return "the token's `sub` claim must be a string".into();
    }
    if !claims["exp"].is_u64() {
        return "the token's `exp` claim must be a whole number of seconds".into();
    }
    "the token's claims are malformed (role must be SCHOOL_BUYER, SUPPLIER, ADVISER or ADMIN)"
        .into()
}

fn describe(kind: &jsonwebtoken::errors::ErrorKind) -> &'static str {
    use jsonwebtoken::errors::ErrorKind as K;
    match kind {
        K::ExpiredSignature => "the token has expired",
        K::ImmatureSignature => "the token is not valid yet (nbf)",
        K::InvalidIssuer => "the token's issuer is not accepted",
        K::InvalidAudience => "the token's audience is not accepted",
        K::InvalidSignature => "the token's signature does not verify",
        K::InvalidAlgorithm | K::InvalidAlgorithmName | K::MissingAlgorithm => {
            "the token's algorithm is not accepted"
        }
        K::MissingRequiredClaim(_) => "the token lacks a required claim (exp, iss, aud, sub)",
        K::InvalidClaimFormat(_) | K::Json(_) => {
            "the token's claims are malformed (role must be SCHOOL_BUYER, SUPPLIER, ADVISER or ADMIN)"
        }
        _ => "the bearer token is not valid",
    }
}

/// The development secret in `<data dir>/jwt-secret`, created on first use.
fn local_secret(data_dir: &Path) -> anyhow::Result<Secret> {
    let path = data_dir.join("jwt-secret");
    if let Ok(text) = std::fs::read_to_string(&path) {
        let text = text.trim().to_owned();
        if text.len() >= 32 {
            return Ok(Secret::new(text));
        }
    }
    std::fs::create_dir_all(data_dir)?;
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    let text: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    write_private(&path, &text)?;
    tracing::warn!(
        path = %path.display(),
        "no BECTA_JWT_SECRET: generated a development token secret (set BECTA_JWT_SECRET in production)"
    );
    Ok(Secret::new(text))
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(text.as_bytes())?;
    Ok(())
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    std::fs::write(path, text)?;
    Ok(())
}

/// Parses a duration such as `30m`, `1h`, `7d` or `3600` (seconds).
pub fn parse_ttl(text: &str) -> anyhow::Result<Duration> {
    let text = text.trim();
    let (number, unit) = text.split_at(
        text.find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len()),
    );
    let n: u64 = number
        .parse()
        .with_context(|| format!("not a duration: {text:?}"))?;
    let secs = match unit {
        "" | "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        "d" => n * 86_400,
        _ => bail!("not a duration: {text:?} (use s, m, h or d)"),
    };
    if secs == 0 || secs > 366 * 86_400 {
        bail!("a token lives between 1 second and a year");
    }
    Ok(Duration::from_secs(secs))
}
