//! Rendering the app without a window: a VirtualDom with the real [`bindery::App`], SSR for
//! what the user sees, and events fired into the DOM by element id.
//!
//! Element ids come from the `NewEventListener` mutations of the first render; which element
//! an id belongs to is read from the pre-rendered HTML, whose hydration markers list the
//! elements with listeners in the same (document) order. [`Ui::find`] asserts both lists
//! have the same length, so a mismatch fails loudly instead of clicking the wrong button.

#![allow(dead_code)]

use std::any::Any;
use std::rc::Rc;
use std::time::Duration;

use bindery::host::HostHandle;
use bindery::state::Model;
use bindery::{App, Boot};
use dioxus::dioxus_core::{ElementId, Mutation};
use dioxus::prelude::*;
use dioxus_html::{PlatformEventData, SerializedFormData, SerializedMouseData};

pub struct Ui {
    pub dom: VirtualDom,
    host: HostHandle,
    /// (event name, element id) in the order the first render created them.
    listeners: Vec<(String, ElementId)>,
}

impl Ui {
    pub fn new(model: Model) -> Ui {
        Ui::with_host(model, HostHandle::bare())
    }

    pub fn with_host(model: Model, host: HostHandle) -> Ui {
        dioxus_html::set_event_converter(Box::new(dioxus_html::SerializedHtmlEventConverter));
        let boot = Boot::new(model, None, host.clone());
        let mut dom = VirtualDom::new(App).with_root_context(boot);
        let mutations = dom.rebuild_to_vec();
        let mut ui = Ui {
            dom,
            host,
            listeners: Vec::new(),
        };
        ui.track(mutations.edits);
        // Effects (the Scan screen's camera) run after the first render.
        ui.flush();
        ui
    }

    fn track(&mut self, edits: Vec<Mutation>) {
        for edit in edits {
            if let Mutation::NewEventListener { name, id } = edit {
                self.listeners.push((name, id));
            }
        }
    }

    /// Renders what changed.
    pub fn flush(&mut self) {
        let mutations = self.dom.render_immediate_to_vec();
        self.track(mutations.edits);
    }

    /// The app's model.
    pub fn model(&self) -> Signal<Model> {
        self.dom
            .in_scope(ScopeId::APP, || consume_context::<Signal<Model>>())
    }

    /// Changes the model as the app would, then renders.
    pub fn update(&mut self, f: impl FnOnce(&mut Model)) {
        let mut model = self.model();
        self.dom.in_runtime(|| f(&mut model.write()));
        self.flush();
    }

    /// A fresh render of the current model (fresh element ids), as after a screen change.
    pub fn remount(self) -> Ui {
        let model = self.dom.in_runtime(|| self.model().read().clone());
        Ui::with_host(model, self.host.clone())
    }

    /// What the user sees.
    pub fn html(&self) -> String {
        dioxus_ssr::render(&self.dom)
    }

    /// The id of the element whose opening tag contains `marker` (a class, say) and that
    /// listens to `event`.
    pub fn find(&self, event: &str, marker: &str) -> ElementId {
        self.find_nth(event, marker, 0)
    }

    /// Like [`Ui::find`], for the `n`-th (0-based) such element.
    pub fn find_nth(&self, event: &str, marker: &str, n: usize) -> ElementId {
        let html = dioxus_ssr::pre_render(&self.dom);
        let mut with_listener = Vec::new();
        for tag in html.split('<').skip(1) {
            let open = tag.split('>').next().unwrap_or_default();
            if let Some(h) = open.split("data-node-hydration=\"").nth(1) {
                let h = h.split('"').next().unwrap_or_default();
                if h.split(',')
                    .skip(1)
                    .any(|l| l.starts_with(&format!("{event}:")))
                {
                    with_listener.push(open.to_owned());
                }
            }
        }
        let ids: Vec<ElementId> = self
            .listeners
            .iter()
            .filter(|(name, _)| name == event)
            .map(|(_, id)| *id)
            .collect();
        assert_eq!(
            with_listener.len(),
            ids.len(),
            "{event} listeners in the page and in the mutations differ; remount first\n{with_listener:#?}"
        );
        let index = with_listener
            .iter()
            .enumerate()
            .filter(|(_, open)| open.contains(marker))
            .map(|(i, _)| i)
            .nth(n)
            .unwrap_or_else(|| {
                panic!("no {event} listener #{n} on {marker:?} in {with_listener:#?}")
            });
        ids[index]
    }

    fn fire(&mut self, event: &str, id: ElementId, data: Box<dyn Any>, bubbles: bool) {
        let data: Rc<dyn Any> = Rc::new(PlatformEventData::new(data));
        self.dom
            .runtime()
            .handle_event(event, Event::new(data, bubbles), id);
        self.flush();
    }

    pub fn click(&mut self, marker: &str) {
        self.click_nth(marker, 0);
    }

    pub fn click_nth(&mut self, marker: &str, n: usize) {
        let id = self.find_nth("click", marker, n);
        self.fire("click", id, Box::new(SerializedMouseData::default()), true);
    }

    pub fn input(&mut self, marker: &str, value: &str) {
        let id = self.find("input", marker);
        let data = SerializedFormData::new(value.to_owned(), vec![]);
        self.fire("input", id, Box::new(data), true);
    }

    pub fn submit(&mut self, marker: &str) {
        let id = self.find("submit", marker);
        let data = SerializedFormData::new(String::new(), vec![]);
        self.fire("submit", id, Box::new(data), true);
    }

    /// Lets the app's tasks (cloud calls) finish, rendering as they go.
    pub async fn settle(&mut self) {
        for _ in 0..200 {
            let busy = self.dom.in_runtime(|| self.model().read().busy.is_some());
            if !busy {
                self.flush();
                return;
            }
            let _ = tokio::time::timeout(Duration::from_millis(50), self.dom.wait_for_work()).await;
            self.flush();
        }
        panic!("the app stayed busy");
    }
}
