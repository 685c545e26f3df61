//! The web app's addresses: every screen has one (`/app/`, `/app/scan`, `/app/confirm?…`,
//! `/app/devices/<did>`, `/app/settings`, `/app/sign-in`, `/app/sign-up`,
//! `/app/enter-code`), so the browser's Back and Forward, the phone's Back gesture and a
//! reload do what the user expects, and a printed URL label (`/b?pk=…`, which the cloud sends
//! on to `/app/confirm?pk=…`) opens Confirm.
//!
//! A label's secret never goes into an address, where history lists and sync would keep it:
//! Confirm's address names the product and SN only, and the label's exact text (with its
//! bind code, passcode or adopted text) rides in the history entry's state, which a reload,
//! Back and Forward give back. A `/b` link's bind code is read once and the address rewritten
//! without it.
//!
//! The model stays the flow's one source of truth (the tests drive it without a browser): the
//! address is a view of it, written by the host after each change ([`Model::route`]), and an
//! address the user goes to is turned back into navigation ([`Model::open`]). That is why
//! this is a small mapping rather than Dioxus's router, which would make the address the
//! state and leave the model beside it.

use bindery_core::qr::{format_bindery_v2, format_quectel_v1};
use bindery_core::{parse_qr, QrKind};

use super::{Action, Model, Screen};

/// Where the web app is served; every address of the app starts with it.
pub const APP_PREFIX: &str = "/app";

/// A place in the app, as an address names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// `/app/sign-in`
    SignIn,
    /// `/app/sign-up`
    SignUp,
    /// `/app/` (the devices)
    Home,
    /// `/app/scan`
    Scan,
    /// `/app/enter-code`
    EnterCode,
    /// `/app/confirm?pk=…&sn=…` (or `/app/confirm` for a label that names no SN), the label's
    /// text kept in the history entry's state; a `/b` link brings `&bc=…` once.
    Confirm {
        /// The label's text, as the cloud is asked about it.
        label: String,
    },
    /// `/app/devices/<did>`
    Device {
        /// The device's id.
        did: String,
    },
    /// `/app/settings`
    Settings,
}

impl Route {
    /// The route of `path` (`/app/…`), its `query` (without `?`) and the history entry's
    /// `state` (a Confirm's label); `None` for an address outside the app or one it does not
    /// know (the app then shows where the model is).
    pub fn parse(path: &str, query: &str, state: Option<&str>) -> Option<Route> {
        let rest = path.strip_prefix(APP_PREFIX)?;
        let rest = rest.trim_matches('/');
        Some(match rest {
            "" => Route::Home,
            "sign-in" => Route::SignIn,
            "sign-up" => Route::SignUp,
            "scan" => Route::Scan,
            "enter-code" => Route::EnterCode,
            "settings" => Route::Settings,
            "confirm" => Route::Confirm {
                label: match state.filter(|label| !label.trim().is_empty()) {
                    Some(label) => label.to_owned(),
                    None => label_of_query(query)?,
                },
            },
            _ => {
                let did = rest.strip_prefix("devices/")?;
                let plain = !did.is_empty()
                    && did
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
                if !plain {
                    return None;
                }
                Route::Device {
                    did: did.to_owned(),
                }
            }
        })
    }

    /// The address of this route, path and query.
    pub fn path(&self) -> String {
        match self {
            Route::SignIn => format!("{APP_PREFIX}/sign-in"),
            Route::SignUp => format!("{APP_PREFIX}/sign-up"),
            Route::Home => format!("{APP_PREFIX}/"),
            Route::Scan => format!("{APP_PREFIX}/scan"),
            Route::EnterCode => format!("{APP_PREFIX}/enter-code"),
            Route::Settings => format!("{APP_PREFIX}/settings"),
            Route::Device { did } => format!("{APP_PREFIX}/devices/{did}"),
            Route::Confirm { label } => match query_of_label(label) {
                Some(query) => format!("{APP_PREFIX}/confirm?{query}"),
                None => format!("{APP_PREFIX}/confirm"),
            },
        }
    }

    /// What the history entry keeps beside the address: a Confirm's label.
    pub fn state(&self) -> Option<&str> {
        match self {
            Route::Confirm { label } => Some(label),
            _ => None,
        }
    }

    /// Whether the route is one of the sign-in forms, which never stay in the history: after
    /// signing in, Back must not lead to a signed-out screen.
    pub fn is_sign_in(&self) -> bool {
        matches!(self, Route::SignIn | Route::SignUp)
    }
}

/// The label a Confirm address names when its entry kept none (a `/b` link, an address
/// typed or shared): the URL form's fields, read as the cloud reads a URL label (names in
/// any case), so what `/b` accepted the app accepts too.
fn label_of_query(query: &str) -> Option<String> {
    let payload = parse_qr(&format!("https://bindery.invalid/b?{query}")).ok()?;
    let (pk, sn) = (payload.product_key()?, payload.sn()?);
    Some(match payload.bind_code() {
        Some(bc) => format_bindery_v2(pk, sn, bc),
        None => format_quectel_v1(pk, sn),
    })
}

/// Confirm's query for `label`: the product and SN when the label names them, never its
/// secret; `None` for a label that names no SN (an adopted text, a Gizwits legacy label).
fn query_of_label(label: &str) -> Option<String> {
    let payload = parse_qr(label).ok()?;
    if !matches!(
        payload.kind(),
        QrKind::BinderyV2 | QrKind::QuectelV1 | QrKind::Url
    ) {
        return None;
    }
    let mut query = form_urlencoded::Serializer::new(String::new());
    query.append_pair("pk", payload.product_key()?.as_str());
    query.append_pair("sn", payload.sn()?.as_str());
    Some(query.finish())
}

impl Model {
    /// The route of what the model shows now.
    pub fn route(&self) -> Route {
        match &self.screen {
            Screen::SignIn => Route::SignIn,
            Screen::SignUp => Route::SignUp,
            Screen::Home => Route::Home,
            Screen::Scan => Route::Scan,
            Screen::EnterCode => Route::EnterCode,
            Screen::Settings => Route::Settings,
            Screen::Details { did } => Route::Device { did: did.clone() },
            Screen::Confirm => match &self.pending {
                Some(pending) => Route::Confirm {
                    label: pending.qr_content.clone(),
                },
                // Confirm without a label is not a place one can come back to.
                None => Route::Scan,
            },
        }
    }

    /// Goes where `route` points, as the user asked by an address (a reload, Back, a link).
    /// A Confirm address asks the cloud about its label: the action to run is returned. Signed
    /// out, the sign-in screen shows first and the route is kept for after signing in.
    pub fn open(&mut self, route: Route) -> Option<Action> {
        if self.route() == route {
            return None;
        }
        let signed_in = self.account.is_some();
        if !signed_in && !matches!(route, Route::SignIn | Route::SignUp | Route::Settings) {
            self.after_sign_in = Some(route);
            self.go(Screen::SignIn);
            return None;
        }
        match route {
            Route::Confirm { label } => {
                self.go(Screen::Scan);
                Some(Action::Inspect { qr_content: label })
            }
            Route::SignIn => {
                self.go(Screen::SignIn);
                None
            }
            Route::SignUp => {
                self.go(Screen::SignUp);
                None
            }
            Route::Home => {
                self.go(Screen::Home);
                None
            }
            Route::Scan => {
                self.go(Screen::Scan);
                None
            }
            Route::EnterCode => {
                self.go(Screen::EnterCode);
                None
            }
            Route::Settings => {
                self.go(Screen::Settings);
                None
            }
            Route::Device { did } => {
                self.go(Screen::Details { did });
                None
            }
        }
    }

    /// What to do once signed in: go where an address pointed before sign-in, or nothing
    /// (Home, as usual). Called by the sign-in's completion.
    pub(super) fn continue_after_sign_in(&mut self) -> Option<Action> {
        let route = self.after_sign_in.take()?;
        self.open(route)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const V2: &str = "pk=p1a2b3&sn=BD7K2M9Q4X&v=2&bc=7Q4XK2M9PD";

    /// One line a case: the address, the entry's state, and the route they name (`None`: not
    /// the app's).
    #[test]
    fn addresses_and_their_routes() {
        let confirm = |label: &str| {
            Some(Route::Confirm {
                label: label.into(),
            })
        };
        let cases: &[(&str, &str, Option<&str>, Option<Route>)] = &[
            ("/app/", "", None, Some(Route::Home)),
            ("/app", "", None, Some(Route::Home)),
            ("/app/scan", "", None, Some(Route::Scan)),
            ("/app/scan/", "", None, Some(Route::Scan)),
            ("/app/sign-in", "", None, Some(Route::SignIn)),
            ("/app/sign-up", "", None, Some(Route::SignUp)),
            ("/app/enter-code", "", None, Some(Route::EnterCode)),
            ("/app/settings", "", None, Some(Route::Settings)),
            (
                "/app/devices/d_0123abcd",
                "",
                None,
                Some(Route::Device {
                    did: "d_0123abcd".into(),
                }),
            ),
            // A /b link sent on: the fields, in any order and case, the bind code once.
            (
                "/app/confirm",
                "pk=p1a2b3&sn=BD7K2M9Q4X&bc=7Q4XK2M9PD",
                None,
                confirm(V2),
            ),
            (
                "/app/confirm",
                "SN=BD7K2M9Q4X&PK=p1a2b3&BC=7Q4XK2M9PD",
                None,
                confirm(V2),
            ),
            (
                "/app/confirm",
                "pk=p1a2b3&sn=VDR7098612099028",
                None,
                confirm("pk=p1a2b3&sn=VDR7098612099028&v=1"),
            ),
            // The entry's state is the label, whatever the address shows.
            (
                "/app/confirm",
                "pk=p1a2b3&sn=BD7K2M9Q4X",
                Some(V2),
                confirm(V2),
            ),
            (
                "/app/confirm",
                "",
                Some("GZQR:opaque text"),
                confirm("GZQR:opaque text"),
            ),
            ("/app/confirm", "", None, None),
            ("/app/confirm", "", Some("  "), None),
            ("/app/confirm", "pk=p1a2b3", None, None),
            ("/app/confirm", "pk=p1a2b3&sn=BD7K2M9Q4X&bc=bad", None, None),
            ("/app/confirm", "label=GZQR%3Aopaque", None, None),
            ("/app/devices/", "", None, None),
            ("/app/devices/d_1/x", "", None, None),
            ("/app/nowhere", "", None, None),
            ("/", "", None, None),
            ("/b", "pk=p1a2b3&sn=BD7K2M9Q4X", None, None),
        ];
        for (path, query, state, expected) in cases {
            assert_eq!(
                &Route::parse(path, query, *state),
                expected,
                "{path}?{query} {state:?}"
            );
        }
    }

    #[test]
    fn every_route_reads_back_from_its_address_and_state_and_no_secret_is_in_the_address() {
        let routes = [
            Route::SignIn,
            Route::SignUp,
            Route::Home,
            Route::Scan,
            Route::EnterCode,
            Route::Settings,
            Route::Device {
                did: "d_0123456789abcdef01234567".into(),
            },
            Route::Confirm { label: V2.into() },
            Route::Confirm {
                label: "https://bind.example.com/b?pk=p1a2b3&sn=BD7K2M9Q4X&bc=7Q4XK2M9PD".into(),
            },
            Route::Confirm {
                label: "pk=p1a2b3&sn=VDR7098612099028&v=1".into(),
            },
            Route::Confirm {
                label: "product_key=p1a2b3&did=9jQ7&passcode=XAVBPXMSKA".into(),
            },
            Route::Confirm {
                label: "Gizwits opaque label ∑ & = ? #".into(),
            },
        ];
        for route in routes {
            let address = route.path();
            let (path, query) = address.split_once('?').unwrap_or((&address, ""));
            assert_eq!(
                Route::parse(path, query, route.state()),
                Some(route.clone()),
                "{address}"
            );
            for secret in ["7Q4XK2M9PD", "XAVBPXMSKA", "opaque"] {
                assert!(!address.contains(secret), "{address}");
            }
        }
        assert_eq!(
            Route::Confirm { label: V2.into() }.path(),
            "/app/confirm?pk=p1a2b3&sn=BD7K2M9Q4X"
        );
    }
}
