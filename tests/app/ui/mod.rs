//! Rendering the app without a window: a VirtualDom with the real [`bindery::App`], SSR for
//! what the user sees, and events fired into the DOM by element id.
//!
//! Which element an id belongs to is learnt the way a renderer learns it: [`Recorder`]
//! applies the mutations to a stack of template roots, so each id with a listener is known by
//! its tag and attributes (static ones from the template, dynamic ones from `SetAttribute`).
//! [`Ui::find`] picks the element whose description contains a marker and fails loudly when
//! none or several match.
#![allow(dead_code)]

use std::any::Any;
use std::rc::Rc;
use std::time::Duration;

use bindery::host::HostHandle;
use bindery::state::Model;
use bindery::{App, Boot};
use std::collections::HashMap;

use dioxus::dioxus_core::{
    AttributeValue, ElementId, Template, TemplateAttribute, TemplateNode, WriteMutations,
};
use dioxus::prelude::*;
use dioxus_html::{PlatformEventData, SerializedFormData, SerializedMouseData};

/// The longest a test waits for the app to reach a state.
pub const WAIT_LIMIT: Duration = Duration::from_secs(10);

pub struct Ui {
    pub dom: VirtualDom,
    host: HostHandle,
    recorder: Recorder,
}

/// An element as the mutations described it.
#[derive(Debug, Default, Clone)]
struct Element {
    tag: String,
    attrs: Vec<(String, String)>,
    listeners: Vec<String>,
}

impl Element {
    fn describe(&self) -> String {
        let mut out = self.tag.clone();
        for (name, value) in &self.attrs {
            out.push_str(&format!(" {name}=\"{value}\""));
        }
        out
    }
}

/// Follows the mutations far enough to know every element that has listeners.
#[derive(Default)]
struct Recorder {
    /// Nodes on the renderer's stack: a template root (template, root index) or another node.
    stack: Vec<Option<(Template, usize)>>,
    elements: HashMap<ElementId, Element>,
}

fn element_of(node: &TemplateNode) -> Element {
    match node {
        TemplateNode::Element { tag, attrs, .. } => Element {
            tag: tag.to_string(),
            attrs: attrs
                .iter()
                .filter_map(|a| match a {
                    TemplateAttribute::Static { name, value, .. } => {
                        Some((name.to_string(), value.to_string()))
                    }
                    _ => None,
                })
                .collect(),
            listeners: Vec::new(),
        },
        _ => Element::default(),
    }
}

impl Recorder {
    fn pop(&mut self, m: usize) {
        let keep = self.stack.len().saturating_sub(m);
        self.stack.truncate(keep);
    }
}

impl WriteMutations for Recorder {
    fn append_children(&mut self, _id: ElementId, m: usize) {
        self.pop(m);
    }
    fn assign_node_id(&mut self, path: &'static [u8], id: ElementId) {
        if let Some(Some((template, index))) = self.stack.last() {
            let mut node = &template.roots[*index];
            for step in path {
                match node {
                    TemplateNode::Element { children, .. } => node = &children[*step as usize],
                    _ => return,
                }
            }
            self.elements.insert(id, element_of(node));
        }
    }
    fn create_placeholder(&mut self, _id: ElementId) {
        self.stack.push(None);
    }
    fn create_text_node(&mut self, _value: &str, _id: ElementId) {
        self.stack.push(None);
    }
    fn load_template(&mut self, template: Template, index: usize, id: ElementId) {
        self.elements.insert(id, element_of(&template.roots[index]));
        self.stack.push(Some((template, index)));
    }
    fn replace_node_with(&mut self, _id: ElementId, m: usize) {
        self.pop(m);
    }
    fn replace_placeholder_with_nodes(&mut self, _path: &'static [u8], m: usize) {
        self.pop(m);
    }
    fn insert_nodes_after(&mut self, _id: ElementId, m: usize) {
        self.pop(m);
    }
    fn insert_nodes_before(&mut self, _id: ElementId, m: usize) {
        self.pop(m);
    }
    fn set_attribute(
        &mut self,
        name: &'static str,
        _ns: Option<&'static str>,
        value: &AttributeValue,
        id: ElementId,
    ) {
        let text = match value {
            AttributeValue::Text(t) => t.clone(),
            AttributeValue::Float(f) => f.to_string(),
            AttributeValue::Int(i) => i.to_string(),
            AttributeValue::Bool(b) => b.to_string(),
            _ => String::new(),
        };
        let element = self.elements.entry(id).or_default();
        element.attrs.retain(|(n, _)| n != name);
        element.attrs.push((name.to_owned(), text));
    }
    fn set_node_text(&mut self, _value: &str, _id: ElementId) {}
    fn create_event_listener(&mut self, name: &'static str, id: ElementId) {
        self.elements
            .entry(id)
            .or_default()
            .listeners
            .push(name.to_owned());
    }
    fn remove_event_listener(&mut self, name: &'static str, id: ElementId) {
        if let Some(e) = self.elements.get_mut(&id) {
            e.listeners.retain(|l| l != name);
        }
    }
    fn remove_node(&mut self, id: ElementId) {
        self.elements.remove(&id);
    }
    fn push_root(&mut self, _id: ElementId) {
        self.stack.push(None);
    }
}

impl Ui {
    pub fn new(model: Model) -> Ui {
        Ui::with_host(model, HostHandle::bare())
    }

    pub fn with_host(model: Model, host: HostHandle) -> Ui {
        Ui::booted(model, None, host)
    }

    /// The app as `main` starts it: the model, the action to run first (a restored session's
    /// refresh) and the host.
    pub fn booted(model: Model, first: Option<bindery::state::Action>, host: HostHandle) -> Ui {
        dioxus_html::set_event_converter(Box::new(dioxus_html::SerializedHtmlEventConverter));
        let boot = Boot::new(model, first, host.clone());
        let mut dom = VirtualDom::new(App).with_root_context(boot);
        let mut recorder = Recorder::default();
        dom.rebuild(&mut recorder);
        let mut ui = Ui {
            dom,
            host,
            recorder,
        };
        // Effects (the Scan screen's camera) run after the first render.
        ui.flush();
        ui
    }

    /// Renders what changed.
    pub fn flush(&mut self) {
        self.dom.render_immediate(&mut self.recorder);
    }

    /// The app's model.
    pub fn model(&self) -> Signal<Model> {
        self.dom
            .in_scope(ScopeId::APP, consume_context::<Signal<Model>>)
    }

    /// Lets the app finish what a change set off (effects, such as the address following the
    /// screen), then renders.
    pub async fn idle(&mut self) {
        for _ in 0..3 {
            let _ = tokio::time::timeout(Duration::from_millis(20), self.dom.wait_for_work()).await;
            self.flush();
        }
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

    /// Whether the page shows `text` (escaped as the renderer escapes it).
    pub fn shows(&self, text: &str) -> bool {
        self.html().contains(&escape(text))
    }

    /// What the user sees.
    pub fn html(&self) -> String {
        let html = dioxus_ssr::render(&self.dom);
        // The inlined stylesheet is not what the user reads.
        match (html.find("<style>"), html.find("</style>")) {
            (Some(a), Some(b)) => format!("{}{}", &html[..a], &html[b + "</style>".len()..]),
            _ => html,
        }
    }

    /// The id of the element listening to `event` whose tag and attributes contain
    /// `marker` (say `class="sign-out"`); exactly one must match.
    pub fn find(&self, event: &str, marker: &str) -> ElementId {
        let matches: Vec<(ElementId, String)> = self
            .recorder
            .elements
            .iter()
            .filter(|(_, e)| e.listeners.iter().any(|l| l == event))
            .map(|(id, e)| (*id, e.describe()))
            .filter(|(_, d)| d.contains(marker))
            .collect();
        match matches.as_slice() {
            [(id, _)] => *id,
            [] => {
                let all: Vec<String> = self
                    .recorder
                    .elements
                    .values()
                    .filter(|e| e.listeners.iter().any(|l| l == event))
                    .map(Element::describe)
                    .collect();
                panic!("no {event} listener on {marker:?}; there are {all:#?}")
            }
            several => panic!("several {event} listeners match {marker:?}: {several:#?}"),
        }
    }

    fn fire(&mut self, event: &str, id: ElementId, data: Box<dyn Any>, bubbles: bool) {
        let data: Rc<dyn Any> = Rc::new(PlatformEventData::new(data));
        self.dom
            .runtime()
            .handle_event(event, Event::new(data, bubbles), id);
        self.flush();
    }

    pub fn click(&mut self, marker: &str) {
        let id = self.find("click", marker);
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

    /// Lets the app's tasks and effects run until `done` holds for the model, rendering as
    /// they go; fails the test, saying what it waited for and what the screen shows, after
    /// [`WAIT_LIMIT`].
    pub async fn wait_until(&mut self, what: &str, done: impl Fn(&Model) -> bool) {
        let deadline = tokio::time::Instant::now() + WAIT_LIMIT;
        loop {
            self.flush();
            if self.dom.in_runtime(|| done(&self.model().read())) {
                return;
            }
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            if left.is_zero() {
                let state = self.dom.in_runtime(|| format!("{:?}", self.model().read()));
                panic!("waited {WAIT_LIMIT:?} for {what}: {state}\n{}", self.html());
            }
            let _ = tokio::time::timeout(left, self.dom.wait_for_work()).await;
        }
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
        let state = self.dom.in_runtime(|| format!("{:?}", self.model().read()));
        panic!("the app stayed busy: {state}\n{}", self.html());
    }
}

/// `text` as it appears in rendered HTML.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}
