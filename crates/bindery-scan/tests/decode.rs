//! The decode pipeline on generated labels: every QR form of docs/product.md §3, and the ways a
//! phone photo of a label goes wrong (angle, tiny modules, blur, glare, dim or washed-out
//! light), plus the real images that made rqrr panic.

mod common;

use bindery_core::{parse_qr, QrKind};
use bindery_scan::{
    Binarization, Code, Decoder, Effort, Engine, GrayImage, Method, Pass, Scale, When,
};
use common::{background, blur, draw_code, glare, label, squeeze};

const V2: &str = "pk=p1a2b3&sn=BD7K2M9Q4X&v=2&bc=7Q4XK2M9PD";

fn decode(img: &GrayImage) -> Vec<Code> {
    Decoder::new(Effort::Thorough).decode(img.view())
}

fn assert_reads(img: &GrayImage, text: &str, what: &str) -> Code {
    let codes = decode(img);
    assert_eq!(codes.len(), 1, "{what}: expected one code, got {codes:?}");
    assert_eq!(codes[0].text, text, "{what}");
    codes[0].clone()
}

#[test]
fn every_label_form_decodes_and_parses() {
    let forms = [
        (V2, Some(QrKind::BinderyV2)),
        ("pk=p1a2b3&sn=VDR7098612099028&v=1", Some(QrKind::QuectelV1)),
        (
            "https://bind.example.com/b?pk=p1a2b3&sn=BD7K2M9Q4X&bc=7Q4XK2M9PD",
            Some(QrKind::Url),
        ),
        (
            "product_key=p1a2b3c4&did=abcDEF123&passcode=XYZ123",
            Some(QrKind::GizwitsLegacy),
        ),
        ("type=share&code=abc123", Some(QrKind::GizwitsShare)),
        ("MT:Y.K9042C00KA0648G00", Some(QrKind::Matter)),
        ("VDR7098612099028", Some(QrKind::BareSn)),
        ("hello, world", None),
    ];
    for (text, kind) in forms {
        let code = assert_reads(&label(text, 4.0), text, text);
        assert_eq!(code.payload, parse_qr(text), "{text}");
        if let Some(kind) = kind {
            assert_eq!(code.payload.as_ref().map(|p| p.kind()), Ok(kind), "{text}");
        }
    }
}

#[test]
fn corners_outline_the_code() {
    let img = label(V2, 4.0);
    let code = assert_reads(&img, V2, "plain label");
    assert!(code.corners.len() >= 3);
    if let [tl, tr, br, bl] = code.corners[..] {
        // Upright label: the outline goes round from the top-left corner.
        assert!(tl.x < tr.x && tl.y < bl.y, "{:?}", code.corners);
        assert!(br.x > bl.x && br.y > tr.y, "{:?}", code.corners);
    }
    let c = code.center();
    let mid = img.width() as f32 / 2.0;
    assert!(
        (c.x - mid).abs() < 12.0 && (c.y - mid).abs() < 12.0,
        "{c:?}"
    );
}

#[test]
fn rotated_codes() {
    for angle in [17.0, 45.0, 90.0, 160.0, 233.0] {
        let mut img = background(480, 480, 3);
        draw_code(&mut img, V2, 240.0, 240.0, 5.0, angle, 25, 225);
        assert_reads(&img, V2, &format!("rotated {angle}°"));
    }
}

#[test]
fn small_modules() {
    for module in [2.0, 2.5, 3.0] {
        let mut img = background(640, 480, 5);
        draw_code(&mut img, V2, 300.0, 220.0, module, 4.0, 30, 220);
        assert_reads(&img, V2, &format!("{module} px modules"));
    }
}

#[test]
fn blurred() {
    let mut img = background(400, 400, 7);
    draw_code(&mut img, V2, 200.0, 200.0, 5.0, 0.0, 20, 230);
    assert_reads(&blur(&img, 2), V2, "blur radius 2");
    let mut small = background(400, 400, 8);
    draw_code(&mut small, V2, 200.0, 200.0, 4.0, 0.0, 20, 230);
    assert_reads(&blur(&small, 1), V2, "4 px modules, blur radius 1");
}

#[test]
fn glare_on_the_label() {
    let mut img = background(480, 480, 9);
    draw_code(&mut img, V2, 240.0, 240.0, 5.0, 10.0, 40, 200);
    glare(&mut img, 200.0, 200.0, 45.0, 120.0);
    assert_reads(&img, V2, "glare");
}

#[test]
fn low_contrast_and_dim_light() {
    let mut img = background(480, 480, 11);
    draw_code(&mut img, V2, 240.0, 240.0, 4.0, 0.0, 20, 235);
    let mut washed = img.clone();
    squeeze(&mut washed, 120, 160);
    assert_reads(&washed, V2, "washed out (120..160)");
    let mut dim = img;
    squeeze(&mut dim, 5, 40);
    assert_reads(&dim, V2, "dim (5..40)");
}

#[test]
fn a_frame_without_a_code_gives_nothing() {
    assert!(decode(&background(640, 480, 1)).is_empty());
    assert!(decode(&GrayImage::filled(1, 1, 0)).is_empty());
    assert!(decode(&GrayImage::filled(0, 0, 0)).is_empty());
}

/// The second code of the two-code frames.
const OTHER: &str = "pk=p1a2b3&sn=VDR7098612099028&v=1";

/// Asserts that `img` gives exactly the codes `a` and `b`, in any order.
#[track_caller]
fn assert_reads_both(img: &GrayImage, a: &str, b: &str) {
    let mut texts: Vec<String> = decode(img).into_iter().map(|c| c.text).collect();
    texts.sort();
    let mut expected = [a, b];
    expected.sort();
    assert_eq!(texts, expected);
}

#[test]
fn two_codes_in_one_frame_are_both_reported() {
    let mut img = background(900, 400, 13);
    draw_code(&mut img, V2, 220.0, 200.0, 5.0, 0.0, 20, 230);
    draw_code(&mut img, OTHER, 680.0, 200.0, 5.0, 0.0, 20, 230);
    assert_reads_both(&img, V2, OTHER);
}

/// The two images on which rqrr 0.11 panics (an assertion in its geometry code): both
/// efforts read the one code in each, and Thorough, whose rqrr passes run on them, counts
/// the panics it caught on the way. They are read from the bench data (see
/// `common::bench_data`), never copied here.
#[test]
fn images_that_made_rqrr_panic_are_read_and_the_panics_counted() {
    for name in ["zxing-qrcode-6/7.png", "zxingcpp-qrcode-6/7.png"] {
        let Some(path) = common::bench_data::bench_photo(name) else {
            return;
        };
        let img = bindery_scan::source::load_image(&path).unwrap();
        for effort in [Effort::Live, Effort::Thorough] {
            let mut decoder = Decoder::new(effort);
            let codes = decoder.decode(img.view());
            let texts: Vec<&str> = codes.iter().map(|c| c.text.as_str()).collect();
            assert_eq!(texts, ["1234567890"], "{name}, {effort:?}");
            if effort == Effort::Thorough {
                assert!(decoder.stats().panics > 0, "{name}: {:?}", decoder.stats());
            }
        }
    }
}

/// A big photo with a large code and a small one: the small one is below a module a pixel
/// at the working scale, so only the full-resolution pass can read it, and it must run
/// although the large code was already read (the miss of boofcv-rotations/image026).
#[test]
fn a_small_code_beside_a_large_one_in_a_big_photo() {
    let mut img = background(2400, 800, 17);
    draw_code(&mut img, V2, 600.0, 400.0, 12.0, 0.0, 20, 230);
    draw_code(&mut img, OTHER, 1900.0, 400.0, 2.5, 0.0, 20, 230);
    assert_reads_both(&img, V2, OTHER);
}

/// A light-on-dark code on a dark page: read through the negative, which is binarized
/// afresh rather than taken as the flipped black/white picture (the hybrid rule treats
/// flat areas asymmetrically).
#[test]
fn a_light_on_dark_code() {
    let mut img = background(480, 480, 19);
    for p in img.pixels_mut() {
        *p /= 2;
    }
    draw_code(&mut img, V2, 240.0, 240.0, 5.0, 7.0, 225, 30);
    assert_reads(&img, V2, "light on dark");
}

/// Live: a light-on-dark code shows rxing's detector no finder pattern, so nothing tells
/// the located passes to look; our finder search (both polarities) runs on one frame in
/// three that read nothing, so a camera held on the code reads it within three frames —
/// and a frame without a code costs it only on those turns.
#[test]
fn live_reads_a_light_on_dark_code_within_three_frames() {
    let mut img = background(640, 480, 23);
    for p in img.pixels_mut() {
        *p /= 2;
    }
    draw_code(&mut img, V2, 320.0, 240.0, 4.0, 5.0, 225, 30);
    let mut live = Decoder::new(Effort::Live);
    let read = (0..3).any(|_| live.decode(img.view()).iter().any(|c| c.text == V2));
    assert!(read, "not read in three live frames");
    // Two idle turns: this search, and the same on the sharpened picture on another frame.
    let idle: Vec<_> = live
        .passes()
        .iter()
        .filter_map(|p| match p.when {
            When::Idle { every, phase } => Some((p.binarization, every, phase)),
            _ => None,
        })
        .collect();
    assert_eq!(
        idle,
        [(Binarization::Own, 3, 0), (Binarization::Sharpened, 3, 1)],
        "{:?}",
        live.passes()
    );
}

/// Live frames pay for the costly passes only where rxing's detector saw finder patterns it
/// could not turn into a code: a frame without a code gets the two cheap passes (and, one
/// frame in three, the idle finder search; another in three, the same on the sharpened
/// picture), and a small code under glare, which those two locate but cannot read, is read
/// by the rest.
#[test]
fn live_tries_harder_only_where_a_code_was_seen() {
    let mut live = Decoder::new(Effort::Live);
    for seed in 0..10 {
        assert!(live.decode(background(1280, 720, seed).view()).is_empty());
    }
    // Frames 3, 6 and 9 take the idle search, 1, 4, 7 and 10 the sharpened one.
    assert_eq!(live.stats().passes, 2 * 10 + 3 + 4, "{:?}", live.stats());

    let mut img = background(640, 480, 1);
    draw_code(&mut img, V2, 320.0, 240.0, 2.0, 7.0, 30, 220);
    glare(&mut img, 300.0, 220.0, 60.0, 150.0);
    let hybrid = Binarization::Local(Method::Hybrid);
    let mut cheap = Decoder::with_passes(
        vec![
            Pass::new(Engine::Rxing, Scale::Working, hybrid),
            Pass::new(Engine::Rxing, Scale::Half, hybrid).fallback(),
        ],
        true,
    )
    .with_classic_fallback(false);
    assert!(
        cheap.decode(img.view()).is_empty(),
        "the fixture no longer needs the located passes"
    );
    let mut live = Decoder::new(Effort::Live);
    let codes = live.decode(img.view());
    assert_eq!(codes.len(), 1, "{codes:?}");
    assert_eq!(codes[0].text, V2);
    assert!(live.stats().passes > 2, "{:?}", live.stats());
}
