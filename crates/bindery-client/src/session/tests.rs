//! The stores that need no keyring, each through the same round trip: one session per
//! cloud, a trailing `/` naming the same cloud, signing out always possible.

use super::*;

fn session(cloud: &str, token: &str) -> StoredSession {
    StoredSession {
        cloud: cloud.to_owned(),
        token: token.to_owned(),
        uid: "u1".to_owned(),
        email: "a@example.com".to_owned(),
        expires_at: "2030-01-01T00:00:00Z".to_owned(),
    }
}

fn round_trip(store: &SessionStore) {
    assert_eq!(store.load("http://a.test").unwrap(), None);
    store.save(&session("http://a.test/", "t1")).unwrap();
    store.save(&session("http://b.test", "t2")).unwrap();
    assert_eq!(
        store.load("http://a.test").unwrap(),
        Some(session("http://a.test", "t1")),
        "a trailing slash names the same cloud"
    );
    store.save(&session("http://a.test", "t3")).unwrap();
    assert_eq!(store.load("http://a.test").unwrap().unwrap().token, "t3");
    store.clear("http://a.test").unwrap();
    assert_eq!(store.load("http://a.test").unwrap(), None);
    assert_eq!(store.load("http://b.test").unwrap().unwrap().token, "t2");
    store.clear("http://a.test").unwrap();
}

#[test]
fn memory_store_keeps_one_session_per_cloud() {
    round_trip(&SessionStore::memory());
}

#[test]
fn file_store_keeps_sessions_in_a_private_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/session.json");
    let store = SessionStore::file(path.clone());
    round_trip(&store);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "only the owner may read the token");
    }
    // A second store on the same file (the next run) sees what the first kept.
    let again = SessionStore::file(path);
    assert_eq!(again.load("http://b.test").unwrap().unwrap().token, "t2");
}

#[test]
fn a_damaged_file_is_reported_and_sign_out_still_works() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("session.json");
    std::fs::write(&path, b"{not json").unwrap();
    let store = SessionStore::file(path.clone());
    assert!(matches!(
        store.load("http://a.test"),
        Err(SessionError::Damaged { .. })
    ));
    store.clear("http://a.test").unwrap();
    assert_eq!(store.load("http://a.test").unwrap(), None);
    store.save(&session("http://a.test", "t1")).unwrap();
    assert_eq!(store.load("http://a.test").unwrap().unwrap().token, "t1");
}

#[test]
fn an_unwritable_file_is_a_typed_error() {
    let dir = tempfile::tempdir().unwrap();
    // A directory where the file should be: nothing can be written there.
    let path = dir.path().join("session.json");
    std::fs::create_dir(&path).unwrap();
    let store = SessionStore::file(path.clone());
    let err = store.save(&session("http://a.test", "t1")).unwrap_err();
    assert!(
        matches!(&err, SessionError::File { path: p, .. } if p == &path.display().to_string()),
        "{err:?}"
    );
}
