//! HTTP tests of API v1 against a real listener on 127.0.0.1, each on a fresh SQLite file and
//! again on a fresh PostgreSQL database (see `common::pg` for the convention).

mod common;

mod accounts;
mod adopted_labels;
mod bindings;
mod developer;
mod gizwits;
mod hardening;
mod hostile;
mod identity;
mod import_files;
mod label_forms;
mod links;
mod misc;
mod orgs;
mod pairs;
mod revocation;
mod staged_import;
mod support;
mod tls;
mod web;
