//! PKCE (RFC 7636, S256), the `state` value, and the `/authorize` URL of the
//! authorization code grant.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

/// `n` random bytes from the operating system, base64url without padding.
pub fn random_token(n: usize) -> Result<String, String> {
    let mut bytes = vec![0u8; n];
    getrandom::fill(&mut bytes).map_err(|e| format!("no randomness from the operating system: {e}"))?;
    Ok(URL_SAFE_NO_PAD.encode(&bytes))
}

/// A code verifier (kept secret until the token request) and its S256 challenge.
pub struct Pkce {
    /// The verifier: 43 characters of base64url (32 random bytes).
    pub verifier: SecretString,
    /// `BASE64URL(SHA256(verifier))`.
    pub challenge: String,
}

impl Pkce {
    /// A fresh verifier and its challenge.
    pub fn new() -> Result<Self, String> {
        let verifier = random_token(32)?;
        let challenge = challenge(&verifier);
        Ok(Self { verifier: SecretString::from(verifier), challenge })
    }

    /// The verifier, for the token request.
    pub fn verifier(&self) -> &str {
        self.verifier.expose_secret()
    }
}

/// The S256 challenge of `verifier`.
pub fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Decodes `%XX` and `+` in a query value.
pub fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = |b: u8| (b as char).to_digit(16);
                match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                    (Some(h), Some(l)) => {
                        out.push((h * 16 + l) as u8);
                        i += 3;
                        continue;
                    }
                    _ => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The `/authorize` URL under the OIDC endpoint `oidc` (as AWS CLI v2 builds it).
pub struct Authorize<'a> {
    /// The OIDC endpoint URL in use.
    pub oidc: &'a str,
    /// The registered client.
    pub client_id: &'a str,
    /// The loopback callback.
    pub redirect_uri: &'a str,
    /// The anti-forgery value the callback must echo.
    pub state: &'a str,
    /// The PKCE challenge.
    pub challenge: &'a str,
    /// The registration scopes.
    pub scopes: &'a [String],
}

impl Authorize<'_> {
    /// The URL to open in the browser.
    pub fn url(&self) -> String {
        format!(
            "{}/authorize?response_type=code&client_id={}&redirect_uri={}&state={}&code_challenge_method=S256&scopes={}&code_challenge={}",
            self.oidc.trim_end_matches('/'),
            encode(self.client_id),
            encode(self.redirect_uri),
            encode(self.state),
            encode(&self.scopes.join(" ")),
            encode(self.challenge),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenge_matches_rfc_7636_appendix_b() {
        assert_eq!(
            challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        let p = Pkce::new().unwrap();
        assert_eq!(p.verifier().len(), 43);
        assert_eq!(p.challenge, challenge(p.verifier()));
        assert_ne!(Pkce::new().unwrap().verifier(), p.verifier());
    }

    #[test]
    fn url_is_encoded_and_decodes_back() {
        let scopes = vec!["sso:account:access".to_owned()];
        let url = Authorize {
            oidc: "http://127.0.0.1:9/",
            client_id: "c+1",
            redirect_uri: "http://127.0.0.1:5/oauth/callback",
            state: "s",
            challenge: "ch",
            scopes: &scopes,
        }
        .url();
        assert!(url.starts_with("http://127.0.0.1:9/authorize?response_type=code&client_id=c%2B1&"), "{url}");
        assert!(url.contains("redirect_uri=http%3A%2F%2F127.0.0.1%3A5%2Foauth%2Fcallback"), "{url}");
        assert!(url.contains("code_challenge_method=S256") && url.contains("scopes=sso%3Aaccount%3Aaccess"));
        assert_eq!(decode("a%2Fb+c%zz%4"), "a/b c%zz%4");
    }
}
