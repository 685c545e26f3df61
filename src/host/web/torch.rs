//! A phone's torch, through the camera track's capabilities and constraints. Both calls are
//! looked up by name on the track, since not every browser has them (desktop browsers and
//! webcams offer no torch at all).

use js_sys::{Object, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::MediaStreamTrack;

/// Whether the camera's track offers a torch (`getCapabilities().torch`, which phone
/// browsers report for a back camera with a flash; desktop webcams have none).
pub(super) fn has_torch(track: &MediaStreamTrack) -> bool {
    Reflect::get(track, &"getCapabilities".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .and_then(|get| get.call0(track).ok())
        .and_then(|capabilities| Reflect::get(&capabilities, &"torch".into()).ok())
        .and_then(|torch| torch.as_bool())
        .unwrap_or(false)
}

/// Turns the track's torch on or off (`applyConstraints({advanced: [{torch}]})`); a refusal
/// is logged, and the screen's switch stays where the user put it.
pub(super) fn switch_torch(track: &MediaStreamTrack, on: bool) {
    let torch = Object::new();
    let _ = Reflect::set(&torch, &"torch".into(), &JsValue::from_bool(on));
    let constraints = Object::new();
    let _ = Reflect::set(
        &constraints,
        &"advanced".into(),
        &js_sys::Array::of1(&torch),
    );
    let applied = Reflect::get(track, &"applyConstraints".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .and_then(|apply| apply.call1(track, &constraints).ok())
        .and_then(|promise| promise.dyn_into::<Promise>().ok());
    if let Some(applied) = applied {
        wasm_bindgen_futures::spawn_local(async move {
            if let Err(error) = JsFuture::from(applied).await {
                web_sys::console::warn_2(&"bindery: the camera refused the torch".into(), &error);
            }
        });
    }
}
