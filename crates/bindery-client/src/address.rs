//! The cloud's address, and the only ways a call's URL is made from it.
//!
//! Every credential the client holds (the session token, an `X-Api-Key`) belongs to one
//! cloud, so every URL it sends them to must be on that cloud's origin. URLs are therefore
//! never glued together as text: an API call's path is built segment by segment with
//! `url`'s encoder ([`CloudAddress::endpoint`]), a path read from a recording is accepted
//! only when it stays on the cloud ([`CloudAddress::join`]: `@evil/…` would otherwise turn
//! the cloud's address into a user name), and redirects are followed only within the
//! cloud's origin ([`CloudAddress::redirect_policy`]) — reqwest drops `Authorization` when a
//! redirect changes host, but not our `X-Api-Key`.

use reqwest::Url;

use crate::ClientError;

/// A checked cloud address: `http` or `https`, a host, no user name, query or fragment.
#[derive(Debug, Clone)]
pub(crate) struct CloudAddress {
    url: Url,
    /// `url` without its trailing `/`: how the address is shown and what sessions are
    /// kept under.
    text: String,
}

impl CloudAddress {
    /// Checks `input`; the error carries it as given.
    pub fn parse(input: &str) -> Result<Self, ClientError> {
        let refused = || ClientError::BadUrl {
            url: input.to_owned(),
        };
        let url = Url::parse(input.trim()).map_err(|_| refused())?;
        let usable = matches!(url.scheme(), "http" | "https")
            && url.host_str().is_some_and(|host| !host.is_empty())
            && url.username().is_empty()
            && url.password().is_none()
            && url.query().is_none()
            && url.fragment().is_none();
        if !usable {
            return Err(refused());
        }
        let text = url.as_str().trim_end_matches('/').to_owned();
        Ok(CloudAddress { url, text })
    }

    /// The address as shown, without a trailing `/`.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The URL of an API call: the cloud's address followed by `segments`, each encoded as
    /// one path segment (a `/` or `?` typed into an SN stays inside it), then `query`.
    pub fn endpoint(&self, segments: &[&str], query: &[(&str, &str)]) -> Result<Url, ClientError> {
        // `url` drops `.` and `..` segments rather than encoding them, which would call
        // another endpoint than the one asked for.
        if let Some(dots) = segments.iter().find(|s| matches!(**s, "." | "..")) {
            return Err(ClientError::BadUrl {
                url: (*dots).to_owned(),
            });
        }
        let mut url = self.url.clone();
        url.path_segments_mut()
            .expect("an http(s) URL has a path")
            .pop_if_empty()
            .extend(segments);
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        Ok(url)
    }

    /// The URL a recorded `path` names on this cloud. `path` must be a path and nothing
    /// else — it starts with one `/` — and the result must keep the cloud's origin;
    /// otherwise it is refused with the path in the error.
    pub fn join(&self, path: &str) -> Result<Url, ClientError> {
        let refused = || ClientError::BadUrl {
            url: path.to_owned(),
        };
        // `//host/…` (and `/\host/…`, which URL parsers read the same) is a reference to
        // another host, not a path.
        let is_path = path.starts_with('/') && !path[1..].starts_with(['/', '\\']);
        if !is_path {
            return Err(refused());
        }
        let url = Url::parse(&format!("{}{path}", self.text)).map_err(|_| refused())?;
        if url.origin() != self.url.origin() || !url.username().is_empty() {
            return Err(refused());
        }
        Ok(url)
    }

    /// `url` relative to the cloud's address (`/v1/bindings/…`), as traces record it.
    pub fn relative<'a>(&self, url: &'a Url) -> &'a str {
        url.as_str()
            .strip_prefix(self.text.as_str())
            .unwrap_or(url.as_str())
    }

    /// Follows a redirect only within the cloud's origin, as many times as reqwest's
    /// default policy would. A redirect elsewhere is not followed: the caller gets the 3xx
    /// answer itself, and no credential leaves the cloud.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn redirect_policy(&self) -> reqwest::redirect::Policy {
        let origin = self.url.origin();
        let limited = reqwest::redirect::Policy::default();
        reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.url().origin() == origin {
                limited.redirect(attempt)
            } else {
                attempt.stop()
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cloud(text: &str) -> CloudAddress {
        CloudAddress::parse(text).unwrap()
    }

    #[test]
    fn an_address_is_shown_without_its_trailing_slash() {
        assert_eq!(
            cloud("http://127.0.0.1:8080/").as_str(),
            "http://127.0.0.1:8080"
        );
        assert_eq!(
            cloud(" https://bind.example.com ").as_str(),
            "https://bind.example.com"
        );
        assert_eq!(
            cloud("http://example.com/api/").as_str(),
            "http://example.com/api"
        );
    }

    #[test]
    fn what_is_not_a_cloud_address_is_refused_with_the_input() {
        for bad in [
            "",
            "localhost:8080",
            "ftp://example.com",
            "http://",
            "http://user:pw@example.com",
            "http://example.com/?x=1",
            "http://example.com/#top",
            "mailto:a@example.com",
        ] {
            assert_eq!(
                CloudAddress::parse(bad).unwrap_err(),
                ClientError::BadUrl { url: bad.into() },
                "{bad:?}"
            );
        }
    }

    #[test]
    fn endpoint_segments_are_encoded_one_by_one() {
        let base = cloud("http://127.0.0.1:8080");
        let url = |segments: &[&str]| base.endpoint(segments, &[]).unwrap().to_string();
        assert_eq!(
            url(&["v1", "bindings", "BD7K-2M9Q4X"]),
            "http://127.0.0.1:8080/v1/bindings/BD7K-2M9Q4X"
        );
        assert_eq!(
            url(&["v1", "bindings", "../admin"]),
            "http://127.0.0.1:8080/v1/bindings/..%2Fadmin"
        );
        assert_eq!(
            url(&["v1", "bindings", "a b?c"]),
            "http://127.0.0.1:8080/v1/bindings/a%20b%3Fc"
        );
        assert_eq!(
            base.endpoint(&["v1", "bindings", ".."], &[]).unwrap_err(),
            ClientError::BadUrl { url: "..".into() }
        );
        let with_query = base
            .endpoint(&["v1", "import"], &[("mode", "a&b")])
            .unwrap();
        assert_eq!(
            with_query.as_str(),
            "http://127.0.0.1:8080/v1/import?mode=a%26b"
        );
        assert_eq!(base.relative(&with_query), "/v1/import?mode=a%26b");
    }

    #[test]
    fn a_cloud_under_a_path_keeps_its_path() {
        let base = cloud("https://example.com/bindery/");
        let url = base.endpoint(&["v1", "users"], &[]).unwrap();
        assert_eq!(url.as_str(), "https://example.com/bindery/v1/users");
        assert_eq!(base.relative(&url), "/v1/users");
        assert_eq!(
            base.join("/v1/users").unwrap().as_str(),
            "https://example.com/bindery/v1/users"
        );
    }

    #[test]
    fn a_recorded_path_must_stay_on_the_cloud() {
        let base = cloud("http://127.0.0.1:8080");
        assert_eq!(
            base.join("/v1/bindings?x=1").unwrap().as_str(),
            "http://127.0.0.1:8080/v1/bindings?x=1"
        );
        assert_eq!(
            base.join("/v1/@evil.example/x").unwrap().as_str(),
            "http://127.0.0.1:8080/v1/@evil.example/x"
        );
        for bad in [
            "@127.0.0.1:9999/v1/bindings",
            ":9999/v1/bindings",
            "//evil.example/v1/bindings",
            "/\\evil.example/v1/bindings",
            "http://evil.example/v1/bindings",
            "v1/bindings",
            "",
        ] {
            assert_eq!(
                base.join(bad).unwrap_err(),
                ClientError::BadUrl { url: bad.into() },
                "{bad:?}"
            );
        }
    }
}
