//! Frame sources without a camera: image files, folders, Y4M videos, and the typed error a
//! machine without a camera gets.

mod common;

use std::time::Duration;

use bindery_scan::source::{
    write_y4m, FolderSource, ImageFileSource, Pacing, SourceError, Y4mSource,
};
use bindery_scan::{Decoder, Effort, FrameSource, GrayImage};

const V2: &str = "pk=p1a2b3&sn=BD7K2M9Q4X&v=2&bc=7Q4XK2M9PD";

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("bindery-scan-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn save_png(img: &GrayImage, path: &std::path::Path) {
    image::GrayImage::from_raw(
        img.width() as u32,
        img.height() as u32,
        img.pixels().to_vec(),
    )
    .unwrap()
    .save(path)
    .unwrap();
}

#[test]
fn a_y4m_video_plays_as_a_camera() {
    let dir = temp_dir("y4m");
    let path = dir.join("labels.y4m");
    // Two empty frames, then the label: the code appears at frame 2 (80 ms at 25 fps).
    let frames = vec![
        common::camera_frame(320, 240, None, 1),
        common::camera_frame(320, 240, None, 2),
        common::camera_frame(320, 240, Some(V2), 3),
    ];
    write_y4m(std::fs::File::create(&path).unwrap(), &frames, 25).unwrap();

    let mut source = Y4mSource::open(&path, false, Pacing::Unpaced).unwrap();
    assert_eq!(source.size(), (320, 240));
    let mut decoder = Decoder::new(Effort::Live);
    let mut first_code = None;
    let mut count = 0;
    while let Some(frame) = source.next_frame().unwrap() {
        assert_eq!(frame.image, frames[frame.index as usize]);
        let codes = decoder.decode(frame.image.view());
        if first_code.is_none() && !codes.is_empty() {
            first_code = Some((frame.index, frame.timestamp, codes[0].text.clone()));
        }
        count += 1;
    }
    assert_eq!(count, 3);
    assert_eq!(
        first_code,
        Some((2, Duration::from_millis(80), V2.to_owned()))
    );

    // Looping never ends; real-time pacing keeps the frame rate.
    let mut looping = Y4mSource::open(&path, true, Pacing::RealTime).unwrap();
    let start = std::time::Instant::now();
    for _ in 0..7 {
        looping.next_frame().unwrap().unwrap();
    }
    assert!(start.elapsed() >= Duration::from_millis(6 * 40 - 5));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_folder_plays_its_images_in_name_order() {
    let dir = temp_dir("folder");
    let a = common::camera_frame(200, 150, None, 1);
    let b = common::label(V2, 3.0);
    save_png(&b, &dir.join("02-label.png"));
    save_png(&a, &dir.join("01-empty.png"));
    std::fs::write(dir.join("notes.txt"), "not an image").unwrap();

    let mut source = FolderSource::open(&dir, 10.0, false, Pacing::Unpaced).unwrap();
    assert_eq!(source.files().len(), 2);
    let first = source.next_frame().unwrap().unwrap();
    assert_eq!(first.image, a);
    let second = source.next_frame().unwrap().unwrap();
    assert_eq!(
        (second.index, second.timestamp),
        (1, Duration::from_millis(100))
    );
    assert_eq!(second.image, b);
    assert!(source.next_frame().unwrap().is_none());

    let empty = temp_dir("empty-folder");
    assert_eq!(
        FolderSource::open(&empty, 10.0, false, Pacing::Unpaced).unwrap_err(),
        SourceError::EmptyFolder {
            path: empty.clone()
        }
    );
    std::fs::remove_dir_all(dir).unwrap();
    std::fs::remove_dir_all(empty).unwrap();
}

#[test]
fn an_image_file_is_one_frame() {
    let dir = temp_dir("file");
    let path = dir.join("label.png");
    let img = common::label(V2, 3.0);
    save_png(&img, &path);
    let mut source = ImageFileSource::open(&path).unwrap();
    let frame = source.next_frame().unwrap().unwrap();
    assert_eq!(frame.image, img);
    assert!(source.next_frame().unwrap().is_none());

    let missing = dir.join("missing.png");
    assert!(matches!(
        ImageFileSource::open(&missing).unwrap_err(),
        SourceError::Io { path, .. } if path == missing
    ));
    let junk = dir.join("junk.png");
    std::fs::write(&junk, b"not a png").unwrap();
    assert!(matches!(
        ImageFileSource::open(&junk).unwrap_err(),
        SourceError::BadImage { path, .. } if path == junk
    ));
    std::fs::remove_dir_all(dir).unwrap();
}

/// A machine without a camera gets `NoCamera` (one with cameras, `CameraNotFound` past the
/// last), never a driver error. On Linux the camera list is the `/dev/video*` nodes, which
/// cannot fail to be read, so the test always runs there; elsewhere a backend that does not
/// answer at all (no permission, no media service) is reported as a skip.
#[cfg(feature = "camera")]
#[test]
fn no_camera_is_a_typed_error() {
    use bindery_scan::source::camera::{list_cameras, CameraRequest, CameraSource};
    let cameras = match list_cameras() {
        Ok(c) => c,
        Err(e) if !cfg!(target_os = "linux") => {
            eprintln!("SKIPPED: the camera backend is unavailable here ({e})");
            return;
        }
        Err(e) => panic!("listing cameras failed: {e}"),
    };
    if cameras.is_empty() {
        assert_eq!(
            CameraSource::open(0, CameraRequest::default()).err(),
            Some(SourceError::NoCamera)
        );
    } else {
        assert_eq!(
            CameraSource::open(cameras.len(), CameraRequest::default()).err(),
            Some(SourceError::CameraNotFound {
                index: cameras.len(),
                available: cameras.len()
            })
        );
    }
}
