//! The web app's addresses: every screen has one (`/app/`, `/app/scan`, `/app/confirm?…`,
//! `/app/devices/<did>`, `/app/settings`, `/app/sign-in`, `/app/sign-up`,
//! `/app/enter-code`), so the browser's Back and Forward, the phone's Back gesture and a
//! reload do what the user expects, and a printed URL label (`/b?pk=…`, which the cloud sends
//! on to `/app/confirm?pk=…`) opens Confirm.
//!
//! The model stays the flow's one source of truth (the tests drive it without a browser): the
//! address is a view of it, written by the host after each change ([`Model::route`]), and an
//! address the user goes to is turned back into navigation ([`Model::open`]). That is why
//! this is a small mapping rather than Dioxus's router, which would make the address the
//! state and leave the model beside it.

use bindery_core::qr::{format_bindery_v2, format_quectel_v1};
use bindery_core::{parse_qr, BindCode, ProductKey, QrKind, Sn};

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
    /// `/app/confirm?pk=…&sn=…[&bc=…]` for the Bindery, Quectel and URL forms, or
    /// `/app/confirm?label=…` with any other label's exact text.
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
    /// The route of `path` (`/app/…`) and its `query` (without `?`); `None` for an address
    /// outside the app or one it does not know (the app then shows where the model is).
    pub fn parse(path: &str, query: &str) -> Option<Route> {
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
                label: label_of_query(query)?,
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
            Route::Confirm { label } => format!("{APP_PREFIX}/confirm?{}", query_of_label(label)),
        }
    }

    /// Whether the route is one of the sign-in forms, which never stay in the history: after
    /// signing in, Back must not lead to a signed-out screen.
    pub fn is_sign_in(&self) -> bool {
        matches!(self, Route::SignIn | Route::SignUp)
    }
}

/// The label a Confirm address carries: `label=` as is, or the fields of the URL form.
fn label_of_query(query: &str) -> Option<String> {
    let mut fields = std::collections::HashMap::new();
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        fields
            .entry(name.into_owned())
            .or_insert(value.into_owned());
    }
    if let Some(label) = fields.get("label").filter(|l| !l.trim().is_empty()) {
        return Some(label.clone());
    }
    let pk = ProductKey::parse(fields.get("pk")?).ok()?;
    let sn = Sn::parse(fields.get("sn")?).ok()?;
    Some(match fields.get("bc") {
        Some(bc) => format_bindery_v2(&pk, &sn, &BindCode::parse(bc).ok()?),
        None => format_quectel_v1(&pk, &sn),
    })
}

/// A Confirm address's query for `label`: the fields when the label is one of Bindery's own
/// forms (short, readable, the form `/b` sends on), otherwise the text itself.
fn query_of_label(label: &str) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    match parse_qr(label) {
        Ok(payload)
            if matches!(
                payload.kind(),
                QrKind::BinderyV2 | QrKind::QuectelV1 | QrKind::Url
            ) =>
        {
            if let (Some(pk), Some(sn)) = (payload.product_key(), payload.sn()) {
                query.append_pair("pk", pk.as_str());
                query.append_pair("sn", sn.as_str());
                if let Some(bc) = payload.bind_code() {
                    query.append_pair("bc", bc.as_str());
                }
            } else {
                query.append_pair("label", label);
            }
        }
        _ => {
            query.append_pair("label", label);
        }
    }
    query.finish()
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

    /// One line a case: the address, and the route it names (`None`: not the app's).
    #[test]
    fn addresses_and_their_routes() {
        let v2 = "pk=p1a2b3&sn=BD7K2M9Q4X&v=2&bc=7Q4XK2M9PD";
        let cases: &[(&str, &str, Option<Route>)] = &[
            ("/app/", "", Some(Route::Home)),
            ("/app", "", Some(Route::Home)),
            ("/app/scan", "", Some(Route::Scan)),
            ("/app/scan/", "", Some(Route::Scan)),
            ("/app/sign-in", "", Some(Route::SignIn)),
            ("/app/sign-up", "", Some(Route::SignUp)),
            ("/app/enter-code", "", Some(Route::EnterCode)),
            ("/app/settings", "", Some(Route::Settings)),
            (
                "/app/devices/d_0123abcd",
                "",
                Some(Route::Device {
                    did: "d_0123abcd".into(),
                }),
            ),
            (
                "/app/confirm",
                "pk=p1a2b3&sn=BD7K2M9Q4X&bc=7Q4XK2M9PD",
                Some(Route::Confirm { label: v2.into() }),
            ),
            // The order and case of a printed URL label's fields do not matter to `/b`; here
            // the cloud has already sent them on as they were.
            (
                "/app/confirm",
                "sn=BD7K2M9Q4X&pk=p1a2b3&bc=7Q4XK2M9PD",
                Some(Route::Confirm { label: v2.into() }),
            ),
            (
                "/app/confirm",
                "pk=p1a2b3&sn=VDR7098612099028",
                Some(Route::Confirm {
                    label: "pk=p1a2b3&sn=VDR7098612099028&v=1".into(),
                }),
            ),
            (
                "/app/confirm",
                "label=product_key%3Dp1a2b3%26did%3Dabc%26passcode%3DXYZ",
                Some(Route::Confirm {
                    label: "product_key=p1a2b3&did=abc&passcode=XYZ".into(),
                }),
            ),
            (
                "/app/confirm",
                "label=GW%20opaque+text",
                Some(Route::Confirm {
                    label: "GW opaque text".into(),
                }),
            ),
            ("/app/confirm", "", None),
            ("/app/confirm", "pk=p1a2b3", None),
            ("/app/confirm", "pk=p1a2b3&sn=BD7K2M9Q4X&bc=bad", None),
            ("/app/devices/", "", None),
            ("/app/devices/d_1/x", "", None),
            ("/app/nowhere", "", None),
            ("/", "", None),
            ("/b", "pk=p1a2b3&sn=BD7K2M9Q4X", None),
        ];
        for (path, query, expected) in cases {
            assert_eq!(&Route::parse(path, query), expected, "{path}?{query}");
        }
    }

    #[test]
    fn every_route_reads_back_from_its_own_address() {
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
            Route::Confirm {
                label: "pk=p1a2b3&sn=BD7K2M9Q4X&v=2&bc=7Q4XK2M9PD".into(),
            },
            Route::Confirm {
                label: "pk=p1a2b3&sn=VDR7098612099028&v=1".into(),
            },
            Route::Confirm {
                label: "product_key=p1a2b3&did=9jQ7&passcode=XAVB".into(),
            },
            Route::Confirm {
                label: "Gizwits opaque label ∑ & = ? #".into(),
            },
        ];
        for route in routes {
            let address = route.path();
            let (path, query) = address.split_once('?').unwrap_or((&address, ""));
            assert_eq!(Route::parse(path, query), Some(route.clone()), "{address}");
        }
        assert_eq!(
            Route::Confirm {
                label: "pk=p1a2b3&sn=BD7K2M9Q4X&v=2&bc=7Q4XK2M9PD".into()
            }
            .path(),
            "/app/confirm?pk=p1a2b3&sn=BD7K2M9Q4X&bc=7Q4XK2M9PD"
        );
    }
}
