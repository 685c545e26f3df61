//! Pairs kept in a file when the station has no cloud: the DeviceKey↔SN import file, in the
//! template's columns (`bindery_core::api::IMPORT_TEMPLATE_HEADER`), so the day's file is
//! uploaded as it is (Developer Center import, or `bindery-cloud import`). One line is
//! appended and flushed per pair, so a station switched off loses nothing it signalled.
//!
//! The file is also the station's memory without a cloud: the pairs already in it are read at
//! start, and the checks the cloud would make (the SN paired with another module, the module
//! with another device) are made against them.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use bindery_core::api::IMPORT_TEMPLATE_HEADER;
use bindery_core::{DeviceKey, ProductKey, Sn};

use super::station::Verdict;

/// Why the offline file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum OfflineError {
    /// It could not be opened, read or written.
    #[error("the offline file {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What failed.
        #[source]
        source: std::io::Error,
    },
    /// Its first line is not the import template's header.
    #[error("the offline file {path} does not start with the import template's header ({expected}); give a new file or one this station wrote")]
    NotAnImportFile {
        /// The file.
        path: PathBuf,
        /// The header expected.
        expected: String,
    },
}

/// The offline import file, open for appending.
#[derive(Debug)]
pub struct OfflineFile {
    path: PathBuf,
    file: File,
    by_sn: HashMap<String, String>,
    by_key: HashMap<String, String>,
}

impl OfflineFile {
    /// Opens (or creates, with the header) `path` and reads the pairs already in it.
    pub fn open(path: &Path) -> Result<OfflineFile, OfflineError> {
        let io = |source| OfflineError::Io {
            path: path.to_owned(),
            source,
        };
        let header = IMPORT_TEMPLATE_HEADER.join(",");
        let mut by_sn = HashMap::new();
        let mut by_key = HashMap::new();
        let existing = match File::open(path) {
            Ok(f) => Some(f),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(io(e)),
        };
        let mut empty = true;
        if let Some(f) = existing {
            let mut lines = BufReader::new(f).lines();
            if let Some(first) = lines.next() {
                let first = first.map_err(io)?;
                empty = false;
                if first.trim_start_matches('\u{feff}').trim_end() != header {
                    return Err(OfflineError::NotAnImportFile {
                        path: path.to_owned(),
                        expected: header,
                    });
                }
            }
            for line in lines {
                let line = line.map_err(io)?;
                let cells: Vec<&str> = line.split(',').collect();
                if let [key, _pk, sn, ..] = cells.as_slice() {
                    by_sn.insert(sn.to_string(), key.to_string());
                    by_key.insert(key.to_string(), sn.to_string());
                }
            }
        }
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(io)?;
        if empty {
            writeln!(file, "{header}").map_err(io)?;
            file.flush().map_err(io)?;
        }
        Ok(OfflineFile {
            path: path.to_owned(),
            file,
            by_sn,
            by_key,
        })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// How many pairs the file holds.
    pub fn len(&self) -> usize {
        self.by_sn.len()
    }

    /// Records the pair, with the checks the cloud would make against the file's pairs: the
    /// verdict and why.
    pub fn record(
        &mut self,
        product_key: &ProductKey,
        sn: &Sn,
        device_key: &DeviceKey,
    ) -> Result<(Verdict, String), OfflineError> {
        let key = device_key.as_str();
        match (self.by_sn.get(sn.as_str()), self.by_key.get(key)) {
            (Some(k), _) if k == key => {
                return Ok((Verdict::AlreadyPaired, "already in the offline file".into()))
            }
            (Some(other), _) => {
                return Ok((
                    Verdict::Conflict,
                    format!("SN {sn} is paired with DeviceKey {other} in the offline file"),
                ))
            }
            (None, Some(other_sn)) => {
                return Ok((
                    Verdict::Conflict,
                    format!("DeviceKey {key} is paired with SN {other_sn} in the offline file"),
                ))
            }
            (None, None) => {}
        }
        let line = format!("{key},{product_key},{sn},,,,\n");
        let io = |source| OfflineError::Io {
            path: self.path.clone(),
            source,
        };
        self.file.write_all(line.as_bytes()).map_err(io)?;
        self.file.flush().map_err(io)?;
        self.by_sn.insert(sn.to_string(), key.to_owned());
        self.by_key.insert(key.to_owned(), sn.to_string());
        Ok((
            Verdict::Paired,
            format!(
                "written to {} (upload it as an import)",
                self.path.display()
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_are_appended_in_the_template_and_checked_against_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pairs.csv");
        let pk = ProductKey::parse("plug01").unwrap();
        let sn = |s: &str| Sn::parse(s).unwrap();
        let key = |k: &str| DeviceKey::parse(k).unwrap();
        let mut file = OfflineFile::open(&path).unwrap();
        // (case, SN, key, verdict)
        let steps = [
            (
                "a new pair",
                "SNAAAAAAAA",
                "490154203237518",
                Verdict::Paired,
            ),
            (
                "the same again",
                "SNAAAAAAAA",
                "490154203237518",
                Verdict::AlreadyPaired,
            ),
            (
                "another key for the SN",
                "SNAAAAAAAA",
                "356938035643809",
                Verdict::Conflict,
            ),
            (
                "the key on another SN",
                "SNBBBBBBBB",
                "490154203237518",
                Verdict::Conflict,
            ),
            ("a MAC", "SNBBBBBBBB", "A4-CF-12-00-00-01", Verdict::Paired),
        ];
        for (case, s, k, verdict) in steps {
            assert_eq!(
                file.record(&pk, &sn(s), &key(k)).unwrap().0,
                verdict,
                "{case}"
            );
        }
        drop(file);
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            text,
            format!(
                "{}\n490154203237518,plug01,SNAAAAAAAA,,,,\na4cf12000001,plug01,SNBBBBBBBB,,,,\n",
                IMPORT_TEMPLATE_HEADER.join(",")
            )
        );
        // Opened again, the file remembers its pairs and adds to them.
        let mut again = OfflineFile::open(&path).unwrap();
        assert_eq!(again.len(), 2);
        let (verdict, _) = again
            .record(&pk, &sn("SNAAAAAAAA"), &key("490154203237518"))
            .unwrap();
        assert_eq!(verdict, Verdict::AlreadyPaired);
    }

    #[test]
    fn a_file_of_something_else_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notes.csv");
        std::fs::write(&path, "name,phone\nann,123\n").unwrap();
        match OfflineFile::open(&path) {
            Err(OfflineError::NotAnImportFile { path: p, .. }) => assert_eq!(p, path),
            other => panic!("{other:?}"),
        }
        // Untouched.
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "name,phone\nann,123\n"
        );
    }
}
