//! Makes a fake camera video of a label: `IMAGE` held up to a 1280x720 camera for `SECONDS`
//! at 30 fps, as a `.y4m` that the app (`--camera-file`), `bindery-cli scan --video` and
//! Chromium's fake camera play.
//!
//!     cargo run -p bindery-scan --example label_video -- IMAGE OUT.y4m [SECONDS]

use std::process::ExitCode;

use bindery_scan::source::{load_image, write_y4m};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(image), Some(out)) = (args.first(), args.get(1)) else {
        eprintln!("usage: label_video IMAGE OUT.y4m [SECONDS]");
        return ExitCode::from(2);
    };
    let seconds: usize = match args.get(2).map(|s| s.parse()) {
        None => 2,
        Some(Ok(seconds)) => seconds,
        Some(Err(_)) => {
            eprintln!("SECONDS must be a whole number, not {:?}", args[2]);
            return ExitCode::from(2);
        }
    };
    let label = match load_image(image.as_ref()) {
        Ok(label) => label,
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::FAILURE;
        }
    };
    let Some(frame) = label.staged(1280, 720) else {
        eprintln!("{image} is larger than a 1280x720 frame; shrink it first");
        return ExitCode::FAILURE;
    };
    let frames = vec![frame; 30 * seconds.max(1)];
    let written = std::fs::File::create(out).and_then(|file| write_y4m(file, &frames, 30));
    if let Err(error) = written {
        eprintln!("{out}: {error}");
        return ExitCode::FAILURE;
    }
    eprintln!("{out}: {} frames of 1280x720 at 30 fps", frames.len());
    ExitCode::SUCCESS
}
