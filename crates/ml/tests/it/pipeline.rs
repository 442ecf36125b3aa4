//! `pipeline::read_table`: label spans for purging and errors that name the file, the
//! line and the column.

use std::path::PathBuf;

use thetalab_core::Timestamp;
use thetalab_ml::pipeline::read_table;

fn write(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("thetalab-ml-it-table-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn day(d: i64) -> Timestamp {
    Timestamp::from_secs(d * 86_400).unwrap()
}

#[test]
fn horizon_counts_rows_of_a_single_series() {
    let p = write(
        "single.csv",
        "t,a,y\n1970-01-01,1,0\n1970-01-02,2,1\n1970-01-03,3,0\n1970-01-04,4,1\n",
    );
    let t = read_table(&p, "y", Some("t"), 2, true).unwrap();
    assert_eq!(t.t0, vec![day(0), day(1), day(2), day(3)]);
    // Two rows later, capped at the last row.
    assert_eq!(t.t1, vec![day(2), day(3), day(3), day(3)]);
    assert_eq!(t.labels, vec![0.0, 1.0, 0.0, 1.0]);
}

#[test]
fn horizon_counts_time_steps_of_a_panel_not_rows() {
    // Two symbols a day. A 1-day label of a row on day 0 ends on day 1; counting rows
    // gave the other symbol's row of day 0, so the split never purged the overlap.
    let p = write(
        "panel.csv",
        "t,sym,a,y\n\
         1970-01-01,AAA,1,0\n1970-01-01,BBB,2,1\n\
         1970-01-02,AAA,3,0\n1970-01-02,BBB,4,1\n\
         1970-01-03,AAA,5,1\n1970-01-03,BBB,6,0\n",
    );
    let t = read_table(&p, "y", Some("t"), 1, true).unwrap();
    assert_eq!(t.ignored, vec!["sym".to_string()]);
    assert_eq!(t.t1, vec![day(1), day(1), day(2), day(2), day(2), day(2)]);
    assert!((0..6).all(|i| t.t1[i] > t.t0[i] || t.t0[i] == day(2)));
    // Horizon 0: each label is decided within its row.
    let z = read_table(&p, "y", Some("t"), 0, true).unwrap();
    assert_eq!(z.t1, z.t0);
}

#[test]
fn errors_name_the_file_the_line_and_the_column() {
    let p = write("badtime.csv", "t,a,y\n2024-01-02,1,0\nyesterday,2,1\n");
    let e = read_table(&p, "y", Some("t"), 0, true)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("badtime.csv") && e.contains("row 3") && e.contains("column t"),
        "{e}"
    );
    let p = write("nan.csv", "a,b,y\n1,2,0\n2,NaN,1\n");
    let e = read_table(&p, "y", None, 0, true).unwrap_err().to_string();
    assert!(
        e.contains("nan.csv") && e.contains("row 3") && e.contains("column b"),
        "{e}"
    );
    let p = write("label.csv", "a,y\n1,0\n2,0.5\n");
    let e = read_table(&p, "y", None, 0, true).unwrap_err().to_string();
    assert!(e.contains("row 3") && e.contains("0 or 1"), "{e}");
    // A short row is the csv reader's error, still with the file and the line.
    let p = write("ragged.csv", "a,b,y\n1,2,0\n2,1\n");
    let e = read_table(&p, "y", None, 0, true).unwrap_err().to_string();
    assert!(e.contains("ragged.csv") && e.contains("row 3"), "{e}");
    let p = write("nolabel.csv", "a,b\n1,2\n");
    let e = read_table(&p, "y", None, 0, true).unwrap_err().to_string();
    assert!(e.contains("nolabel.csv") && e.contains("\"y\""), "{e}");
}
