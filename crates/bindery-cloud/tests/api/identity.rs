//! A device's `did` names the device, not the binding: the same for every owner and every
//! bind (as Gizwits' did does), and a device bound before that rule keeps the did its owner
//! already has; so does a device made while SNs were unique across the cloud, whose did was
//! derived from its SN alone.

use bindery_core::{ProductKey, Sn};
use serde_json::json;

use crate::both_backends;
use crate::common::{Auth, TestServer};

both_backends!(
    a_devices_did_stays_the_same_across_owners,
    a_device_bound_before_stable_dids_keeps_its_did,
    a_device_older_than_per_product_sns_keeps_its_derived_did,
);

async fn a_devices_did_stays_the_same_across_owners(s: TestServer) {
    let key = s.key("maker", false).await;
    s.product(&key, "did001", "bind_code_required").await;
    let labels = s.devices(&key, "did001", 2).await;
    let ann = s.user("ann@example.com").await;
    let bob = s.user("bob@example.com").await;
    let bind = |token: String, qr: String| {
        let s = &s;
        async move {
            s.post(
                "/v1/bindings",
                Auth::Bearer(&token),
                json!({"qr_content": qr, "name": "Heater"}),
            )
            .await
        }
    };

    let first = bind(ann.clone(), labels[0].qr_content.clone()).await;
    let did = first.assert_status(201)["device"]["did"]
        .as_str()
        .unwrap()
        .to_owned();
    let expected = Sn::parse(&labels[0].sn)
        .unwrap()
        .did(&ProductKey::parse("did001").unwrap(), &s.state.secret);
    assert_eq!(did, expected);
    // A retry, the list and the other device.
    let again = bind(ann.clone(), labels[0].qr_content.clone()).await;
    assert_eq!(again.assert_status(200)["device"]["did"], did.as_str());
    let other = bind(ann.clone(), labels[1].qr_content.clone()).await;
    assert_ne!(other.assert_status(201)["device"]["did"], did.as_str());

    // Ann gives it away; Bob binds it and it is the same device.
    s.delete(&format!("/v1/bindings/{did}"), Auth::Bearer(&ann))
        .await
        .assert_status(204);
    let bobs = bind(bob.clone(), labels[0].qr_content.clone()).await;
    assert_eq!(bobs.assert_status(201)["device"]["did"], did.as_str());
    // Ann's old did is Bob's now: to Ann it is not found, exactly as before.
    s.patch(
        &format!("/v1/bindings/{did}"),
        Auth::Bearer(&ann),
        json!({"name": "Mine"}),
    )
    .await
    .assert_error(404, "not_found");
    s.patch(
        &format!("/v1/bindings/{did}"),
        Auth::Bearer(&bob),
        json!({"name": "Bob's heater"}),
    )
    .await
    .assert_status(200);
    let list = s.get("/v1/bindings", Auth::Bearer(&bob)).await;
    assert_eq!(list.assert_status(200)["devices"][0]["did"], did.as_str());
    // Bindings have their own ids, distinct per bind.
    let ids: Vec<String> =
        sqlx::query_scalar("SELECT binding_id FROM bindings ORDER BY bound_at, binding_id")
            .fetch_all(&s.state.db)
            .await
            .unwrap();
    assert_eq!(ids.len(), 2, "{ids:?}");
    assert!(ids.iter().all(|id| id.starts_with("bnd_")), "{ids:?}");
}

async fn a_device_bound_before_stable_dids_keeps_its_did(s: TestServer) {
    let key = s.key("maker", false).await;
    s.product(&key, "did002", "bind_code_required").await;
    let labels = s.devices(&key, "did002", 1).await;
    // What the migration leaves for a device that was bound with a random did.
    let legacy = "d_0123456789abcdef01234567";
    sqlx::query("UPDATE devices SET did = $1 WHERE sn = $2")
        .bind(legacy)
        .bind(&labels[0].sn)
        .execute(&s.state.writer)
        .await
        .unwrap();
    let cy = s.user("cy@example.com").await;
    let bound = s
        .post(
            "/v1/bindings",
            Auth::Bearer(&cy),
            json!({"qr_content": labels[0].qr_content, "name": "Old"}),
        )
        .await;
    assert_eq!(bound.assert_status(201)["device"]["did"], legacy);
}

async fn a_device_older_than_per_product_sns_keeps_its_derived_did(s: TestServer) {
    let key = s.key("maker", false).await;
    s.product(&key, "did003", "bind_code_required").await;
    let labels = s.devices(&key, "did003", 2).await;
    // What the migration to per-product SNs leaves on every device that existed before it.
    sqlx::query("UPDATE devices SET did_from_sn = 1 WHERE sn = $1")
        .bind(&labels[0].sn)
        .execute(&s.state.writer)
        .await
        .unwrap();
    let dee = s.user("dee@example.com").await;
    let bind = |qr: &str| {
        s.post(
            "/v1/bindings",
            Auth::Bearer(&dee),
            json!({"qr_content": qr, "name": "Fan"}),
        )
    };
    let (old, new) = (
        Sn::parse(&labels[0].sn).unwrap(),
        Sn::parse(&labels[1].sn).unwrap(),
    );
    let bound = bind(&labels[0].qr_content).await;
    assert_eq!(
        bound.assert_status(201)["device"]["did"],
        old.did_of_sn_alone(&s.state.secret).as_str()
    );
    let bound = bind(&labels[1].qr_content).await;
    let pk = ProductKey::parse("did003").unwrap();
    assert_eq!(
        bound.assert_status(201)["device"]["did"],
        new.did(&pk, &s.state.secret).as_str()
    );
}

/// The migration itself: a SQLite cloud at the schema before stable dids, with a bound
/// device, opened by this version, keeps that device's did and gives its binding an id.
#[tokio::test]
async fn the_migration_keeps_the_did_of_devices_already_bound() {
    let dir = tempfile::tempdir().unwrap();
    let url = bindery_cloud::db::sqlite_url(&dir.path().join("cloud.sqlite3"));
    let before = dir.path().join("migrations-before");
    std::fs::create_dir(&before).unwrap();
    let all = concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/sqlite");
    for entry in std::fs::read_dir(all).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        if name.as_str() < "0004" {
            std::fs::copy(&path, before.join(&name)).unwrap();
        }
    }
    {
        use sqlx::ConnectOptions;
        let options: sqlx::sqlite::SqliteConnectOptions = url.parse().unwrap();
        let mut db = options.connect().await.unwrap();
        sqlx::migrate::Migrator::new(before.as_path())
            .await
            .unwrap()
            .run(&mut db)
            .await
            .unwrap();
        for statement in [
            "INSERT INTO accounts (uid, email, password_hash, created_at) VALUES ('u_old', 'old@example.com', 'x', 1)",
            "INSERT INTO products (product_key, name, bind_policy, created_at) VALUES ('old001', 'Old', 'sn_only', 1)",
            "INSERT INTO devices (sn, product_key, device_key, created_at) VALUES ('OLDSN00001', 'old001', 'aabbccddeeff', 1)",
            "INSERT INTO devices (sn, product_key, device_key, created_at) VALUES ('OLDSN00002', 'old001', 'aabbccddeef0', 1)",
            "INSERT INTO bindings (did, sn, uid, name, bound_at) VALUES ('d_aaaaaaaaaaaaaaaaaaaaaaaa', 'OLDSN00001', 'u_old', 'Lamp', 2)",
        ] {
            sqlx::query(statement).execute(&mut db).await.unwrap();
        }
    }

    let state = bindery_cloud::AppState::open(bindery_cloud::StateConfig::new(url))
        .await
        .unwrap();
    let dids: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT sn, did FROM devices ORDER BY sn")
            .fetch_all(&state.db)
            .await
            .unwrap();
    assert_eq!(
        dids,
        [
            (
                "OLDSN00001".to_owned(),
                Some("d_aaaaaaaaaaaaaaaaaaaaaaaa".to_owned())
            ),
            ("OLDSN00002".to_owned(), None),
        ]
    );
    let binding_id: String = sqlx::query_scalar("SELECT binding_id FROM bindings")
        .fetch_one(&state.db)
        .await
        .unwrap();
    assert_eq!(binding_id, "d_aaaaaaaaaaaaaaaaaaaaaaaa");
    // Per-product SNs (migration 0011): both devices keep the dids derived from their SN
    // alone, and the binding names its device's product.
    let old: Vec<(String, i64)> = sqlx::query_as("SELECT sn, did_from_sn FROM devices ORDER BY sn")
        .fetch_all(&state.db)
        .await
        .unwrap();
    assert_eq!(
        old,
        [("OLDSN00001".to_owned(), 1), ("OLDSN00002".to_owned(), 1)]
    );
    let bound: (String, String) = sqlx::query_as("SELECT product_key, sn FROM bindings")
        .fetch_one(&state.db)
        .await
        .unwrap();
    assert_eq!(bound, ("old001".to_owned(), "OLDSN00001".to_owned()));
}
