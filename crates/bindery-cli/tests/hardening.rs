//! Issue 14 from the outside: what the CLI sends and prints must not hand a secret to a
//! host or a terminal that should not have it. Each case runs the real binary against a
//! real cloud on loopback, with a plain TCP listener standing in for the attacker's host.

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use bindery_core::BindPolicy;
use common::{Cloud, User};

/// A host on loopback that answers every request with `200 {}` and keeps what it was sent.
fn attacker() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let received: Arc<Mutex<Vec<String>>> = Arc::default();
    let log = received.clone();
    std::thread::spawn(move || {
        for socket in listener.incoming() {
            let Ok(mut socket) = socket else { continue };
            let mut request = Vec::new();
            let mut buf = [0u8; 4096];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                match socket.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&buf[..n]),
                }
            }
            log.lock()
                .unwrap()
                .push(String::from_utf8_lossy(&request).into_owned());
            let _ = socket.write_all(
                b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}",
            );
        }
    });
    (addr, received)
}

/// The session token kept in a user's session file.
fn token_of(user: &User) -> String {
    let kept: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&user.session_file).unwrap()).unwrap();
    kept[0]["token"].as_str().unwrap().to_owned()
}

/// One line of a `--trace --json` recording.
fn recorded(method: &str, path: &str) -> String {
    serde_json::json!({"trace": {
        "method": method,
        "path": path,
        "url": format!("http://127.0.0.1:8080{path}"),
        "attempt": 1,
        "request_headers": [["authorization", "Bearer ***"], ["x-api-key", "***"]],
        "request_body": null,
        "status": 200,
        "response_headers": [],
        "response_body": "{}",
        "error": null,
        "elapsed_ms": 3,
    }})
    .to_string()
}

#[test]
fn replay_refuses_a_recorded_path_that_names_another_host() {
    let cloud = Cloud::start();
    let support_key = cloud.key("support", true);
    let user = User::signed_in(&cloud.base, "replay-victim@example.com");
    let token = token_of(&user);
    let (evil, received) = attacker();
    let recording = cloud.dir().join("tampered.jsonl");
    std::fs::write(
        &recording,
        format!(
            "{}\nnot a call\n{}\n",
            recorded("GET", "/v1/bindings"),
            recorded("GET", &format!("@{evil}/v1/support/devices/SN0001")),
        ),
    )
    .unwrap();

    for mode in [&[][..], &["--json"][..]] {
        let mut args = vec![
            "replay",
            recording.to_str().unwrap(),
            "--api-key",
            &support_key,
        ];
        args.extend_from_slice(mode);
        let run = user.run(&args);
        let seen = received.lock().unwrap().join("\n---\n");
        assert!(
            !seen.contains(&token) && !seen.contains(&support_key),
            "the other host was sent the credentials:\n{seen}\nstdout:\n{}\nstderr:\n{}",
            run.stdout,
            run.stderr
        );
        assert!(seen.is_empty(), "the other host was contacted:\n{seen}");
        run.exit(2);
        let said = format!("{}{}", run.stdout, run.stderr);
        assert!(
            said.contains("line 3") && said.contains(&format!("@{evil}/v1/support")),
            "{said}"
        );
    }
}

#[test]
fn the_trace_masks_the_bind_code() {
    let cloud = Cloud::start();
    let key = cloud.key("maker", false);
    cloud.product(&key, "lampmask", BindPolicy::BindCodeRequired);
    let label = &cloud.batch(&key, "lampmask", 1, true)[0];
    let bind_code = bindery_core::parse_qr(&label.qr_content)
        .unwrap()
        .bind_code()
        .expect("a Bindery label carries a bind code")
        .as_str()
        .to_owned();
    let user = User::signed_in(&cloud.base, "mask@example.com");

    for args in [
        &["--trace", "inspect", "--qr", &label.qr_content][..],
        &["--trace", "--json", "inspect", "--qr", &label.qr_content][..],
        &[
            "--trace",
            "bind",
            "--qr",
            &label.qr_content,
            "--name",
            "Porch",
        ][..],
        &[
            "--trace",
            "--json",
            "bind",
            "--qr",
            &label.qr_content,
            "--name",
            "Porch",
        ][..],
    ] {
        let run = user.run(args);
        run.ok();
        assert!(
            !run.stderr.contains(&bind_code),
            "the bind code {bind_code} is in the trace of {args:?}:\n{}",
            run.stderr
        );
        assert!(run.stderr.contains("bc=***"), "{}", run.stderr);
        assert!(
            run.stderr.contains(&label.sn),
            "the SN stays readable: {}",
            run.stderr
        );
    }
}
