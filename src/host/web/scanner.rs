//! The scanner, loaded when the app first scans: a Web Worker running the decoder module
//! that `cargo xtask web` builds apart from the app (`crates/bindery-scan-web`, its worker
//! script `js/worker.js`). The app's own wasm does not link the decoder at all, so the
//! Sign-in screen a phone waits for weighs and compiles less; and decoding in a worker never
//! holds up the page's thread (the preview, taps, the screens).
//!
//! One worker for the visit, started when the Scan screen opens its camera (so its module
//! loads while the camera starts) or on the first request ("Open image…"). Each request
//! carries an id its answer repeats. When the worker cannot load (no network and its files
//! not kept offline) or its decoder panics (which on wasm ends the instance), every request
//! still waiting gets that answer, and the next request starts a fresh worker.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use futures_channel::oneshot;
use js_sys::{Array, Object, Reflect};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Event, MessageEvent, Worker, WorkerOptions, WorkerType};

/// The worker script's name in the build's folder (`xtask/src/web`).
const WORKER_SCRIPT: &str = "scanner-worker.js";

/// Why the scanner gave no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum ScannerError {
    /// The scanner could not be loaded; the text says why, as the browser put it.
    Unavailable(String),
    /// The decoder panicked on this input; a new worker takes the next request.
    Crashed(String),
}

type Waiting = Rc<RefCell<HashMap<u32, oneshot::Sender<Result<Object, ScannerError>>>>>;

/// The running worker and the requests waiting for its answers.
struct Scanner {
    worker: Worker,
    waiting: Waiting,
    next_id: Cell<u32>,
    /// Set by the worker's handlers when it can answer no more; the next request replaces
    /// it (not the handlers themselves: they belong to it).
    broken: Rc<Cell<bool>>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(Event)>,
}

impl Drop for Scanner {
    fn drop(&mut self) {
        self.worker.terminate();
    }
}

thread_local! {
    static SCANNER: RefCell<Option<Rc<Scanner>>> = const { RefCell::new(None) };
}

/// Sends `message` (an object with a `kind`; see the worker script) to the scanner, handing
/// over `transfer` (an `ArrayBuffer` the message holds: given, not copied), and waits for
/// the answer.
pub(super) async fn ask(
    message: &Object,
    transfer: Option<&JsValue>,
) -> Result<Object, ScannerError> {
    let scanner = scanner()?;
    let id = scanner.next_id.get();
    scanner.next_id.set(id.wrapping_add(1));
    let _ = Reflect::set(message, &"id".into(), &id.into());
    let (answer, answered) = oneshot::channel();
    scanner.waiting.borrow_mut().insert(id, answer);
    let sent = match transfer {
        Some(buffer) => scanner
            .worker
            .post_message_with_transfer(message, &Array::of1(buffer)),
        None => scanner.worker.post_message(message),
    };
    if let Err(error) = sent {
        scanner.waiting.borrow_mut().remove(&id);
        return Err(ScannerError::Unavailable(describe(&error)));
    }
    drop(scanner);
    // A dropped sender: the worker was replaced while this waited.
    answered
        .await
        .unwrap_or_else(|_| Err(ScannerError::Unavailable("the scanner stopped".to_owned())))
}

/// Starts the worker now, if it is not running, so that its module loads while the caller
/// waits for something else (the camera); the first request then finds it ready. A worker
/// that cannot start is left for that request to report.
pub(super) fn warm_up() {
    let _ = scanner();
}

/// The running scanner, started (or started again after it broke) when needed.
fn scanner() -> Result<Rc<Scanner>, ScannerError> {
    SCANNER.with(|slot| {
        let mut slot = slot.borrow_mut();
        if let Some(scanner) = slot.as_ref().filter(|s| !s.broken.get()) {
            return Ok(scanner.clone());
        }
        // The broken one (if any) goes first: its worker is ended and whoever still waited
        // on it hears so.
        slot.take();
        let scanner = Rc::new(start()?);
        *slot = Some(scanner.clone());
        Ok(scanner)
    })
}

/// Starts the worker of this page's build.
fn start() -> Result<Scanner, ScannerError> {
    let url = worker_url().ok_or_else(|| {
        ScannerError::Unavailable("this page names no build of the app".to_owned())
    })?;
    let options = WorkerOptions::new();
    options.set_type(WorkerType::Module);
    let worker = Worker::new_with_options(&url, &options)
        .map_err(|error| ScannerError::Unavailable(describe(&error)))?;
    let waiting: Waiting = Rc::default();
    let broken = Rc::new(Cell::new(false));

    let on_message = {
        let (waiting, broken) = (waiting.clone(), broken.clone());
        Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let Ok(answer) = event.data().dyn_into::<Object>() else {
                return;
            };
            let field = |name: &str| {
                Reflect::get(&answer, &name.into())
                    .ok()
                    .filter(|v| !v.is_undefined())
            };
            let id = field("id").and_then(|id| id.as_f64()).map(|id| id as u32);
            let text = |value: JsValue| value.as_string().unwrap_or_default();
            let outcome = if let Some(why) = field("failed") {
                Err(ScannerError::Unavailable(text(why)))
            } else if let Some(why) = field("crashed") {
                Err(ScannerError::Crashed(text(why)))
            } else {
                Ok(answer.clone())
            };
            let asker = id.and_then(|id| waiting.borrow_mut().remove(&id));
            if let Err(error) = &outcome {
                // The worker is done (a failed load never recovers; a crash closes it):
                // everyone else waiting hears the same.
                broken.set(true);
                for (_, sender) in waiting.borrow_mut().drain() {
                    let _ = sender.send(Err(error.clone()));
                }
            }
            if let Some(sender) = asker {
                let _ = sender.send(outcome);
            }
        })
    };
    let on_error = {
        let (waiting, broken) = (waiting.clone(), broken.clone());
        Closure::<dyn FnMut(Event)>::new(move |event: Event| {
            // A script that failed to load gives a bare event; an error thrown in the
            // worker gives its message.
            let detail = Reflect::get(&event, &"message".into())
                .ok()
                .and_then(|m| m.as_string())
                .filter(|m| !m.is_empty())
                .unwrap_or_else(|| "its files did not arrive".to_owned());
            broken.set(true);
            for (_, sender) in waiting.borrow_mut().drain() {
                let _ = sender.send(Err(ScannerError::Unavailable(detail.clone())));
            }
        })
    };
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    Ok(Scanner {
        worker,
        waiting,
        next_id: Cell::new(0),
        broken,
        _on_message: on_message,
        _on_error: on_error,
    })
}

/// `/app/<build>/scanner-worker.js`, the build named by the page's
/// `<meta name="bindery-build">` (written by `cargo xtask web`), so the worker is always of
/// the same build as the app.
fn worker_url() -> Option<String> {
    let build = web_sys::window()?
        .document()?
        .query_selector("meta[name=\"bindery-build\"]")
        .ok()??
        .get_attribute("content")?;
    (build.starts_with("build-") && !build.contains('/'))
        .then(|| format!("/app/{build}/{WORKER_SCRIPT}"))
}

/// A thrown JavaScript value in words.
fn describe(error: &JsValue) -> String {
    error
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| error.as_string())
        .unwrap_or_else(|| "the browser refused to start it".to_owned())
}
