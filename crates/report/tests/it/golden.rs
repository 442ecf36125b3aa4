//! Golden files: the HTML report and the terminal table of a small fixed input, byte for
//! byte. After an intended change of the output, regenerate them with
//!
//! ```sh
//! UPDATE_GOLDEN=1 cargo test -p thetalab-report --test it golden
//! ```
//!
//! and review the diff (open `tests/golden/report_small.html` in a browser).

use std::path::PathBuf;

use thetalab_report::{render_html, summary_table};

use crate::common::synthetic;

fn check(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1") {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; run with UPDATE_GOLDEN=1 to create it",
            path.display()
        )
    });
    if expected != actual {
        let line = expected
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| expected.lines().count().min(actual.lines().count()));
        panic!(
            "{} differs from the rendered output at line {}:\n expected: {:?}\n actual:   {:?}\n\
             (UPDATE_GOLDEN=1 regenerates it after an intended change)",
            path.display(),
            line + 1,
            expected.lines().nth(line),
            actual.lines().nth(line)
        );
    }
}

#[test]
fn report_small_html() {
    check("report_small.html", &render_html(&synthetic(70, 6, true)));
}

#[test]
fn summary_small_txt() {
    check("summary_small.txt", &summary_table(&synthetic(70, 6, true)));
}
