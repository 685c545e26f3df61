//! The bundle's layout: what wasm-bindgen wrote goes into a folder named after the build
//! (`build-<hash of the wasm and its glue>`), and the page, the service worker and the
//! installable app's files (`assets/web/`) go next to it with that name written in.
//!
//! Why a folder per build: the page, the glue and the wasm of one build only work together,
//! and the service worker answers each request on its own when the network fails. With the
//! same file names in every build, a worker could hand out today's page with yesterday's wasm
//! just after a deploy. With the build in every URL the page names exactly its own files, the
//! worker keeps exactly one build's files, and a page can only ever load one build.

use std::path::{Path, PathBuf};

use crate::shell::Failure;

/// The page, the installable app's manifest and icons, and the service worker
/// (`assets/web/`): copied next to the build's folder, with the build written into the page
/// and the worker.
pub const SHELL_DIR: &str = "assets/web";

/// The app's stylesheet, inlined into the page so the prerendered screen looks like the
/// live one from the first paint.
const STYLESHEET: &str = "assets/bindery.css";

/// Under [`SHELL_DIR`]: the Sign-in screen as the app renders it, one file per language
/// (`sign-in.<lang>.html`), kept equal to the app's own rendering by the app's test
/// `prerender::the_prerendered_sign_in_is_what_the_app_renders`.
const PRERENDER_DIR: &str = "prerender";

/// What the page and the worker say where the build's folder name goes.
const BUILD_MARK: &str = "__BINDERY_BUILD__";
/// What the worker says where the list of the build's files goes.
const SHELL_MARK: &str = "__BINDERY_SHELL__";
/// What the page says where the stylesheet goes.
const STYLESHEET_MARK: &str = "/*__BINDERY_STYLESHEET__*/";
/// What the page says where the prerendered screens go.
const PRERENDER_MARK: &str = "<!--__BINDERY_PRERENDER__-->";

/// The prefix of a build's folder name.
const BUILD_PREFIX: &str = "build-";

/// The build's folder name: the prefix and a hash of everything the bundle is made from
/// (the app's and the scanner's wasm, their glue and the scanner's worker in `staged`, the
/// page, service worker, manifest, icons, prerendered screens and stylesheet under `root`),
/// so a change to any of them is a new build whose service worker replaces the installed
/// one.
pub fn build_name(root: &Path, staged: &Path) -> Result<String, Failure> {
    use std::hash::{Hash, Hasher};
    let shell_dir = root.join(SHELL_DIR);
    let mut shell = Vec::new();
    list_files(&shell_dir, &shell_dir, &mut shell)?;
    shell.sort();
    let mut built = Vec::new();
    list_files(staged, staged, &mut built)?;
    built.sort();
    // By name within the bundle's sources, so the same sources give the same name in any
    // checkout.
    let mut sources: Vec<(String, PathBuf)> = built
        .into_iter()
        .map(|f| (format!("build/{f}"), staged.join(f)))
        .collect();
    sources.push((STYLESHEET.to_owned(), root.join(STYLESHEET)));
    sources.extend(shell.into_iter().map(|f| (f.clone(), shell_dir.join(f))));
    let mut hash = std::collections::hash_map::DefaultHasher::new();
    for (name, path) in sources {
        name.hash(&mut hash);
        std::fs::read(&path)
            .map_err(|e| Failure::Io(path, e))?
            .hash(&mut hash);
    }
    Ok(format!("{BUILD_PREFIX}{:016x}", hash.finish()))
}

/// Moves the staged wasm-bindgen output to `out/<build>`, removing earlier builds' folders,
/// the unversioned files bundles had before there were build folders, and compressed copies.
pub fn place_build(staged: &Path, out: &Path, build: &str) -> Result<(), Failure> {
    let entries = std::fs::read_dir(out).map_err(|e| Failure::Io(out.to_owned(), e))?;
    for entry in entries {
        let path = entry.map_err(|e| Failure::Io(out.to_owned(), e))?.path();
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        let old_build = name.starts_with(BUILD_PREFIX) && path.is_dir();
        let unversioned = name.starts_with("bindery") || name == "snippets";
        // A release build's compressed copies would be served instead of a dev build's files.
        let compressed = name.ends_with(".br") || name.ends_with(".gz");
        if old_build || unversioned || compressed {
            remove(&path)?;
        }
    }
    let to = out.join(build);
    std::fs::rename(staged, &to).map_err(|e| Failure::Io(to, e))
}

fn remove(path: &Path) -> Result<(), Failure> {
    if path.is_dir() {
        std::fs::remove_dir_all(path)
    } else {
        std::fs::remove_file(path)
    }
    .map_err(|e| Failure::Io(path.to_owned(), e))
}

/// Writes the page, the worker, the manifest and the icons into `out`, next to the build's
/// folder `build`.
pub fn write_shell(root: &Path, out: &Path, build: &str) -> Result<(), Failure> {
    let shell = root.join(SHELL_DIR);
    let read = |path: PathBuf| std::fs::read_to_string(&path).map_err(|e| Failure::Io(path, e));
    let entries = std::fs::read_dir(&shell).map_err(|e| Failure::Io(shell.clone(), e))?;
    for entry in entries {
        let from = entry.map_err(|e| Failure::Io(shell.clone(), e))?.path();
        let Some(name) = from.file_name() else {
            continue;
        };
        if from.is_file() && name != "sw.js" && name != "index.html" {
            let to = out.join(name);
            std::fs::copy(&from, &to).map_err(|e| Failure::Io(to, e))?;
        }
    }

    let page = read(shell.join("index.html"))?
        .replace(STYLESHEET_MARK, read(root.join(STYLESHEET))?.trim_end())
        .replace(PRERENDER_MARK, &prerendered(&shell.join(PRERENDER_DIR))?)
        .replace(BUILD_MARK, build);
    let to = out.join("index.html");
    std::fs::write(&to, page).map_err(|e| Failure::Io(to, e))?;

    // The worker last: it lists every file now in `out` (the page as `/app/`).
    let mut files = Vec::new();
    list_files(out, out, &mut files)?;
    let urls = shell_urls(&files);
    let worker = read(shell.join("sw.js"))?
        .replace(BUILD_MARK, build)
        .replace(SHELL_MARK, &format!("[{}]", urls.join(", ")));
    let to = out.join("sw.js");
    std::fs::write(&to, worker).map_err(|e| Failure::Io(to, e))
}

/// The worker's list of the bundle's files (as quoted URLs): everything but the worker
/// itself and the compressed copies, which the browser never asks for by name.
fn shell_urls(files: &[String]) -> Vec<String> {
    let mut urls: Vec<String> = files
        .iter()
        .filter(|f| *f != "sw.js" && !f.ends_with(".br") && !f.ends_with(".gz"))
        .map(|f| match f.as_str() {
            "index.html" => "\"/app/\"".to_owned(),
            f => format!("\"/app/{f}\""),
        })
        .collect();
    urls.sort();
    urls
}

/// The prerendered screens as `<template id="bindery-prerender-<lang>">` elements, one per
/// `sign-in.<lang>.html` in `dir`, in name order.
fn prerendered(dir: &Path) -> Result<String, Failure> {
    let entries = std::fs::read_dir(dir).map_err(|e| Failure::Io(dir.to_owned(), e))?;
    let mut pages = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| Failure::Io(dir.to_owned(), e))?.path();
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        if let Some(lang) = name
            .strip_prefix("sign-in.")
            .and_then(|rest| rest.strip_suffix(".html"))
        {
            let html = std::fs::read_to_string(&path).map_err(|e| Failure::Io(path.clone(), e))?;
            pages.push(format!(
                "<template id=\"bindery-prerender-{lang}\">{}</template>",
                html.trim_end()
            ));
        }
    }
    if pages.is_empty() {
        return Err(Failure::Needs(format!(
            "{} has no sign-in.<lang>.html",
            dir.display()
        )));
    }
    pages.sort();
    Ok(pages.join("\n"))
}

/// The files under `dir`, as `/`-separated paths relative to `base`.
pub fn list_files(base: &Path, dir: &Path, files: &mut Vec<String>) -> Result<(), Failure> {
    let entries = std::fs::read_dir(dir).map_err(|e| Failure::Io(dir.to_owned(), e))?;
    for entry in entries {
        let path = entry.map_err(|e| Failure::Io(dir.to_owned(), e))?.path();
        if path.is_dir() {
            list_files(base, &path, files)?;
        } else if let Ok(relative) = path.strip_prefix(base) {
            let parts: Vec<String> = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            files.push(parts.join("/"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The name follows the wasm and every shell file, and nothing else (not the checkout's
    /// place).
    #[test]
    fn a_change_to_any_source_is_a_new_build_name() {
        let make = |page: &str, wasm: &str| {
            let root = tempfile::tempdir().unwrap();
            let shell = root.path().join(SHELL_DIR);
            std::fs::create_dir_all(shell.join(PRERENDER_DIR)).unwrap();
            std::fs::write(shell.join("index.html"), page).unwrap();
            std::fs::write(shell.join(PRERENDER_DIR).join("sign-in.en.html"), "<main/>").unwrap();
            std::fs::write(root.path().join(STYLESHEET), "body {}").unwrap();
            let staged = root.path().join("staged");
            std::fs::create_dir(&staged).unwrap();
            std::fs::write(staged.join("bindery_bg.wasm"), wasm).unwrap();
            std::fs::write(staged.join("bindery.js"), "glue").unwrap();
            build_name(root.path(), &staged).unwrap()
        };
        let first = make("<html>", "\0asm");
        assert!(first.starts_with(BUILD_PREFIX), "{first}");
        assert_eq!(make("<html>", "\0asm"), first);
        assert_ne!(make("<html lang=en>", "\0asm"), first);
        assert_ne!(make("<html>", "\0asm\x01"), first);
    }

    #[test]
    fn the_worker_lists_the_page_as_the_app_and_never_itself_or_compressed_copies() {
        let files = [
            "sw.js",
            "index.html",
            "index.html.br",
            "build-00ff/bindery_bg.wasm",
            "build-00ff/bindery_bg.wasm.gz",
            "icon-192.png",
        ]
        .map(String::from);
        assert_eq!(
            shell_urls(&files),
            [
                "\"/app/\"",
                "\"/app/build-00ff/bindery_bg.wasm\"",
                "\"/app/icon-192.png\""
            ]
        );
    }

    /// A new build replaces the last one's folder and the unversioned files of bundles from
    /// before build folders; the manifest and icons stay.
    #[test]
    fn placing_a_build_removes_the_earlier_ones() {
        let out = tempfile::tempdir().unwrap();
        for dir in ["build-old/snippets", "snippets", "staged/snippets"] {
            std::fs::create_dir_all(out.path().join(dir)).unwrap();
        }
        for file in [
            "bindery.js",
            "bindery_bg.wasm",
            "index.html.br",
            "icon-192.png",
            "staged/bindery.js",
        ] {
            std::fs::write(out.path().join(file), "x").unwrap();
        }
        place_build(&out.path().join("staged"), out.path(), "build-new").unwrap();
        let mut left = Vec::new();
        list_files(out.path(), out.path(), &mut left).unwrap();
        left.sort();
        assert_eq!(left, ["build-new/bindery.js", "icon-192.png"]);
    }
}
